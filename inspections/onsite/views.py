"""The inspector's phone screens and the pages that open inspections.

Thin: parse, fetch through ``access``, call one service. Answer and photo posts
answer JSON to the page's script and fall back to a redirect without it.
"""

import json
import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from checklists.models import Item
from checklists.scoring import Outcome, outcome
from core import limits, pages
from core.workdays import working_days_left
from inspections import access, policy
from inspections.hazards.models import Hazard
from inspections.onsite import filters as inspection_filters
from inspections.onsite import replay, selectors, services
from inspections.onsite.forms import CaseForm, ReinspectionForm, ScheduleForm, SelfForm, SignForm
from inspections.onsite.models import Inspection, Photo, PhotoUpload, Recheck


def _wants_json(request):
    """The page's script asks for JSON; so does every write the phone queued (it
    carries a client id, and only a JSON answer is stored for its repeats)."""
    return "application/json" in request.headers.get("Accept", "") or replay.sent_with_id(request)


def _refused(error, status=400, **extra):
    return JsonResponse(
        {"ok": False, "message": " ".join(pages.errors(error)), **extra}, status=status
    )


def _worker_inspection(request, pk):
    """The inspection, if the user may see it (else 404) and work on it (else 403)."""
    inspection = access.inspection_for_user(request.user, pk)
    if not access.can_work_on(inspection, request.user):
        raise PermissionDenied
    return inspection


# ---------------------------------------------------------------- my inspections


def _bucket(inspection, today, week_end):
    if inspection.status == Inspection.Status.IN_PROGRESS:
        return "today"
    planned = inspection.planned_date
    if inspection.window_end < today or (planned and planned < today):
        return "overdue"
    if planned == today or (
        planned is None
        and not inspection.needs_notice
        and inspection.window_start <= today <= inspection.window_end
    ):
        return "today"
    if (planned and planned <= week_end) or (
        planned is None and inspection.window_start <= week_end
    ):
        return "week"
    return "later"


@login_required
def my_inspections(request):
    """The inspector's (or manager's) work: on site and due today, this week,
    overdue, later; then everything, paginated."""
    today = timezone.localdate()
    week_end = today + timedelta(days=6 - today.weekday())
    mine = access.inspections_for(request.user).select_related("facility", "plan")
    active = mine.filter(status__in=[Inspection.Status.SCHEDULED, Inspection.Status.IN_PROGRESS])
    if not access.has_field_work(request.user):
        active = active.none()
    buckets = {"today": [], "overdue": [], "week": [], "later": []}
    for inspection in active.order_by("planned_date", "window_start", "pk")[:200]:
        buckets[_bucket(inspection, today, week_end)].append(inspection)
    # Filters (the reports' overview links here): they narrow the full list only.
    listed, filters, errors = inspection_filters.filtered(mine, request.user, request.GET)
    for error in errors:
        messages.error(request, error)
    query = request.GET.copy()
    query.pop("page", None)
    chosen = []
    for name, label, value in filters:
        rest = query.copy()
        rest.pop(name)
        chosen.append({"name": name, "label": label, "value": value, "remove": rest.urlencode()})
    return render(
        request,
        "inspections/onsite/inspection_list.html",
        {
            "groups": [
                (_("Today"), buckets["today"]),
                (_("Overdue"), buckets["overdue"]),
                (_("This week"), buckets["week"]),
                (_("Later"), buckets["later"]),
            ],
            "show_groups": any(buckets.values()) and not chosen,
            "page": pages.page(request, listed.order_by("-window_start", "facility__name", "-pk")),
            "query": query.urlencode(),
            "chosen": chosen,
            "can_open_case": access.can_lead(request.user),
            "can_self_inspect": access.is_manager(request.user),
        },
    )


# ---------------------------------------------------------------- detail, notice, start


