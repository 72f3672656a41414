"""Official documents as PDF (文书): the inspection record (检查记录表), the
rectification notice (整改通知书), the re-inspection opinion (复查意见书), a plan's
results announcement (抽查结果公示) and its plan and draw announcement (抽查计划公示),
plus the public PDF of one published result.

Each document is an HTML template rendered by WeasyPrint: A4, numbered pages, its
document number (issued once, see inspections.publication.documents.document_number), and a QR
code to the public page of the record or, while it is not public, to the log-in page
for its staff page. Documents are official Chinese texts: they are rendered in the
site's default language whatever the reader's. Only the document font, ``data:``
images and the previews of the record's own photos (their public copies, without the
uploader's name, in a public document) are ever loaded: never the network, never
another file, never an original photo.

Rendering is the expensive part (about a second a document); building the HTML is
cheap. So every PDF is kept in the "documents" storage and served again while what it
shows is unchanged: a staff document (and a plan's announcements) under the hash of its
HTML, a published result under its frozen version and the live counts it prints.
"""

import hashlib
import json
import logging
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checklists.models import Item
from checklists.scoring import Outcome
from core.workdays import add_working_days
from inspections import access
from inspections.hazards.models import Hazard
from inspections.onsite import photos as photos_module
from inspections.onsite import selectors as onsite_selectors
from inspections.onsite.models import Inspection, Photo, Recheck
from inspections.planning import selectors as planning_selectors
from inspections.planning.models import Plan
from inspections.publication import documents as services
from inspections.publication import selectors as publication_selectors
from inspections.publication.models import IssuedDocument, Publication
from registry.models import Department, Facility

from . import fonts

logger = logging.getLogger(__name__)

INSPECTION_KINDS = ("record", "notice", "reinspection")
PLAN_KINDS = ("plan", "results")
# DOMAIN.md §4: re-inspection within 3 working days of the deadline (or of the request).
REINSPECT_WITHIN_WORKING_DAYS = 3
PHOTO_SCHEME = "evidence:"
# Photos are printed from their previews, scaled down to this resolution where they
# are printed smaller: 1600 px on 8 cm is 500 dpi, five times the bytes paper shows.
PRINT_DPI = 300


class DocumentUnavailable(Exception):
    """The record has no such document (yet): e.g. no notice, or not finished."""


@dataclass
class Rendered:
    kind: str
    number: str
    pdf: bytes

    @property
    def filename(self):
        return f"{self.kind}-{self.number}.pdf"


# ---------------------------------------------------------------- which documents


def inspection_kinds(inspection):
    """The documents an official inspection has: its record once finished, its
    notice once issued, and for a finished re-inspection the opinion. A
    self-inspection is the facility's own: it has none."""
    if inspection.is_self:
        return []
    finished = inspection.status == Inspection.Status.FINISHED
    kinds = ["record"] if finished else []
    if _notice(inspection) is not None:
        kinds.append("notice")
    if finished and inspection.kind == Inspection.Kind.REINSPECTION:
        kinds.append("reinspection")
    return kinds


def plan_kinds(plan):
    """An approved plan is public: its plan and draw announcement, and its results."""
    return list(PLAN_KINDS) if plan.status == Plan.Status.APPROVED else []


def _notice(inspection):
    try:
        return inspection.notice
    except Inspection.notice.RelatedObjectDoesNotExist:
        return None


def _publication(inspection):
    try:
        return inspection.publication
    except Inspection.publication.RelatedObjectDoesNotExist:
        return None


# ---------------------------------------------------------------- QR code


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def login_url(next_path):
    return absolute(f"{reverse('login')}?{urlencode({'next': next_path}, safe='/')}")


def qr_target(record):
    """Where a document's QR code leads: the public page of the record when it is
    public, else the log-in page that continues to its staff page. ``record`` is an
    Inspection, a RectificationNotice, a Plan or a Publication."""
    if isinstance(record, Plan):
        if record.status == Plan.Status.APPROVED:
            return absolute(reverse("reports:plan_detail", args=[record.pk]))
        return login_url(record.get_absolute_url())
    if isinstance(record, Publication):
        publication, staff = record, record.get_absolute_url()
    elif isinstance(record, Inspection):
        publication, staff = _publication(record), record.get_absolute_url()
    else:  # a rectification notice: public through its inspection's result
        publication = _publication(record.inspection)
        staff = reverse("inspections:notice_detail", args=[record.pk])
    if publication is not None and publication.is_public:
        return absolute(publication.get_public_url())
    return login_url(staff)


