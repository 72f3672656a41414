"""The read-only REST API for the provincial platform (README "Read-only API").

Every endpoint needs a token (reports/api_auth.py) and shows only the token's regions
and everything below them. Plans are there once approved, draws once revealed,
results once published (a withdrawn one keeps only its notice), and hazards as the
register export (reports/exports.py) has them. Each page costs a fixed number of
queries, whatever its size."""

import base64
import json
from functools import cached_property

from django import forms
from django.core.paginator import Paginator
from django.core.validators import RegexValidator
from django.db.models import Count, Prefetch
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from checklists.scoring import Result
from inspections import access
from inspections.credit import export as credit_export
from inspections.credit.models import CreditEvent, CreditList
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from inspections.planning.models import Draw, Plan, PlanTemplate
from inspections.planning.selectors import draw_record
from inspections.publication.models import Publication
from inspections.publication.selectors import result_hazard_counts
from registry.models import Facility, Region, division_code_validator

from . import exports
from .api_auth import token_q

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CURSOR_MAX_LENGTH = 200


class KeysFirstPaginator(Paginator):
    """A numbered page found by its keys first: the offset then sorts the keys of the
    rows before it (a few bytes each), not those rows whole (a province's results with
    their published content: a sort spilled to disk), and only the page's rows are read
    in full, by key. One query more than a plain offset."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        keys = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys).order_by()}
        # A row gone between the two reads is left out rather than shown half.
        return self._get_page([rows[k] for k in keys if k in rows], number, self)


class Pagination(PageNumberPagination):
    """Two ways through a list (README "Read-only API"):

    - ``?page=N&page_size=M`` (M at most 200; more is cut to 200): numbered pages with
      the total ``count``. A page's cost grows with its depth (an offset).
    - ``?cursor=`` (empty: the start) then the ``next`` links: a walk in the endpoint's
      keyset order (a unique column), each page found through an index from where the
      last one ended, so a deep page costs what the first does and rows added during
      the walk neither repeat nor shift it. No ``count`` (that would be a scan)."""

    django_paginator_class = KeysFirstPaginator
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.cursor_mode = self.cursor_query_param in request.query_params
        _int_param(request, self.page_query_param, minimum=1)
        _int_param(request, self.page_size_query_param, minimum=1)
        if self.cursor_mode:
            return self._keyset_page(
                queryset, request, view.keyset, scope_first=view.walks_scope_first()
            )
        return super().paginate_queryset(queryset, request, view)

    def _keyset_page(self, queryset, request, key, *, scope_first=True):
        field = key.lstrip("-")
        after = _decode_cursor(
            request.query_params[self.cursor_query_param], int if field == "pk" else str
        )
        if after is not None:
            lookup = f"{field}__lt" if key.startswith("-") else f"{field}__gt"
            queryset = queryset.filter(**{lookup: after})
        size = self.get_page_size(request)
        if scope_first:
            queryset = queryset.filter(pk__in=_scope_first_keys(queryset, key, size + 1))
        rows = list(queryset.order_by(key)[: size + 1])
        self.next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            self.next_cursor = _encode_cursor(getattr(rows[-1], field))
        return rows

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return super().get_paginated_response(data)
        next_url = None
        if self.next_cursor is not None:
            next_url = replace_query_param(
                self.request.build_absolute_uri(), self.cursor_query_param, self.next_cursor
            )
        return Response({"next": next_url, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": _("Rows in all pages (numbered pages only)."),
                },
                "next": {**link, "description": _("The following page; null on the last.")},
                "previous": {
                    **link,
                    "description": _("The page before (numbered pages only; else null)."),
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        def integer(name, description):
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "integer", "minimum": 1},
            }

        return [
            integer(self.page_query_param, _("Page number, from 1 (ignored with cursor).")),
            integer(
                self.page_size_query_param,
                _("Rows a page (default 50; more than 200 is cut to 200)."),
            ),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "allowEmptyValue": True,
                "description": _(
                    "Walk every row in keyset order: empty for the first page, then follow "
                    "next. A cursor the API did not give out is 404."
                ),
                "schema": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9_-]*$",
                    "maxLength": CURSOR_MAX_LENGTH,
                },
            },
        ]


def _int_param(request, name, *, minimum):
    """``?name=`` as a whole number from ``minimum``, None when absent; anything else is
    refused (400) instead of being read as "no value" (a page past the last is 404)."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw) if raw.isascii() and raw.isdigit() else None
    except ValueError:  # thousands of digits
        value = None
    if value is None or value < minimum:
        raise serializers.ValidationError(
            {name: [_("Give a whole number from %(minimum)s.") % {"minimum": minimum}]}
        )
    return value


