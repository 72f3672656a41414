"""The public site (一公开), no log-in needed: published plans and their draws, published
results (search, a result's page with its corrections, its chosen photos), facilities'
public pages, and the results as open data (CSV and JSON).

Nothing unpublished is reachable here: every result goes through ``_public()``, which
holds only publications that have a current version, and a withdrawn one shows only
its withdrawal notice.
"""

import csv
import io
import itertools
import json
from collections import Counter

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.db.models.fields.json import KeyTransform
from django.http import (
    FileResponse,
    Http404,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.keyset import BadCursor, Keyset
from core.timefmt import iso
from inspections import access
from inspections.credit import export as credit_export
from inspections.credit.models import CreditEvent
from inspections.hazards.models import Hazard
from inspections.onsite.models import Photo
from inspections.planning.models import Draw, Plan
from inspections.planning.selectors import draw_record, revealed_draws
from inspections.publication.models import Publication, PublicationVersion
from inspections.publication.selectors import (
    content_labels,
    hazard_count_rows,
    parts_text,
    result_hazard_counts,
)
from registry.models import Region

from . import opendata
from .documents import public_draw_rows
from .exports import neutralise
from .ratelimit import limited

JSON = {"ensure_ascii": False, "indent": 2}
RESULTS_PER_PAGE = 25
# The search says how many results it found up to this many, "more than" past it.
RESULTS_COUNTED = 1000
# How long an unchanged list of the search's regions stays in the cache (a change makes
# a new key at once; this only lets the old ones go).
REGION_OPTIONS_SECONDS = 24 * 3600
# Rows read per round trip by the open-data downloads, which stream.
EXPORT_BATCH = 500
# Newest inspection first, as the open data, the id breaking ties: both keys are the
# result's own (Publication.inspected_on is its current version's), so a page reads the
# index "publication_public_newest", or a region's "publication_public_region_day",
# instead of sorting every result.
RESULT_ORDER = Keyset(key="inspected_on", kind="date", tie="pk")
# Open-data columns (README "Public site"): the same keys in CSV and JSON.
RESULT_COLUMNS = [
    "publication_id",
    "version",
    "status",
    "inspected_on",
    "published_at",
    "facility_name",
    "facility_credit_code",
    "facility_type",
    "region_code",
    "region_name",
    "authority",
    "category",
    "general_open",
    "general_closed",
    "major_open",
    "major_closed",
    "follow_up",
    "url",
    "withdrawn_at",
    "withdrawn_reason",
    # Added last, so that readers of the earlier columns by position are not broken.
    "department_parts",
]
# What a withdrawn result keeps in the open data: which result it was, not what it said.
WITHDRAWN_KEEPS = set(RESULT_COLUMNS) - {
    "authority",
    "department_parts",
    "category",
    "general_open",
    "general_closed",
    "major_open",
    "major_closed",
    "follow_up",
}


def _optional_url(name, *args):
    """The URL of ``name``, or None while no route of that name exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# ---------------------------------------------------------------- plans and draws


def _public_plans():
    return Plan.objects.filter(status=Plan.Status.APPROVED).select_related(
        "region", "lead_department"
    )


def index(request):
    """The landing page: the latest results and plans, and where to find the rest."""
    results = (
        _public()
        .filter(status=Publication.Status.PUBLISHED)
        .select_related("current")
        .order_by("-current__published_at", "-pk")
    )
    return render(
        request,
        "reports/public_index.html",
        {"results": results[:10], "plans": _public_plans()[:5]},
    )


def plan_list(request):
    page = Paginator(_public_plans(), 25).get_page(request.GET.get("page"))
    return render(request, "reports/public_plan_list.html", {"page": page})


def plan_detail(request, pk):
    plan = get_object_or_404(_public_plans(), pk=pk)
    draws = []
    for draw in plan.draws.all():
        revealed = draw.is_revealed()
        draws.append(
            {
                "draw": draw,
                "revealed": revealed,
                "rows": public_draw_rows(draw) if revealed else [],
            }
        )
    return render(
        request,
        "reports/public_plan_detail.html",
        {
            "plan": plan,
            "checklists": plan.checklists.select_related("template", "version"),
            "draws": draws,
        },
    )


@limited
def draw_list_json(request):
    draws = revealed_draws()
    return JsonResponse(
        [
            {
                "id": draw.pk,
                "plan": {"id": draw.plan_id, "name": draw.plan.name, "year": draw.plan.year},
                "status": draw.public_status,
                "url": request.build_absolute_uri(reverse("reports:draw_json", args=[draw.pk])),
            }
            for draw in draws
        ],
        safe=False,
        json_dumps_params=JSON,
    )


@limited
def draw_json(request, pk):
    """The draw record, once revealed; before that it does not exist for the public."""
    draw = Draw.objects.select_related("plan").filter(pk=pk).first()
    if draw is None or not draw.is_revealed():
        raise Http404
    response = JsonResponse(draw_record(draw), json_dumps_params=JSON)
    response["Access-Control-Allow-Origin"] = "*"
    return response


# ---------------------------------------------------------------- results


def _public():
    """Results the public may know of: published, or withdrawn (its notice stays).
    Pending, returned and never-published ones have no current version."""
    return access.public_results()


class ResultFilter(forms.Form):
    """The search of the results page and of the open-data downloads."""

    DATE_ERROR = _("Give the date as YYYY-MM-DD, for example 2026-11-23.")

    region = forms.CharField(label=_("Region"), required=False, max_length=12)
    facility = forms.CharField(
        label=_("Facility name or credit code"), required=False, max_length=200
    )
    date_from = forms.DateField(
        label=_("Inspected from"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": DATE_ERROR},
    )
    date_to = forms.DateField(
        label=_("Inspected until"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": DATE_ERROR},
    )
    category = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("Any result"))] + Publication.Category.choices,
        error_messages={"invalid_choice": _("Choose one of the result categories.")},
    )

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        if not code:
            return None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(
                _("No region has the division code %(code)s.") % {"code": code}
            )
        return region

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def apply(self, publications):
        data = self.cleaned_data
        if data["region"]:
            publications = publications.filter(region__path__startswith=data["region"].path)
        text = data["facility"].strip()
        if text:
            publications = publications.filter(
                Q(inspection__facility__name__icontains=text)
                | Q(inspection__facility__credit_code__iexact=text)
            )
        if data["date_from"]:
            publications = publications.filter(inspected_on__gte=data["date_from"])
        if data["date_to"]:
            publications = publications.filter(inspected_on__lte=data["date_to"])
        if data["category"]:
            # A withdrawn result's category is no longer public: it never matches.
            publications = publications.filter(
                status=Publication.Status.PUBLISHED, current__category=data["category"]
            )
        return publications


def _region_options(selected=""):
    """The search's region choices as ``<option>`` elements: regions with public results,
    and the regions above them (choosing one shows everything below it), ``selected``
    (a region code) marked. Finding them reads every public result (a quarter of a second
    at ten provinces' 80,000), and rendering a country's thousand and more options costs
    as much again, so the rendered options are kept in the shared cache under the latest
    publication's and region's history rows: a publication, a withdrawal or a renamed
    region gives the next reader a new list. Only the selection is put in per page."""
    stamp = (
        Publication.history.aggregate(n=Max("history_id"))["n"],
        Region.history.aggregate(n=Max("history_id"))["n"],
    )
    key = "public-region-options-html:{}:{}".format(*stamp)
    options = cache.get(key)
    if options is None:
        paths = _public().order_by().values_list("region__path", flat=True).distinct()
        codes = {code for path in paths for code in path.strip("/").split("/")}
        regions = Region.objects.filter(code__in=codes).order_by("path")
        rows = list(regions.values_list("code", "name", "path"))
        top = min((path.count("/") for _code, _name, path in rows), default=0)
        # Ideographic spaces show the tree in a plain <select>.
        options = str(
            format_html_join(
                "",
                '<option value="{}">{}{}</option>',
                ((code, "\u3000" * (path.count("/") - top), name) for code, name, path in rows),
            )
        )
        cache.set(key, options, REGION_OPTIONS_SECONDS)
    if selected:
        # Only an option the list holds matches: what the address says is not inserted.
        chosen = str(escape(selected))
        options = options.replace(
            f'<option value="{chosen}">', f'<option value="{chosen}" selected>', 1
        )
    return mark_safe(options)  # noqa: S308 (rendered by format_html above)


def _newest_first(publications):
    return publications.select_related("current").order_by("-inspected_on", "-pk")


def result_list(request):
    """Search the results by region, facility, date and result, 25 a page, newest
    first. "Older" and "newer" links carry the last result seen (core.keyset): a deep
    page costs what the first costs. The total is counted up to ``RESULTS_COUNTED``
    only, so a search of a whole province does not count every result to say so."""
    form = ResultFilter(request.GET)
    if form.is_valid():
        results = form.apply(_public())
    else:
        results = _public().none()
    query = request.GET.copy()
    for name in ("page", "before", "after"):
        query.pop(name, None)
    context = {
        "form": form,
        "query": query.urlencode(),
        "region_options": _region_options(request.GET.get("region", "")),
        "categories": Publication.Category.choices,
        "counted_up_to": RESULTS_COUNTED,
    }
    try:
        page = RESULT_ORDER.page(
            results.select_related("current"),
            RESULTS_PER_PAGE,
            before=request.GET.get("before"),
            after=request.GET.get("after"),
        )
    except BadCursor:
        return render(
            request,
            "reports/public_result_list.html",
            {**context, "page": [], "bad_cursor": True},
            status=400,
        )
    total = results.order_by()[: RESULTS_COUNTED + 1].count()
    return render(
        request,
        "reports/public_result_list.html",
        {
            **context,
            "page": page,
            "total": min(total, RESULTS_COUNTED),
            "more": total > RESULTS_COUNTED,
        },
    )


def _public_result(pk):
    return get_object_or_404(_public().select_related("current"), pk=pk)


def _result_context(publication, version):
    """What a result's page shows of ``version``: its frozen content, the live hazard
    counts, the photos the lead chose that the current version still shows, where the
    inspection came from, and the history of corrections."""
    content = version.content
    current_photos = set(publication.current.content.get("photos") or [])
    photos = [
        reverse("reports:result_photo", args=[publication.pk, photo_id])
        for photo_id in content.get("photos") or []
        if photo_id in current_photos
    ]
    draw = None
    if content.get("draw"):
        draw = Draw.objects.select_related("plan").filter(pk=content["draw"]["id"]).first()
        if draw is not None and not draw.is_revealed():
            draw = None
    return {
        "publication": publication,
        "version": version,
        "content": content,
        "labels": content_labels(content),
        "count_rows": hazard_count_rows(result_hazard_counts(publication.inspection_id)),
        "public_links": True,
        "photos": photos,
        "draw": draw,
        "versions": publication.versions.order_by("-number"),
        "pdf_url": _optional_url("reports:result_pdf", publication.pk),
    }


def result_detail(request, pk):
    """A published result (its current version), or the notice of its withdrawal."""
    publication = _public_result(pk)
    if not access.shows_public_content(publication):
        return render(request, "reports/public_result_withdrawn.html", {"publication": publication})
    return render(
        request,
        "reports/public_result_detail.html",
        _result_context(publication, publication.current),
    )


def result_version(request, pk, number):
    """An earlier (or the current) version of a published result, as it was published."""
    publication = _public_result(pk)
    if not access.shows_public_content(publication):
        return redirect("reports:result_detail", pk=publication.pk)
    version = get_object_or_404(PublicationVersion, publication=publication, number=number)
    if version.number > publication.current.number:
        raise Http404
    return render(
        request, "reports/public_result_detail.html", _result_context(publication, version)
    )


def result_photo(request, pk, photo_pk):
    """The preview of a photo the lead chose for the current version, having confirmed
    no person is in it; every other photo does not exist here."""
    publication = get_object_or_404(
        _public().filter(status=Publication.Status.PUBLISHED).select_related("current"), pk=pk
    )
    if photo_pk not in (publication.current.content.get("photos") or []):
        raise Http404
    photo = get_object_or_404(Photo, pk=photo_pk, inspection_id=publication.inspection_id)
    storage = photo.preview.storage
    if not storage.exists(photo.public_name):
        raise Http404
    # The public copy, without the inspector's name the staff preview is stamped with.
    response = FileResponse(storage.open(photo.public_name, "rb"), content_type="image/jpeg")
    # Short: a correction or a withdrawal may take the photo down.
    response["Cache-Control"] = "public, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- facilities


def facility_detail(request, pk):
    """A facility's public page: its type, star level, credit class and lists, its
    penalties and published results. A facility with nothing public has no page."""
    facility = get_object_or_404(access.public_facilities().select_related("region"), pk=pk)
    results = _newest_first(_public().filter(inspection__facility=facility))
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    credit = None
    if access.shows_public_credit(facility):
        credit = next(credit_export.facility_records([facility], today=timezone.localdate()))
        # Decisions recorded in enforcement, in full; penalties a lead entered by hand
        # in the credit file, by their date only. The credit file holds one event per
        # recorded decision, on its date: those are not listed twice.
        credit["decisions"] = list(access.public_penalties().filter(facility=facility))
        recorded = Counter(penalty.decided_on for penalty in credit["decisions"])
        credit["penalties"] = []
        for event in reversed(credit["events"]):
            if event["kind"] != CreditEvent.Kind.PENALTY:
                continue
            if recorded[event["date"]]:
                recorded[event["date"]] -= 1
            else:
                credit["penalties"].append(event)
    return render(
        request,
        "reports/public_facility_detail.html",
        {"facility": facility, "page": page, "stars": "★" * facility.star_level, "credit": credit},
    )


# ---------------------------------------------------------------- open data


# The hazard counts of the open data: (column, class, statuses counted).
EXPORT_COUNTS = [
    ("general_open", Hazard.Severity.GENERAL, Hazard.OPEN),
    ("general_closed", Hazard.Severity.GENERAL, [Hazard.Status.CLOSED]),
    ("major_open", Hazard.Severity.MAJOR, Hazard.OPEN),
    ("major_closed", Hazard.Severity.MAJOR, [Hazard.Status.CLOSED]),
]


# The keys of a version's content that an open-data row reads (``_export_row`` and
# ``parts_text``): a key read there must be listed here.
EXPORT_CONTENT = ("facility", "authority", "follow_up", "parts")


def _export_order(publications):
    """The ids of ``publications``, newest inspection first, the id breaking ties: a
    narrow sort (two columns, not the whole row with its content)."""
    return (
        publications.order_by("-inspected_on", "-pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=EXPORT_BATCH)
    )


def _export_chunks(publications):
    """The open data's publications, in order, ``EXPORT_BATCH`` at a time, each with its
    live hazard counts: two queries a chunk (the rows by id, their hazards grouped by
    inspection, class and status), so nothing is grouped by the whole row and no more
    than a chunk is held in memory."""
    ids = _export_order(publications)
    while chunk := list(itertools.islice(ids, EXPORT_BATCH)):
        rows = {}
        for publication in (
            Publication.objects.select_related("current")
            .defer("current__content")
            .annotate(
                **{
                    f"content_{key}": KeyTransform(key, "current__content")
                    for key in EXPORT_CONTENT
                }
            )
            .filter(pk__in=chunk)
            .order_by()
        ):
            # Only the keys a row shows: a version's content also holds every checklist
            # item, many times the size of the row, which held a chunk's memory up.
            publication.current.content = {
                key: value
                for key in EXPORT_CONTENT
                if (value := getattr(publication, f"content_{key}")) is not None
            }
            rows[publication.pk] = publication
        counts = {}
        hazards = (
            Hazard.objects.filter(inspection_id__in=[p.inspection_id for p in rows.values()])
            .order_by()
            .values_list("inspection_id", "severity", "status")
            .annotate(n=Count("pk"))
        )
        for inspection_id, severity, status, n in hazards:
            counts[inspection_id, severity, status] = n
        for pk in chunk:
            publication = rows.get(pk)
            if publication is None:  # deleted since the ids were read
                continue
            for name, severity, statuses in EXPORT_COUNTS:
                setattr(
                    publication,
                    name,
                    sum(counts.get((publication.inspection_id, severity, s), 0) for s in statuses),
                )
            yield publication


def _export_row(publication, base_url):
    version = publication.current
    content = version.content
    facility = content.get("facility") or {}
    row = {
        "publication_id": publication.pk,
        "version": version.number,
        "status": publication.status,
        "inspected_on": version.inspected_on.isoformat(),
        "published_at": iso(version.published_at),
        "facility_name": facility.get("name"),
        "facility_credit_code": facility.get("credit_code"),
        "facility_type": facility.get("type"),
        "region_code": facility.get("region_code"),
        "region_name": facility.get("region_name"),
        "authority": content.get("authority"),
        "category": version.category,
        "general_open": publication.general_open,
        "general_closed": publication.general_closed,
        "major_open": publication.major_open,
        "major_closed": publication.major_closed,
        "follow_up": content.get("follow_up"),
        "url": base_url + reverse("reports:result_detail", args=[publication.pk]),
        "withdrawn_at": iso(publication.withdrawn_at),
        "withdrawn_reason": publication.withdrawn_reason or None,
        # A joint inspection's part of each department; empty otherwise. Last, as in
        # RESULT_COLUMNS.
        "department_parts": parts_text(content),
    }
    if not access.shows_public_content(publication):
        row = {key: (value if key in WITHDRAWN_KEEPS else None) for key, value in row.items()}
    return row


def _export(request):
    """``(form, base_url)`` of a download, or the error response for bad parameters."""
    form = ResultFilter(request.GET)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return None, JsonResponse({"errors": errors}, status=400, json_dumps_params=JSON)
    return (form, request.build_absolute_uri("/").rstrip("/")), None


def _csv_lines(form, base_url):
    rows = (_export_row(p, base_url) for p in _export_chunks(form.apply(_public())))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # With a BOM, Excel on Chinese Windows opens it as UTF-8.
    buffer.write("\ufeff")
    writer.writerow(RESULT_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else neutralise(row[c]) for c in RESULT_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _json_chunks(form, base_url):
    rows = (_export_row(p, base_url) for p in _export_chunks(form.apply(_public())))
    yield "["
    for n, row in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"


def _download(request, fmt, pieces, content_type):
    """The open data in ``fmt``: the whole register from its kept file (built once per
    change, ``reports/opendata.py``), a filtered one built live as it is sent."""
    found, error = _export(request)
    if error:
        return error
    form, base_url = found
    kept = etag = None
    if not any(form.cleaned_data.values()):
        kept, etag = opendata.kept(fmt, base_url, lambda: pieces(form, base_url))
        if etag and request.headers.get("If-None-Match") == f'"{etag}"':
            if kept is not None:
                kept.close()
            response = HttpResponseNotModified()
            response["ETag"] = f'"{etag}"'
            return response
    if kept is not None:
        response = FileResponse(kept, content_type=content_type)
        response["ETag"] = f'"{etag}"'
    else:
        response = StreamingHttpResponse(pieces(form, base_url), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@limited
def results_csv(request):
    response = _download(request, "csv", _csv_lines, "text/csv; charset=utf-8")
    if response.status_code == 200:
        response["Content-Disposition"] = 'attachment; filename="results.csv"'
    return response


@limited
def results_json(request):
    return _download(request, "json", _json_chunks, "application/json; charset=utf-8")