QR_SCALE = 4
QR_BORDER = 4


def qr_code(target):
    """The QR code of ``target`` as a PNG ``data:`` URI (a bitmap so that every module
    is exactly QR_SCALE pixels and a test can read it back)."""
    return segno.make(target, error="m", micro=False).png_data_uri(scale=QR_SCALE, border=QR_BORDER)


# ---------------------------------------------------------------- rendering


def _photo_file(photo, public):
    """The storage name a document prints ``photo`` from: its staff preview (stamped
    with the uploader's name), or for a public document its public copy (time and
    facility only)."""
    if public:
        return photo.public_name
    return photo.preview.name or None


def _fetcher(photos=(), public=False):
    """WeasyPrint's URL fetcher for documents: the font file, ``data:`` URIs and the
    previews (or public copies) of the photos the document lists; everything else is
    refused."""
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    font = fonts.font_path().as_uri()
    listed = {str(photo.pk): photo for photo in photos}

    class DocumentFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:") or url == font:
                return super().fetch(url, headers)
            if url.startswith(PHOTO_SCHEME):
                photo = listed.get(url[len(PHOTO_SCHEME) :])
                name = _photo_file(photo, public) if photo is not None else None
                if name:
                    with photo.preview.storage.open(name, "rb") as image:
                        body = image.read()
                    return URLFetcherResponse(url, body, {"Content-Type": "image/jpeg"})
            raise ValueError(f"Documents load nothing from {url}")

    return DocumentFetcher(allowed_protocols={"file", "data"})


def font_face_css():
    path = fonts.font_path()
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The document font {path} is missing: run `python manage.py build_document_font`."
        )
    return path.as_uri()


def page_counter_css(text):
    """A translated "Page %(page)s of %(pages)s" as CSS ``content`` with the page
    counters in place of the placeholders."""

    def quoted(piece):
        return '"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"'

    parts = []
    for chunk in text.split("%(page)s"):
        pieces = chunk.split("%(pages)s")
        parts.append(" counter(pages) ".join(quoted(p) for p in pieces))
    return " counter(page) ".join(parts)


def in_document_language(function):
    """Documents are official Chinese texts: built in the site's default language
    whatever the reader's."""

    @wraps(function)
    def wrapped(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapped


def render_html(template, context):
    return render_to_string(
        template,
        {
            **context,
            "font_url": font_face_css(),
            # Translators: the page footer, 第 %(page)s 页 / 共 %(pages)s 页
            "page_counter": page_counter_css(_("Page %(page)s of %(pages)s")),
        },
    )


def html_to_pdf(html, photos=(), *, public=False):
    """The PDF of a document's HTML; ``photos`` are those whose previews (with
    ``public``, public copies) it shows."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # Importing WeasyPrint relaxed Pillow for every upload; our previews are whole.
    photos_module.refuse_truncated()
    return HTML(string=html, url_fetcher=_fetcher(photos, public)).write_pdf(
        font_config=FontConfiguration(), dpi=PRINT_DPI
    )


@in_document_language
def render_pdf(template, context, *, photos=()):
    """The PDF bytes of ``template`` with ``context``, rendered now (never kept)."""
    return html_to_pdf(render_html(template, context), photos)


# ---------------------------------------------------------------- kept PDFs


def document_storage():
    """Private storage of the rendered PDFs (see settings.STORAGES)."""
    return storages["documents"]


def _read_kept(storage, name):
    try:
        with storage.open(name, "rb") as kept:
            return kept.read()
    except FileNotFoundError:
        return None


def _write_atomically(storage, name, pdf):
    """Write ``pdf`` as ``name`` so that no reader ever sees part of it."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        # Object storage: one upload is atomic and replaces the object (file_overwrite).
        storage.save(name, ContentFile(pdf))
        return
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, part = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pdf)
        os.replace(part, path)
    except BaseException:
        if os.path.exists(part):
            os.unlink(part)
        raise