def _scope_first_keys(queryset, key, limit):
    """The keys of the next ``limit`` rows of ``queryset`` in ``key`` order, found by
    reading the rows in scope after the cursor first (a materialized CTE), then sorting
    those: a token's rows are a small part of a national table, and walking the key's
    index instead passes every other region's rows wherever the token's run out (its
    last page) or have not begun (the first page of a region whose numbers sort late).
    The cost is the token's rows after the cursor, whatever the table's size."""
    field = key.lstrip("-")
    columns = ("pk",) if field == "pk" else ("pk", field)
    sql, params = queryset.order_by().values_list(*columns).query.sql_with_params()
    names = ("row_key", "row_order")[: len(columns)]
    order = "DESC" if key.startswith("-") else "ASC"
    return RawSQL(  # noqa: S611 (the ORM compiled the SQL; its values stay parameters)
        f"WITH scope ({', '.join(names)}) AS MATERIALIZED ({sql}) "  # noqa: S608 (ORM's SQL)
        f"SELECT row_key FROM scope ORDER BY {names[-1]} {order} LIMIT %s",
        (*params, limit),
    )


def _encode_cursor(value):
    return base64.urlsafe_b64encode(json.dumps([value]).encode()).decode().rstrip("=")


def _decode_cursor(raw, kind):
    """The key (of type ``kind``) a cursor continues after; None for the empty cursor
    (the start)."""
    if raw == "":
        return None
    decoded = None
    if len(raw) <= CURSOR_MAX_LENGTH:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (ValueError, RecursionError):
            pass
    valid = (
        isinstance(decoded, list)
        and len(decoded) == 1
        and type(decoded[0]) is kind
        and (kind is str or 0 < decoded[0] < 2**63)
    )
    if not valid:
        raise NotFound(_("This cursor was not given out by the API: start again with cursor=."))
    return decoded[0]


class ErrorSerializer(serializers.Serializer):
    """The body of a 401 or 404."""

    detail = serializers.CharField()


# A 400's body: for each refused parameter, why.
INVALID_PARAMETERS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": _("For each refused query parameter, why it was refused."),
}


# ---------------------------------------------------------------- scope


def api_plans(token):
    """Approved (published) plans owned by a region of the token."""
    return Plan.objects.filter(status=Plan.Status.APPROVED).filter(token_q(token, "region__path"))


def api_draws(token):
    """Revealed draws (``DrawQuerySet.revealed``) of plans owned by a region of the token."""
    return Draw.objects.filter(token_q(token, "plan__region__path")).revealed()


def api_results(token):
    """Published or withdrawn results of facilities in the token's regions; pending,
    returned and never-published results have no current version and never appear."""
    return access.public_results().filter(token_q(token, "region__path"))


def api_hazards(token):
    """The hazard register of the facilities in the token's regions."""
    return Hazard.objects.filter(token_q(token, "region__path"))


def api_credit_facilities(token):
    """Active facilities in the token's regions: the credit export's records."""
    return Facility.objects.filter(active=True).filter(token_q(token, "region__path"))


def hazard_counts(inspection_ids):
    """``result_hazard_counts`` for many inspections in one query: {inspection id: counts}."""
    counts = {
        pk: {
            severity: {**dict.fromkeys(Hazard.Status.values, 0), "open": 0, "total": 0}
            for severity in Hazard.Severity.values
        }
        for pk in inspection_ids
    }
    rows = (
        Hazard.objects.filter(inspection_id__in=list(counts))
        .order_by()
        .values_list("inspection_id", "severity", "status")
        .annotate(n=Count("pk"))
    )
    for inspection_id, severity, status, n in rows:
        by_status = counts[inspection_id][severity]
        by_status[status] += n
        by_status["total"] += n
        if status in Hazard.OPEN:
            by_status["open"] += n
    return counts