@login_required
def inspection_detail(request, pk):
    inspection = access.inspection_for_user(request.user, pk)
    can_work = access.can_work_on(inspection, request.user)
    hazards = inspection.hazards.order_by("pk")
    publication = access.publications_for(request.user).filter(inspection=inspection).first()
    return render(
        request,
        "inspections/onsite/inspection_detail.html",
        {
            "inspection": inspection,
            "publication": publication,
            "publication_days_left": working_days_left(timezone.localdate(), [publication.due_on])[
                0
            ]
            if publication
            else None,
            "team": inspection.team.select_related("inspector__user", "inspector__department"),
            "checklists": inspection.checklists.select_related("version__template", "department"),
            "can_work": can_work,
            "may_start_today": inspection.may_start_on(timezone.localdate()),
            # Who complained is not the facility's business.
            "show_source": access.may_see_case_source(request.user),
            "schedule_form": ScheduleForm(initial={"planned_date": inspection.planned_date}),
            "hazards": hazards,
            "open_hazards": selectors.recheck_hazards(inspection)
            if inspection.status != Inspection.Status.FINISHED
            else Hazard.objects.none(),
            "can_reinspect": policy.allowed(
                policy.reinspection_open_refusal, request.user, inspection
            ),
        },
    )


@login_required
@require_POST
def inspection_schedule(request, pk):
    inspection = _worker_inspection(request, pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_schedule(
                inspection=inspection,
                planned_date=form.cleaned_data["planned_date"],
                by=request.user,
            )
        except ValidationError as error:
            pages.flash(request, error)
        else:
            messages.success(request, _("The facility was notified of the visit date."))
    else:
        messages.error(request, _("Enter a valid date."))
    return redirect(inspection)


@login_required
@replay.exactly_once
def inspection_start(request, pk):
    inspection = _worker_inspection(request, pk)
    if request.method == "POST":
        try:
            inspection = services.inspection_start(
                inspection=inspection,
                by=request.user,
                latitude=request.POST.get("latitude"),
                longitude=request.POST.get("longitude"),
                accuracy=request.POST.get("accuracy"),
                captured_at=request.POST.get("captured_at"),
            )
        except ValidationError as error:
            if _wants_json(request):
                return _refused(error)
            pages.flash(request, error)
            return redirect(inspection)
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": True,
                    "status": inspection.status,
                    "started_at": timezone.localtime(inspection.started_at).isoformat(),
                    "captured_at": timezone.localtime(inspection.start_captured_at).isoformat()
                    if inspection.start_captured_at
                    else None,
                    "checklist": reverse("inspections:checklist", args=[inspection.pk]),
                }
            )
        messages.success(request, _("Started on site."))
        return redirect("inspections:checklist", pk=inspection.pk)
    return render(request, "inspections/onsite/inspection_start.html", {"inspection": inspection})


# ---------------------------------------------------------------- the checklist


def checklist_context(inspection, user):
    """Everything the checklist page shows, in a fixed number of queries."""
    parts = selectors.checklist_parts(inspection)
    can_work = access.can_work_on(inspection, user)
    if can_work:
        # A joint inspection: the other departments' items are read-only for this user.
        for part in parts:
            if part.checklist is not None:
                part.read_only_reason = policy.checklist_answer_refusal(user, part.checklist) or ""
    # Re-checks of earlier hazards are optional except on a re-inspection.
    optional = inspection.kind != Inspection.Kind.REINSPECTION
    required = [e for p in parts for e in p.entries if not (optional and e.hazard)]
    return {
        "inspection": inspection,
        "parts": parts,
        "total": len(required),
        "answered": sum(1 for e in required if e.answer is not None),
        # The "next unanswered" link without script; checklist_nav.js looks again on a tap.
        "next_unanswered": next((e.key for e in required if e.answer is None), None),
        "editable": can_work and inspection.status == Inspection.Status.IN_PROGRESS,
        # Not under way yet, but a start taken offline may be waiting in the phone's
        # outbox: the page then lets answers be queued behind it (onsite.js).
        "startable": can_work and inspection.status == Inspection.Status.SCHEDULED,
        "recheck_choices": Recheck.choices,
        "limits": {"note": limits.TEXT, "line": limits.LINE},
        # A failed stop-use item prompts the team (or a lead) to issue a control order.
        "may_issue_order": policy.allowed(policy.control_order_issue_refusal, user, inspection),
    }