def _keep(storage, name, pdf):
    """Keep ``pdf`` as ``name`` and drop the other PDFs of its folder: they showed an
    earlier state of the same document. Keeping is only a saving: when the storage
    fails, the download still gets its PDF."""
    folder, _slash, own = name.rpartition("/")
    try:
        _write_atomically(storage, name, pdf)
        for other in storage.listdir(folder)[1]:
            if other != own and other.endswith(".pdf"):
                storage.delete(f"{folder}/{other}")
    except OSError:
        logger.warning("Cannot keep the rendered document %s", name, exc_info=True)


def _kept_or_rendered(name, render):
    storage = document_storage()
    pdf = _read_kept(storage, name)
    if pdf is None:
        pdf = render()
        _keep(storage, name, pdf)
    return pdf


def _font_stamp():
    """Which build of the document font: a rebuilt font makes new PDFs."""
    stat = fonts.font_path().stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _digest(*parts):
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


@in_document_language
def kept_pdf(folder, template, context, *, photos=()):
    """The PDF of ``template`` with ``context``: the one kept in ``folder`` when it was
    rendered from the same HTML (and the same photos and font), else rendered now and
    kept in its place. The HTML holds everything the document shows, so any change of
    what it shows makes a new PDF, and nothing else does."""
    html = render_html(template, context)
    name = _digest(
        html, _font_stamp(), *(f"{photo.pk}:{_photo_file(photo, False)}" for photo in photos)
    )
    return _kept_or_rendered(f"{folder}/{name}.pdf", lambda: html_to_pdf(html, photos))


def _common(record, number, title):
    target = qr_target(record)
    return {
        "number": number,
        "title": title,
        "qr": qr_code(target),
        "today": timezone.localdate(),
    }


# ---------------------------------------------------------------- shared pieces


def _team(inspection):
    """The active members; in a joint inspection, grouped by the department each was
    drawn for (the department's part they answered and confirmed)."""
    members = [
        {
            "name": member.inspector.user.display_name,
            "department": (member.department or member.inspector.department).name,
            "joint_department": member.department.name if member.department else "",
            "credential_no": member.inspector.credential_no,
            "confirmed_at": member.confirmed_at,
        }
        for member in inspection.team.filter(active=True).select_related(
            "inspector__user", "inspector__department", "department"
        )
    ]
    if any(m["joint_department"] for m in members):
        order = list(dict.fromkeys(m["joint_department"] for m in members))
        members.sort(key=lambda m: order.index(m["joint_department"]))
    return members


def _team_groups(team):
    """[(department, members)] of a joint inspection's team; empty otherwise."""
    if not any(m["joint_department"] for m in team):
        return []
    groups = {}
    for member in team:
        groups.setdefault(member["joint_department"], []).append(member)
    return list(groups.items())


def _authority(inspection, team):
    """The inspecting authority: the plan's lead department, else the team's; a joint
    inspection names every department that took part, the lead first."""
    joint = [m["joint_department"] for m in team if m["joint_department"]]
    if inspection.plan_id and inspection.plan.lead_department_id:
        if joint:
            return "、".join(dict.fromkeys([inspection.plan.lead_department.name, *joint]))
        return inspection.plan.lead_department.name
    return "、".join(dict.fromkeys(member["department"] for member in team))


def _facility(facility):
    return {
        "name": facility.name,
        "credit_code": facility.credit_code or "",
        "address": facility.address,
        "responsible_person": facility.responsible_person,
        "type": Facility.Type(facility.type).label if facility.type else "",
        "region": facility.region.name,
    }


def _local(moment):
    return timezone.localtime(moment) if moment else None


def _signature(inspection):
    return {
        "name": inspection.signer_name,
        "typed": inspection.signature_text,
        "image": inspection.signature_image,
        "refused": inspection.signature_refused,
        "note": inspection.signature_note,
        "at": _local(inspection.signed_at),
    }