# ---------------------------------------------------------------- filters


REGION_CODE = r"^(\d{6}|\d{9}|\d{12})$"


class StrictForm(forms.Form):
    """A filter given with an empty value is refused: "?date_from=" is a mistake, not a
    request for every row."""

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            if name in self.data and not self.data.get(name, "").strip():
                self.add_error(name, _("Give a value or leave the parameter out."))
        return cleaned


class StrictFilterSet(filters.FilterSet):
    class Meta:
        form = StrictForm

    def by_region(self, queryset, path_lookup, code):
        # A code that is not a region of the token's (nor below one) is 404, like an
        # object outside it: the token learns nothing about regions it cannot see.
        region = Region.objects.filter(token_q(self.request.auth, "path"), code=code).first()
        if region is None:
            raise NotFound(
                _("No region with division code %(code)s in this token's regions.") % {"code": code}
            )
        return queryset.filter(**{f"{path_lookup}__startswith": region.path})


class IntegerFilter(filters.NumberFilter):
    """A whole number in a range (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


def integer_filter(label, *, minimum, maximum=None, **kwargs):
    schema = {"type": "integer", "minimum": minimum, "description": label}
    if maximum is not None:
        schema["maximum"] = maximum
    return extend_schema_field(schema)(
        IntegerFilter(label=label, min_value=minimum, max_value=maximum, **kwargs)
    )


def year_filter(field_name):
    return integer_filter(_("Plan year."), minimum=2000, maximum=2100, field_name=field_name)


def region_filter(path_lookup):
    """``?region=<division code>``: that region and everything below it
    (``StrictFilterSet.by_region``)."""
    label = _("Division code: this region and everything below it.")
    schema = {"type": "string", "pattern": REGION_CODE, "description": label}
    return extend_schema_field(schema)(
        filters.CharFilter(
            field_name=path_lookup,
            method="by_region",
            label=label,
            validators=[RegexValidator(REGION_CODE, division_code_validator.message)],
        )
    )


class PlanFilter(StrictFilterSet):
    year = year_filter("year")
    region = region_filter("region__path")

    class Meta(StrictFilterSet.Meta):
        model = Plan
        fields = ["year", "region"]


class DrawFilter(StrictFilterSet):
    # plan__id, not plan: the id's own lookup answers "no match" for a number beyond
    # any id, where the foreign key's would hand it to the database.
    plan = integer_filter(_("Plan id."), minimum=1, field_name="plan__id")
    year = year_filter("plan__year")
    region = region_filter("plan__region__path")

    class Meta(StrictFilterSet.Meta):
        model = Draw
        fields = ["plan", "year", "region"]


# YYYY-MM-DD whatever the request's language (its own formats would read 3/2/2026).
ISO_DATE = ["%Y-%m-%d"]
CREDIT_CODE_LABEL = _("The facility's unified social credit code.")


class ResultFilter(StrictFilterSet):
    region = region_filter("region__path")
    credit_code = extend_schema_field(
        {"type": "string", "minLength": 1, "maxLength": 18, "description": CREDIT_CODE_LABEL}
    )(
        filters.CharFilter(
            method="by_credit_code",
            max_length=18,
            label=CREDIT_CODE_LABEL,
        )
    )
    date_from = filters.DateFilter(
        field_name="inspected_on",
        lookup_expr="gte",
        input_formats=ISO_DATE,
        label=_("Inspected on or after (YYYY-MM-DD)."),
    )
    date_to = filters.DateFilter(
        field_name="inspected_on",
        lookup_expr="lte",
        input_formats=ISO_DATE,
        label=_("Inspected on or before (YYYY-MM-DD)."),
    )
    category = filters.ChoiceFilter(
        choices=Publication.Category.choices,
        method="by_category",
        label=_("Result category (a withdrawn result has none and never matches)."),
    )

    class Meta(StrictFilterSet.Meta):
        model = Publication
        fields = ["region", "credit_code", "date_from", "date_to", "category"]

    def by_credit_code(self, queryset, name, value):
        return queryset.filter(inspection__facility__credit_code=value.strip().upper())

    def by_category(self, queryset, name, value):
        # A withdrawn result's category is no longer public.
        return queryset.filter(status=Publication.Status.PUBLISHED, current__category=value)


class HazardFilter(StrictFilterSet):
    region = region_filter("region__path")
    status = filters.ChoiceFilter(choices=Hazard.Status.choices, label=_("Hazard status."))
    severity = filters.ChoiceFilter(choices=Hazard.Severity.choices, label=_("Hazard class."))
    updated_since = filters.IsoDateTimeFilter(
        method="changed_since",
        label=_("Only hazards whose record changed at or after this time (ISO 8601)."),
    )

    class Meta(StrictFilterSet.Meta):
        model = Hazard
        fields = ["region", "status", "severity", "updated_since"]

    def changed_since(self, queryset, name, value):
        if value.year < 2000:
            # Before any record: every hazard (and 0001-01-01 in UTC is no date at all).
            return queryset
        # The history of the hazard is its change log: no separate timestamp to forget.
        changed = Hazard.history.filter(history_date__gte=value).values("id")
        return queryset.filter(pk__in=changed)


class CreditFilter(StrictFilterSet):
    region = region_filter("region__path")
    # ``class`` is a Python keyword: declared through the class body's namespace.
    locals()["class"] = filters.ChoiceFilter(
        field_name="risk_class",
        choices=Facility.RiskClass.choices,
        label=_("Credit class (A low risk … D high risk)."),
    )

    class Meta(StrictFilterSet.Meta):
        model = Facility
        fields = ["region"]


# ---------------------------------------------------------------- serializers


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PlanChecklistSerializer(serializers.Serializer):
    code = serializers.CharField(source="template.code")
    title = serializers.CharField(source="template.title")
    category = serializers.CharField(source="template.category")
    key = serializers.BooleanField(help_text=_("A key item (重点检查事项)."))
    version = serializers.IntegerField(source="version.number", allow_null=True)


class PlanSerializer(serializers.ModelSerializer):
    region = RegionSerializer()
    lead_department = serializers.CharField(source="lead_department.name")
    joining_departments = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    scope_regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    scope_types = serializers.ListField(child=serializers.CharField())
    ratios = serializers.DictField(child=serializers.IntegerField())
    pool_departments = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    pool_regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    checklists = PlanChecklistSerializer(many=True)
    url = serializers.SerializerMethodField(help_text=_("The plan's public page."))

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "region",
            "year",
            "window_start",
            "window_end",
            "kind",
            "notice",
            "lead_department",
            "joining_departments",
            "scope_regions",
            "scope_types",
            "scope_filed",
            "ratios",
            "pool_departments",
            "pool_regions",
            "team_size",
            "max_per_inspector",
            "exclude_last_inspectors",
            "checklists",
            "approved_at",
            "url",
        ]

    def get_url(self, plan) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("reports:plan_detail", args=[plan.pk])
        )


class DrawSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_id")
    region = RegionSerializer(source="plan.region")
    status = serializers.ChoiceField(
        source="public_status", choices=["valid", "void"], help_text=_("A failed draw is void.")
    )
    record_url = serializers.SerializerMethodField(
        help_text=_("The public record, to check with tools/verify_draw.py.")
    )
    record = serializers.SerializerMethodField(
        help_text=_("The full public record of the draw (docs/draw-algorithm.md).")
    )

    class Meta:
        model = Draw
        fields = ["id", "plan", "region", "status", "frozen_at", "drawn_at", "record_url", "record"]

    def get_record_url(self, draw) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("reports:draw_json", args=[draw.pk])
        )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_record(self, draw):
        return draw_record(draw)


class ContentFacilitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    credit_code = serializers.CharField(allow_null=True)
    type = serializers.ChoiceField(choices=Facility.Type.choices)
    region_code = serializers.CharField()
    region_name = serializers.CharField()


class ContentPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()


class ContentDrawSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class ContentItemsSerializer(serializers.Serializer):
    category = serializers.CharField()
    checked = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    not_applicable = serializers.IntegerField()


class ContentPartSerializer(serializers.Serializer):
    department = serializers.CharField()
    checked = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    score = serializers.CharField()
    result = serializers.ChoiceField(choices=Result.choices)
    hazards = serializers.IntegerField(help_text=_("Hazards the department's part found."))


class ContentSerializer(serializers.Serializer):
    """The published text of a result, frozen when it was published (or corrected)."""

    schema = serializers.IntegerField()
    authority = serializers.CharField()
    departments = serializers.ListField(child=serializers.CharField())
    kind = serializers.ChoiceField(choices=Inspection.Kind.choices)
    inspected_on = serializers.DateField()
    facility = ContentFacilitySerializer()
    plan = ContentPlanSerializer(allow_null=True)
    draw = ContentDrawSerializer(allow_null=True)
    items = ContentItemsSerializer(many=True)
    parts = ContentPartSerializer(
        many=True,
        required=False,
        help_text=_(
            "A joint inspection: each department's part (absent from versions published "
            "before joint inspections, empty for a single department)."
        ),
    )
    category = serializers.ChoiceField(choices=Publication.Category.choices)
    follow_up = serializers.CharField(allow_blank=True)
    photos = serializers.ListField(child=serializers.IntegerField())


class HazardCountSerializer(serializers.Serializer):
    registered = serializers.IntegerField()
    rectifying = serializers.IntegerField()
    awaiting_verification = serializers.IntegerField()
    closed = serializers.IntegerField()
    overdue = serializers.IntegerField()
    open = serializers.IntegerField()
    total = serializers.IntegerField()


class HazardCountsSerializer(serializers.Serializer):
    general = HazardCountSerializer()
    major = HazardCountSerializer()


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    reason = serializers.CharField(
        allow_blank=True, help_text=_("Why this version corrects the one before.")
    )


class ResultFacilitySerializer(serializers.Serializer):
    name = serializers.CharField()
    credit_code = serializers.CharField(allow_null=True)
    type = serializers.ChoiceField(choices=Facility.Type.choices)
    region_code = serializers.CharField()
    region_name = serializers.CharField()


class ResultSerializer(serializers.Serializer):
    """A published result: its current version, the live hazard counts and the list of
    versions. A withdrawn one keeps only which result it was and the notice: its content,
    category, hazard counts and versions are null or empty."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=[Publication.Status.PUBLISHED, Publication.Status.WITHDRAWN]
    )
    url = serializers.CharField(help_text=_("The result's public page."))
    version = serializers.IntegerField(help_text=_("Number of the current version."))
    published_at = serializers.DateTimeField(help_text=_("When the current version appeared."))
    inspected_on = serializers.DateField()
    facility = ResultFacilitySerializer()
    category = serializers.ChoiceField(choices=Publication.Category.choices, allow_null=True)
    content = ContentSerializer(allow_null=True)
    hazards = HazardCountsSerializer(
        allow_null=True,
        help_text=_("Hazards found, by class and status, as they stand now (not frozen)."),
    )
    versions = VersionSerializer(many=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField(allow_null=True)

    @cached_property
    def _nested(self):
        # Built once per page, not once per result: a DRF serializer deep-copies its
        # declared fields when made, which cost more than the rows it then shows.
        return {
            "facility": ResultFacilitySerializer(),
            "content": ContentSerializer(),
            "version": VersionSerializer(),
            "moment": serializers.DateTimeField(),
        }

    def to_representation(self, publication):
        request = self.context["request"]
        nested = self._nested
        moment = nested["moment"].to_representation
        current = publication.current
        content = current.content
        facility = content.get("facility") or {}
        withdrawn = not access.shows_public_content(publication)
        counts = self.context.get("hazard_counts")
        if withdrawn:
            hazards = None
        elif counts is not None:
            hazards = counts[publication.inspection_id]
        else:
            hazards = result_hazard_counts(publication.inspection_id)
        return {
            "id": publication.pk,
            "status": publication.status,
            "url": request.build_absolute_uri(publication.get_public_url()),
            "version": current.number,
            "published_at": moment(current.published_at),
            "inspected_on": current.inspected_on.isoformat(),
            # Which result it was stays public after a withdrawal; what it said does not.
            "facility": nested["facility"].to_representation(facility),
            "category": None if withdrawn else current.category,
            "content": None if withdrawn else nested["content"].to_representation(content),
            "hazards": hazards,
            "versions": []
            if withdrawn
            else [nested["version"].to_representation(v) for v in publication.versions.all()],
            "withdrawn_at": moment(publication.withdrawn_at) if withdrawn else None,
            "withdrawn_reason": publication.withdrawn_reason if withdrawn else None,
        }


class HazardSerializer(serializers.Serializer):
    """One line of the hazard register: exactly the export's columns (README "Hazard
    export"), built by the export's own row builder."""

    register_no = serializers.CharField()
    facility_code = serializers.CharField()
    facility_name = serializers.CharField()
    region_code = serializers.CharField()
    department = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.ChoiceField(choices=Hazard.Severity.choices)
    item_code = serializers.CharField()
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=Hazard.Source.choices)
    status = serializers.ChoiceField(choices=Hazard.Status.choices)
    found_on = serializers.DateField()
    due_on = serializers.DateField()
    due_provisional = serializers.BooleanField()
    closed_on = serializers.DateField(allow_null=True)
    verified_by = serializers.CharField(allow_null=True)
    extensions = serializers.IntegerField(help_text=_("Extensions granted."))

    def to_representation(self, hazard):
        return exports.row(hazard)