@login_required
def checklist(request, pk):
    inspection = access.inspection_for_user(request.user, pk)
    return render(
        request, "inspections/onsite/checklist.html", checklist_context(inspection, request.user)
    )


def _label(item, value):
    """The answer as the page shows it."""
    if item is None:
        return dict(Recheck.choices).get(value, value)
    if value == Outcome.NOT_APPLICABLE:
        return _("N/A")
    if item.answer_type == Item.AnswerType.PASS_FAIL:
        return {"pass": _("Pass"), "fail": _("Fail")}.get(value, value)
    if item.answer_type == Item.AnswerType.CHOICE:
        return next((c.get("label", value) for c in item.choices if c.get("value") == value), value)
    if item.answer_type == Item.AnswerType.NUMBER:
        return f"{value} {item.unit}".strip()
    return value


def _answer_json(answer, item):
    verdict = outcome(item, answer.value) if item else answer.value
    return {
        "label": _label(item, answer.value),
        "key": answer.key,
        "value": answer.value,
        "note": answer.note,
        "location": answer.location,
        "deadline_days": answer.deadline_days,
        "corrected": answer.corrected,
        "revision": answer.revision,
        "outcome": verdict,
        "by": answer.answered_by.display_name,
        "at": timezone.localtime(answer.answered_at).strftime("%H:%M:%S"),
    }


@login_required
@require_POST
@replay.exactly_once
def answer_save(request, pk):
    inspection = _worker_inspection(request, pk)
    key = request.POST.get("key", "")
    try:
        answer = services.answer_save(
            inspection=inspection,
            key=key,
            value=request.POST.get("value") or request.POST.get("typed_value", ""),
            note=request.POST.get("note", ""),
            location=request.POST.get("location", ""),
            deadline_days=request.POST.get("deadline_days") or None,
            corrected=request.POST.get("corrected") == "on",
            base_revision=request.POST.get("revision") or 0,
            by=request.user,
        )
    except services.AnswerConflict as conflict:
        other = conflict.current
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": False,
                    "conflict": True,
                    "message": conflict.messages[0],
                    "answer": _answer_json(other, other.item),
                },
                status=409,
            )
        messages.error(
            request,
            conflict.messages[0] + " " + _("Their answer: %(value)s") % {"value": other.value},
        )
    except ValidationError as error:
        if _wants_json(request):
            return _refused(error)
        pages.flash(request, error)
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True, "answer": _answer_json(answer, answer.item)})
        messages.success(request, _("Saved."))
    return redirect(reverse("inspections:checklist", args=[inspection.pk]) + f"#{key}")


@login_required
@require_POST
def photo_add(request, pk):
    inspection = _worker_inspection(request, pk)
    key = request.POST.get("key", "")
    purpose = request.POST.get("purpose") or Photo.Purpose.EVIDENCE
    upload = request.FILES.get("photo")
    try:
        if upload is None:
            raise ValidationError(_("Choose or take a photo."))
        if purpose not in Photo.Purpose.values:
            raise ValidationError(_("Unknown photo purpose."))
        photo = services.photo_add(
            inspection=inspection, key=key, upload=upload, purpose=purpose, by=request.user
        )
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": " ".join(pages.errors(error))}, status=400)
        pages.flash(request, error)
    else:
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": True,
                    "photo": photo.pk,
                    "purpose": photo.purpose,
                    "thumbnail": reverse("inspections:photo", args=[photo.pk, "thumb"]),
                    "preview": reverse("inspections:photo", args=[photo.pk, "preview"]),
                    "camera_time_doubtful": photo.camera_time_doubtful,
                }
            )
        messages.success(request, _("Photo saved."))
    return redirect(reverse("inspections:checklist", args=[inspection.pk]) + f"#{key}")