def answer_text(item, value):
    """An answer as the record prints it."""
    if value is None or value == "":
        return ""
    if value == Outcome.NOT_APPLICABLE:
        return Outcome.NOT_APPLICABLE.label
    if item.answer_type == Item.AnswerType.PASS_FAIL:
        return Outcome.PASSED.label if value == "pass" else Outcome.FAILED.label
    if item.answer_type == Item.AnswerType.NUMBER:
        return f"{value} {item.unit}".strip()
    if item.answer_type == Item.AnswerType.CHOICE:
        for choice in item.choices:
            if choice.get("value") == value:
                return choice.get("label", value)
    return value


def _due(hazard):
    text = hazard.due_on.isoformat()
    return f"{text}（{_('provisional')}）" if hazard.due_provisional else text


# ---------------------------------------------------------------- 检查记录表


def _record_context(inspection):
    team = _team(inspection)
    photos, rows, parts = [], [], []
    for part in onsite_selectors.checklist_parts(inspection):
        lines = []
        for entry in part.entries:
            answer = entry.answer
            refs = []
            for photo in entry.photos:
                photos.append(
                    {
                        "n": len(photos) + 1,
                        "src": f"{PHOTO_SCHEME}{photo.pk}",
                        "photo": photo,
                        "label": entry.item.code if entry.item else entry.hazard.register_no,
                        "after": photo.purpose == Photo.Purpose.AFTER,
                        "received_at": _local(photo.uploaded_at),
                    }
                )
                refs.append(len(photos))
            if entry.item is not None:
                verdict = entry.outcome
                line = {
                    "code": entry.item.code,
                    "question": entry.item.question,
                    "answer": answer_text(entry.item, answer.value) if answer else "",
                    "outcome": Outcome(verdict).label if verdict else "",
                    "failed": verdict == Outcome.FAILED,
                }
            else:
                if answer is None:
                    continue
                line = {
                    "code": entry.hazard.register_no,
                    "question": entry.hazard.description,
                    "answer": Recheck(answer.value).label,
                    "outcome": Recheck(answer.value).label,
                    "failed": answer.value != Recheck.FIXED,
                }
            line.update(
                note=answer.note if answer else "",
                location=answer.location if answer else "",
                corrected=bool(answer and answer.corrected),
                photos=refs,
            )
            lines.append(line)
            rows.append(line)
        if lines:
            department = part.checklist.department if part.checklist else None
            parts.append(
                {
                    "title": part.title,
                    "lines": lines,
                    "department": department.name if department else "",
                    "department_id": department.pk if department else None,
                }
            )
    # A joint inspection: each department's items under its heading, with its part's
    # result; the combined result stays the inspection's.
    joint = any(part["department_id"] for part in parts)
    results = (
        {r.department.pk: r for r in onsite_selectors.department_results(inspection)}
        if joint
        else {}
    )
    if results:
        order = list(results)
        parts.sort(key=lambda p: order.index(p["department_id"]) if p["department_id"] else -1)
        for part in parts:
            part["result"] = results.get(part["department_id"])
    hazards = list(
        inspection.hazards.select_related("verifying_department").order_by("register_no")
    )
    return {
        "inspection": inspection,
        "kind": inspection.get_kind_display(),
        "joint": bool(results),
        "team_groups": _team_groups(team),
        "authority": _authority(inspection, team),
        "facility": _facility(inspection.facility),
        "started_at": _local(inspection.started_at),
        "finished_at": _local(inspection.finished_at),
        "team": team,
        "parts": parts,
        "counts": [(label, n) for label, n in Counter(r["outcome"] for r in rows).items() if label],
        "photos": photos,
        "hazards": [{"hazard": h, "due": _due(h)} for h in hazards],
        "result": inspection.get_result_display(),
        "score": inspection.score,
        "signature": _signature(inspection),
    }, [p["photo"] for p in photos]


# ---------------------------------------------------------------- 整改通知书


def _required_action(hazard):
    if hazard.deadline_days == 0:
        return _("Correct immediately.")
    text = _("Rectify by %(date)s.") % {"date": _due(hazard)}
    if hazard.severity == Hazard.Severity.MAJOR:
        text += " " + _(
            "Major hazard under supervision: file the five-in-place plan (measures, "
            "responsible person, funds, deadline, contingency plan)."
        )
    return text