class CreditListSerializer(serializers.Serializer):
    list = serializers.ChoiceField(choices=CreditList.choices)
    label = serializers.CharField()
    entered_on = serializers.DateField()


class CreditEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CreditEvent.PUBLIC)
    label = serializers.CharField()
    date = serializers.DateField()
    detail = serializers.CharField(
        allow_blank=True,
        help_text=_(
            "A register number, a result's categories, a year or a star level; empty for "
            "the kinds recorded by hand."
        ),
    )


class CreditSerializer(serializers.Serializer):
    """One facility's record of the credit export (docs/credit-export.md)."""

    credit_code = serializers.CharField(allow_null=True)
    directory_no = serializers.CharField()
    name = serializers.CharField()
    region_code = serializers.CharField()
    # ``class`` is a Python keyword: declared through the class body's namespace.
    locals()["class"] = serializers.ChoiceField(choices=Facility.RiskClass.choices)
    class_decided_on = serializers.DateField(
        allow_null=True, help_text=_("When a lead decided the class; null if never.")
    )
    lists = CreditListSerializer(many=True)
    events = CreditEventSerializer(many=True)

    def to_representation(self, facility):
        records = self.context.get("credit_records")
        if records is None:
            records = {
                facility.pk: next(
                    credit_export.facility_records([facility], today=timezone.localdate())
                )
            }
        return credit_export.jsonable(records[facility.pk])