@login_required
def photo(request, pk, variant):
    """Stream a derivative of an evidence photo after checking access, and log who saw it."""
    if variant not in ("preview", "thumb"):
        raise Http404
    photo = access.photo_for_user(request.user, pk)
    services.photo_viewed(photo=photo, variant=variant, by=request.user)
    field = photo.preview if variant == "preview" else photo.thumbnail
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
@replay.exactly_once
def photo_remove(request, pk):
    """Remove a photo taken by mistake (recorded; the file is kept)."""
    photo = access.photo_for_user(request.user, pk)
    if photo.inspection is None or not access.can_work_on(photo.inspection, request.user):
        raise PermissionDenied
    try:
        photo = services.photo_remove(
            photo=photo, by=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        if _wants_json(request):
            return _refused(error)
        pages.flash(request, error)
    else:
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": True,
                    "photo": photo.pk,
                    "removed_at": timezone.localtime(photo.removed_at).isoformat(),
                }
            )
        messages.success(request, _("The photo was removed."))
    key = photo.answer.key if photo.answer else ""
    return redirect(reverse("inspections:checklist", args=[photo.inspection_id]) + f"#{key}")


# ---------------------------------------------------------------- photos sent in chunks

# The JSON that opens an upload is a few hundred bytes; more is not read.
UPLOAD_OPEN_MAX_BYTES = 4096
_CONTENT_RANGE = re.compile(r"bytes (\d{1,10})-(\d{1,10})/(\d{1,10})")