def _notice_context(notice):
    inspection = notice.inspection
    team = _team(inspection)
    hazards = list(
        notice.hazards.select_related("item", "verifying_department").order_by("register_no")
    )
    # A joint inspection: each hazard under the department whose part found it, the
    # departments in the order of their checklists.
    found_by, order, names = {}, [], {}
    if _team_groups(team):
        found_by = onsite_selectors.hazard_departments(inspection)
        order = list(
            dict.fromkeys(
                inspection.checklists.exclude(department=None).values_list("department", flat=True)
            )
        )
        names = dict(Department.objects.filter(pk__in=order).values_list("pk", "name"))
    if names:
        hazards.sort(
            key=lambda h: order.index(found_by[h.pk]) if found_by.get(h.pk) in order else -1
        )
    evidence = {}
    # A hazard the team registered on site that no item names keeps its evidence on
    # itself (inspections.enforcement.found), not on an answer.
    for photo in (
        Photo.objects.filter(
            Q(answer_id__in=[h.answer_id for h in hazards if h.answer_id])
            | Q(hazard_id__in=[h.pk for h in hazards if not h.answer_id], rectification=None),
            purpose=Photo.Purpose.EVIDENCE,
        )
        .kept()
        .order_by("uploaded_at", "pk")
    ):
        evidence.setdefault(photo.answer_id or ("hazard", photo.hazard_id), []).append(photo)
    photos, lines = [], []
    for hazard in hazards:
        own = evidence.get(hazard.answer_id or ("hazard", hazard.pk), [])
        photos += own
        lines.append(
            {
                "hazard": hazard,
                "department": names.get(found_by.get(hazard.pk), ""),
                "verified_by": hazard.verifying_department.name
                if hazard.verifying_department
                else "",
                "due": _due(hazard),
                "legal_basis": hazard.item.legal_basis if hazard.item else "",
                "action": _required_action(hazard),
                "photos": [f"{PHOTO_SCHEME}{photo.pk}" for photo in own],
            }
        )
    last_due = max((h.due_on for h in hazards), default=timezone.localdate(notice.issued_at))
    reinspect = add_working_days(last_due, REINSPECT_WITHIN_WORKING_DAYS)
    return {
        "notice": notice,
        "joint": bool(names),
        "team_groups": _team_groups(team),
        "authority": _authority(inspection, team),
        "facility": _facility(notice.facility),
        "inspected_on": timezone.localdate(inspection.started_at),
        "place": notice.facility.address,
        "team": team,
        "lines": lines,
        "reinspect_by": reinspect.date,
        "reinspect_provisional": reinspect.provisional,
        "issued_at": _local(notice.issued_at),
        "acknowledged_at": _local(notice.acknowledged_at),
        "acknowledged_by": notice.acknowledged_by.display_name if notice.acknowledged_by else "",
    }, photos


# ---------------------------------------------------------------- 复查意见书


def reinspection_conclusion(inspection, rechecks):
    """Close out when every hazard was found fixed; refer for penalty when the lead
    published the result as such; otherwise rectification continues."""
    publication = _publication(inspection)
    if publication is not None and publication.category == Publication.Category.PENALTY:
        return "penalty", _("Referred for penalty")
    if rechecks and all(answer.value == Recheck.FIXED for answer in rechecks):
        return "close", _("Closed out: every hazard re-checked was found fixed.")
    return "continue", _("Rectification continues: the hazards not fixed stay open.")


def _reinspection_context(inspection):
    team = _team(inspection)
    rechecks = list(
        inspection.answers.exclude(rechecked_hazard=None)
        .select_related("rechecked_hazard__notice")
        .order_by("rechecked_hazard__register_no")
    )
    notices = list(
        dict.fromkeys(
            answer.rechecked_hazard.notice.number
            for answer in rechecks
            if answer.rechecked_hazard.notice_id
        )
    )
    source = inspection.source_inspection
    if not notices and source is not None and _notice(source) is not None:
        notices = [source.notice.number]
    code, conclusion = reinspection_conclusion(inspection, rechecks)
    return {
        "inspection": inspection,
        "authority": _authority(inspection, team),
        "facility": _facility(inspection.facility),
        "notices": notices,
        "reinspected_on": timezone.localdate(inspection.started_at),
        "team": team,
        "lines": [
            {
                "hazard": answer.rechecked_hazard,
                "result": Recheck(answer.value).label,
                "fixed": answer.value == Recheck.FIXED,
                "note": answer.note,
            }
            for answer in rechecks
        ],
        "conclusion_code": code,
        "conclusion": conclusion,
        "signature": _signature(inspection),
    }