# ---------------------------------------------------------------- views


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only, scoped to the token: an object outside it is 404, like one that
    does not exist. Each endpoint defines ``scoped(token)``, its queryset for a token."""

    pagination_class = Pagination
    lookup_value_regex = r"\d+"
    keyset = "-pk"  # a unique column the cursor walk orders by (Pagination)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no token
            return self.queryset
        return self.scoped(self.request.auth)

    def walks_scope_first(self):
        """Whether a cursor page reads the token's rows first (``_scope_first_keys``):
        for every token but one covering every region, whose rows are the whole table,
        so walking the key's index finds a page in its first rows."""
        return not self.request.auth.covers_every_region()


def _docs(list_summary, retrieve_summary, description):
    """Summaries, and every response an endpoint gives: a list refuses a malformed
    parameter (400) and has no page past its last or for a cursor it did not give out
    (404); one object outside the token is 404 like one that does not exist."""
    refused = OpenApiResponse(INVALID_PARAMETERS, description=_("A query parameter was refused."))
    no_token = OpenApiResponse(
        ErrorSerializer, description=_("No token, or an unknown or revoked one.")
    )

    def responses(not_found):
        return {401: no_token, 404: OpenApiResponse(ErrorSerializer, description=not_found)}

    def decorate(viewset):
        return extend_schema_view(
            list=extend_schema(
                summary=list_summary,
                description=description,
                responses={
                    200: viewset.serializer_class(many=True),
                    400: refused,
                    **responses(
                        _(
                            "No such page, a cursor the API did not give out, or a region "
                            "outside the token."
                        )
                    ),
                },
            ),
            retrieve=extend_schema(
                summary=retrieve_summary,
                description=description,
                responses={
                    200: viewset.serializer_class,
                    **responses(_("No such object in the token's regions.")),
                },
            ),
        )(viewset)

    return decorate