def _content_length(request):
    """The declared length of the body; unreadable counts as too long."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 1 << 62


def _upload_json(upload):
    photo = upload.photo
    return {
        "ok": True,
        "upload": str(upload.client_id),
        "offset": upload.offset,
        "size": upload.size,
        "done": photo is not None,
        "photo": {
            "id": photo.pk,
            "thumb": reverse("inspections:photo", args=[photo.pk, "thumb"]),
            "preview": reverse("inspections:photo", args=[photo.pk, "preview"]),
            "key": upload.key,
            # The page warns at once about a camera clock that cannot be right.
            "camera_time_doubtful": photo.camera_time_doubtful,
        }
        if photo is not None
        else None,
    }


@login_required
@require_POST
def upload_open(request, pk):
    """Open (or, with the same client id, find again) a resumable photo upload."""
    inspection = _worker_inspection(request, pk)
    if _content_length(request) > UPLOAD_OPEN_MAX_BYTES:
        return _refused(ValidationError(_("The description of the upload is too long.")))
    try:
        declared = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        declared = None
    if not isinstance(declared, dict):
        return _refused(ValidationError(_("Describe the upload as a JSON object.")))
    client_id = replay.client_id_from(declared.get("client_id"))
    if client_id is None:
        return replay.malformed()
    size = declared.get("size")
    if not isinstance(size, int) or isinstance(size, bool):
        return _refused(ValidationError(_("Give the size of the photo in bytes.")))
    try:
        upload, created = services.upload_open(
            inspection=inspection,
            client_id=client_id,
            key=str(declared.get("key") or ""),
            purpose=str(declared.get("purpose") or Photo.Purpose.EVIDENCE),
            size=size,
            sha256=str(declared.get("sha256") or ""),
            name=str(declared.get("name") or ""),
            content_type=str(declared.get("content_type") or ""),
            by=request.user,
        )
    except ValidationError as error:
        return _refused(error)
    if created:
        return JsonResponse(
            {"ok": True, "upload": str(upload.client_id), "offset": upload.offset}, status=201
        )
    return JsonResponse(_upload_json(upload))


@login_required
def upload(request, client_id):
    """GET: how far an upload has come. PUT: one chunk of it, placed by its
    ``Content-Range``; the last one makes the photo."""
    if request.method not in ("GET", "PUT"):
        return HttpResponseNotAllowed(["GET", "PUT"])
    parsed = replay.client_id_from(client_id)
    if parsed is None:
        return replay.malformed()
    # An upload is its uploader's. Telling how far it has come needs the inspection in
    # sight (a member replaced meanwhile sees nothing); a chunk needs more, that they
    # may still work on it, which the service asks with each one (and it implies
    # the first: so a chunk, dozens to a photo, is not asked twice).
    uploads = PhotoUpload.objects.filter(created_by=request.user, client_id=parsed)
    if request.method == "GET":
        uploads = uploads.filter(inspection__in=access.inspections_for(request.user).values("pk"))
    upload = uploads.select_related("inspection__facility").first()
    if upload is None:
        return JsonResponse(
            {"ok": False, "message": _("This upload is unknown or has expired: start it again.")},
            status=404,
        )
    if request.method == "GET":
        return JsonResponse(_upload_json(upload))
    match = _CONTENT_RANGE.fullmatch(request.headers.get("Content-Range", "").strip())
    if match is None:
        return _refused(ValidationError(_("Send each chunk with its Content-Range.")))
    start, end, total = (int(group) for group in match.groups())
    if _content_length(request) > services.UPLOAD_CHUNK_MAX_BYTES:
        return _refused(
            ValidationError(
                _("Send the photo in chunks of at most %(limit)d KiB.")
                % {"limit": services.UPLOAD_CHUNK_MAX_BYTES // 1024}
            )
        )
    try:
        upload = services.upload_chunk(
            upload=upload,
            start=start,
            end=end,
            total=total,
            data=request.read(services.UPLOAD_CHUNK_MAX_BYTES + 1),
            by=request.user,
        )
    except services.UploadOffsetMismatch as mismatch:
        return _refused(mismatch, status=409, offset=mismatch.offset)
    except services.UploadHashMismatch as mismatch:
        return _refused(mismatch, status=422, offset=0)
    except ValidationError as error:
        return _refused(error)
    if upload.photo is not None:
        return JsonResponse(_upload_json(upload), status=201)
    return JsonResponse({"ok": True, "offset": upload.offset})


# ---------------------------------------------------------------- finishing


@login_required
@replay.exactly_once
def finish(request, pk):
    inspection = access.inspection_for_user(request.user, pk)
    if request.method == "POST":
        inspection = _worker_inspection(request, pk)
        try:
            if request.POST.get("conclusion_confirmed") != "yes":
                raise ValidationError(
                    _("Check the conclusion and tick the box to confirm it before finishing.")
                )
            inspection = services.inspection_finish(inspection=inspection, by=request.user)
        except ValidationError as error:
            if _wants_json(request):
                return _refused(error)
            pages.flash(request, error)
            return redirect("inspections:finish", pk=inspection.pk)
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": True,
                    "status": inspection.status,
                    "result": inspection.result,
                    "score": str(inspection.score),
                    "url": inspection.get_absolute_url(),
                }
            )
        messages.success(request, _("The inspection is finished."))
        return redirect(inspection)
    parts = selectors.checklist_parts(inspection)
    team = list(inspection.team.filter(active=True).select_related("inspector__user", "department"))
    me = next((m for m in team if m.inspector.user_id == request.user.pk), None)
    conclusion, hazards = (
        selectors.conclusion_preview(inspection)
        if inspection.status == Inspection.Status.IN_PROGRESS
        else (None, [])
    )
    return render(
        request,
        "inspections/onsite/finish.html",
        {
            "inspection": inspection,
            "missing": selectors.missing(inspection, parts),
            # What the member confirms: the record, or in a joint inspection their part.
            "my_missing": selectors.own_part_missing(inspection, me, parts) if me else [],
            "joint": any(p.checklist is not None and p.checklist.department_id for p in parts),
            "team": team,
            "me": me,
            "can_work": access.can_work_on(inspection, request.user),
            "conclusion": conclusion,
            "hazards": hazards,
            "sign_form": SignForm(initial={"signer_name": inspection.signer_name}),
            "today": date_format(timezone.localdate(), "Y-m-d"),
        },
    )


@login_required
@require_POST
@replay.exactly_once
def confirm(request, pk):
    inspection = access.inspection_for_user(request.user, pk)
    try:
        member = services.member_confirm(inspection=inspection, by=request.user)
    except ValidationError as error:
        if _wants_json(request):
            return _refused(error)
        pages.flash(request, error)
    else:
        if _wants_json(request):
            return JsonResponse(
                {"ok": True, "confirmed_at": timezone.localtime(member.confirmed_at).isoformat()}
            )
        messages.success(request, _("You confirmed the record."))
    return redirect("inspections:finish", pk=inspection.pk)


@login_required
@require_POST
@replay.exactly_once
def sign(request, pk):
    inspection = _worker_inspection(request, pk)
    form = SignForm(request.POST)
    fallback = _("The signature could not be saved. Try again.")
    if form.is_valid():
        try:
            signed = services.inspection_sign(
                inspection=inspection, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            if _wants_json(request):
                return _refused(error)
            pages.flash(request, error)
        else:
            if _wants_json(request):
                return JsonResponse(
                    {
                        "ok": True,
                        "signed_at": timezone.localtime(signed.signed_at).isoformat(),
                        "refused": signed.signature_refused,
                    }
                )
            if form.cleaned_data["refused"]:
                messages.success(request, _("The refusal to sign was recorded."))
            else:
                messages.success(request, _("The facility's signature was recorded."))
    elif _wants_json(request):
        return _refused(ValidationError(pages.invalid_messages(form, fallback)))
    else:
        pages.flash_invalid(request, form, fallback)
    return redirect("inspections:finish", pk=inspection.pk)


# ---------------------------------------------------------------- opening


def _team_choices(user):
    profiles = access.inspectors_for(user).filter(active=True).select_related("user", "department")
    return profiles.order_by("department__name", "user__username")


@access.lead_required
def case_open(request):
    form = CaseForm(
        request.POST or None,
        facilities=access.facilities_for(request.user).order_by("name"),
        inspectors=_team_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.case_open(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("The case-triggered inspection was opened; the team was told.")
            )
            return redirect(inspection)
    return render(
        request,
        "inspections/onsite/open_form.html",
        {"form": form, "title": _("Case-triggered inspection")},
    )


@access.manager_required
def self_open(request):
    form = SelfForm(
        request.POST or None, facilities=access.facilities_for(request.user).order_by("name")
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.self_open(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return redirect("inspections:checklist", pk=inspection.pk)
    return render(
        request, "inspections/onsite/open_form.html", {"form": form, "title": _("Self-inspection")}
    )


@access.lead_required
def reinspection_open(request, pk):
    source = access.inspection_for_user(request.user, pk)
    form = ReinspectionForm(request.POST or None, inspectors=_team_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.reinspection_open(
                source=source, inspectors=form.cleaned_data["inspectors"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The re-inspection was opened; the team was told."))
            return redirect(inspection)
    return render(
        request,
        "inspections/onsite/open_form.html",
        {"form": form, "title": _("Re-inspection"), "source": source},
    )


# ---------------------------------------------------------------- self vs official


@login_required
def compare(request, pk):
    """The latest self-inspection beside the latest official inspection, item by item."""
    facility = access.facility_for_user(request.user, pk)
    finished = access.inspections_for(request.user).filter(
        facility=facility, status=Inspection.Status.FINISHED
    )
    latest_self = finished.filter(kind=Inspection.Kind.SELF).order_by("-finished_at").first()
    latest_official = finished.exclude(kind=Inspection.Kind.SELF).order_by("-finished_at").first()
    rows = selectors.compare_rows(latest_self, latest_official)
    labels = dict(Outcome.choices)
    for row in rows:
        row["self_label"] = labels.get(row["self"], "—")
        row["official_label"] = labels.get(row["official"], "—")
    return render(
        request,
        "inspections/onsite/compare.html",
        {
            "facility": facility,
            "self": latest_self,
            "official": latest_official,
            "rows": rows,
            "disagreements": sum(1 for r in rows if r["disagree"]),
        },
    )