# ---------------------------------------------------------------- plan documents


def _plan_context(plan):
    return {
        "plan": plan,
        "authority": plan.lead_department.name,
        "checklists": plan.checklists.select_related("template", "version"),
    }


def public_draw_rows(draw):
    """A revealed draw's facilities by name and its teams by credential number only:
    the public copy of a draw names no inspector."""
    facilities, _inspectors = planning_selectors.draw_names(draw)
    return planning_selectors.draw_rows(draw, (facilities, {}), current=True)


def _draws_context(plan):
    """Each draw as the public plan page shows it: frozen commitments always, the
    selected facilities and teams once the draw is revealed."""
    draws = []
    for draw in plan.draws.order_by("frozen_at", "pk"):
        revealed = draw.is_revealed()
        draws.append(
            {
                "draw": draw,
                "revealed": revealed,
                "rows": public_draw_rows(draw) if revealed else [],
                "record_url": absolute(reverse("reports:draw_json", args=[draw.pk]))
                if revealed
                else "",
            }
        )
    return draws


def _results_rows(plan):
    """The plan's results the public knows of: published ones from their current
    version, withdrawn ones as withdrawn with the reason; nothing unpublished."""
    publications = (
        access.public_results()
        .filter(inspection__plan=plan)
        .select_related("current")
        .order_by("inspected_on", "pk")
    )
    rows = []
    for publication in publications:
        content = publication.current.content
        withdrawn = not access.shows_public_content(publication)
        row = {
            "publication": publication,
            "facility": content["facility"]["name"],
            "credit_code": content["facility"].get("credit_code") or "",
            "inspected_on": content.get("inspected_on", ""),
            "withdrawn": withdrawn,
        }
        if withdrawn:
            row.update(
                reason=publication.withdrawn_reason,
                withdrawn_on=timezone.localdate(publication.withdrawn_at)
                if publication.withdrawn_at
                else None,
            )
        else:
            labels = publication_selectors.content_labels(content)
            counts = publication_selectors.result_hazard_counts(publication.inspection_id)
            row.update(
                region=content["facility"].get("region_name", ""),
                category=labels["category"],
                category_code=content.get("category", ""),
                follow_up=content.get("follow_up", ""),
                general=counts["general"],
                major=counts["major"],
                version=publication.current.number,
                url=absolute(publication.get_public_url()),
            )
        rows.append(row)
    return rows


# ---------------------------------------------------------------- public

PUBLIC_RESULT_TEMPLATE = "reports/documents/result.html"


def result_announcement_pdf(publication):
    """The public PDF of one result: its current version only, or the notice of its
    withdrawal. Rendered once for each state of what it prints (the frozen version,
    the withdrawal, the live hazard counts) and kept: later downloads read the file.
    Raises DocumentUnavailable for a result never published."""
    if not publication.is_public:
        raise DocumentUnavailable
    withdrawn = not access.shows_public_content(publication)
    counts = (
        None if withdrawn else publication_selectors.result_hazard_counts(publication.inspection_id)
    )
    state = {
        "withdrawn": [publication.withdrawn_at, publication.withdrawn_reason]
        if withdrawn
        else None,
        "counts": counts,
        "qr": settings.SITE_URL,
    }
    digest = _digest(json.dumps(state, sort_keys=True, default=str))
    return _kept_or_rendered(
        f"results/{publication.pk}/v{publication.current_id}-{digest}.pdf",
        lambda: _render_result(publication, counts),
    )


def _public_photos(publication):
    """The photos the current version shows, as their public copies print them; a
    photo without its public copy is left out, never printed from the staff preview."""
    photos = Photo.objects.filter(
        pk__in=publication.current.content.get("photos") or [],
        inspection_id=publication.inspection_id,
    ).order_by("pk")
    return [photo for photo in photos if photo.preview.storage.exists(photo.public_name)]