@_docs(
    _("Approved plans"),
    _("One approved plan"),
    _("Approved spot-check plans owned by the token's regions, newest first."),
)
class PlanViewSet(ScopedViewSet):
    queryset = Plan.objects.none()
    serializer_class = PlanSerializer
    keyset = "-pk"
    filterset_class = PlanFilter

    def scoped(self, token):
        return (
            api_plans(token)
            .select_related("region", "lead_department")
            .prefetch_related(
                "joining_departments",
                "scope_regions",
                "pool_departments",
                "pool_regions",
                Prefetch("checklists", PlanTemplate.objects.select_related("template", "version")),
            )
        )


@_docs(
    _("Revealed draws"),
    _("One revealed draw"),
    _(
        "Revealed draws of the token's plans, newest first, each with its full public record. "
        "A draw of unannounced inspections appears once every inspection has started or "
        "was cancelled as not carried out at the window's end."
    ),
)
class DrawViewSet(ScopedViewSet):
    queryset = Draw.objects.none()
    serializer_class = DrawSerializer
    keyset = "-pk"
    filterset_class = DrawFilter

    def scoped(self, token):
        return api_draws(token).select_related("plan__region")


@_docs(
    _("Published results"),
    _("One published result"),
    _(
        "Published results of facilities in the token's regions, most recently inspected "
        "first; a withdrawn result shows only its notice. Results awaiting review or "
        "returned are never here."
    ),
)
class ResultViewSet(ScopedViewSet):
    queryset = Publication.objects.none()
    serializer_class = ResultSerializer
    keyset = "-pk"  # a walk goes newest publication first, by its index
    filterset_class = ResultFilter

    def scoped(self, token):
        return (
            api_results(token)
            .select_related("current")
            .prefetch_related("versions")
            .order_by("-inspected_on", "-pk")
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            # One query for the whole page's live hazard counts.
            self.page_hazard_counts = hazard_counts([p.inspection_id for p in page])
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "page_hazard_counts"):
            context["hazard_counts"] = self.page_hazard_counts
        return context