@in_document_language
def _render_result(publication, counts):
    number = services.document_number(
        kind=IssuedDocument.Kind.RESULT, inspection=publication.inspection, by=None
    )
    version = publication.current
    content = version.content
    withdrawn = counts is None
    photos = [] if withdrawn else _public_photos(publication)
    context = {
        # Translators: 抽查结果公示 (one result)
        **_common(publication, number, _("Announcement of a spot-check result")),
        "authority": content.get("authority", ""),
        "publication": publication,
        "version": version,
        "withdrawn": withdrawn,
        "withdrawn_on": timezone.localdate(publication.withdrawn_at)
        if publication.withdrawn_at
        else None,
        "content": content,
        "labels": publication_selectors.content_labels(content) if not withdrawn else {},
        "count_rows": [] if withdrawn else publication_selectors.hazard_count_rows(counts),
        "photos": [f"{PHOTO_SCHEME}{photo.pk}" for photo in photos],
    }
    return html_to_pdf(render_html(PUBLIC_RESULT_TEMPLATE, context), photos, public=True)


# ---------------------------------------------------------------- entry points


@in_document_language
def prepare_inspection_document(inspection, kind, *, by):
    """(template, context, photos, number) of the ``kind`` document of ``inspection``
    (see INSPECTION_KINDS), numbered on its first rendering by ``by``."""
    if kind not in inspection_kinds(inspection):
        raise DocumentUnavailable(kind)
    if kind == "notice":
        notice = inspection.notice
        context, photos = _notice_context(notice)
        # Translators: 整改通知书
        context.update(_common(notice, notice.number, _("Rectification notice")))
        return "reports/documents/notice.html", context, photos, notice.number
    if kind == "record":
        number = services.document_number(
            kind=IssuedDocument.Kind.RECORD, inspection=inspection, by=by
        )
        context, photos = _record_context(inspection)
        # Translators: 检查记录表
        context.update(_common(inspection, number, _("Inspection record")))
        return "reports/documents/record.html", context, photos, number
    number = services.document_number(
        kind=IssuedDocument.Kind.REINSPECTION, inspection=inspection, by=by
    )
    context = _reinspection_context(inspection)
    # Translators: 复查意见书
    context.update(_common(inspection, number, _("Re-inspection opinion")))
    return "reports/documents/reinspection.html", context, [], number


def inspection_document(inspection, kind, *, by):
    """The ``kind`` document of ``inspection`` as a PDF (see INSPECTION_KINDS), kept
    while what it shows is unchanged."""
    template, context, photos, number = prepare_inspection_document(inspection, kind, by=by)
    pdf = kept_pdf(f"inspections/{inspection.pk}/{kind}", template, context, photos=photos)
    return Rendered(kind, number, pdf)


@in_document_language
def plan_document(plan, kind, *, by):
    """The ``kind`` announcement of an approved ``plan`` (see PLAN_KINDS)."""
    if kind not in plan_kinds(plan):
        raise DocumentUnavailable(kind)
    folder = f"plans/{plan.pk}/{kind}"
    if kind == "plan":
        number = services.document_number(kind=IssuedDocument.Kind.PLAN, plan=plan, by=by)
        context = {
            **_plan_context(plan),
            # Translators: 抽查计划公示
            **_common(plan, number, _("Announcement of a spot-check plan and its draws")),
            "draws": _draws_context(plan),
        }
        return Rendered(kind, number, kept_pdf(folder, "reports/documents/plan.html", context))
    number = services.document_number(kind=IssuedDocument.Kind.RESULTS, plan=plan, by=by)
    rows = _results_rows(plan)
    published = [row for row in rows if not row["withdrawn"]]
    context = {
        **_plan_context(plan),
        # Translators: 抽查结果公示
        **_common(plan, number, _("Announcement of spot-check results")),
        "rows": rows,
        "published_count": len(published),
        "withdrawn_count": len(rows) - len(published),
        "by_category": [
            (label, n) for label, n in Counter(row["category"] for row in published).most_common()
        ],
    }
    return Rendered(kind, number, kept_pdf(folder, "reports/documents/results.html", context))