@_docs(
    _("Hazard register"),
    _("One hazard of the register"),
    _(
        "The hazard register (隐患台账) of the facilities in the token's regions, in "
        "register-number order, with the columns of the hazard export."
    ),
)
class HazardViewSet(ScopedViewSet):
    queryset = Hazard.objects.none()
    serializer_class = HazardSerializer
    keyset = "register_no"  # unique and indexed: the walk keeps the pages' order
    filterset_class = HazardFilter
    lookup_field = "register_no"
    lookup_value_regex = r"[0-9A-Za-z-]+"

    def scoped(self, token):
        return exports.hazards_to_export(api_hazards(token))


@_docs(
    _("Credit records"),
    _("One facility's credit record"),
    _(
        "Active facilities in the token's regions, in directory-number order, each with "
        "its credit class and the date it was decided, the lists it is on and its events "
        "of public kinds (docs/credit-export.md). Nothing about a person is included."
    ),
)
class CreditViewSet(ScopedViewSet):
    queryset = Facility.objects.none()
    serializer_class = CreditSerializer
    keyset = "directory_no"
    filterset_class = CreditFilter
    lookup_field = "directory_no"
    lookup_value_regex = r"[0-9A-Za-z-]+"

    def scoped(self, token):
        return api_credit_facilities(token).select_related("region").order_by("directory_no")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            # The whole page's records in a fixed number of queries.
            records = credit_export.facility_records(page, today=timezone.localdate())
            self.page_records = {f.pk: record for f, record in zip(page, records, strict=True)}
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "page_records"):
            context["credit_records"] = self.page_records
        return context


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other URL under /api/ (a malformed id included): the API's own 404, in JSON
    and behind the token like every endpoint, not the site's HTML page."""

    def get(self, request, *args, **kwargs):
        raise NotFound()
