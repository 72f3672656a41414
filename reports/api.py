"""The read-only REST API for the provincial platform (README "Read-only API").

Every endpoint needs a token (reports/api_auth.py) and shows only the token's regions
and everything below them. Plans are there once approved, draws once revealed,
results once published (a withdrawn one keeps only its notice), and hazards as the
register export (reports/exports.py) has them. Each page costs a fixed number of
queries, whatever its size."""

from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

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
from registry.models import Facility, Region
from reports.models import ApiToken

from . import exports
from .api_auth import token_q

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    """``?page=N``, ``?page_size=N`` (at most 200; more is cut to 200)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


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
    return access.public_results().filter(token_q(token, "inspection__facility__region__path"))


def api_hazards(token):
    """The hazard register of the facilities in the token's regions."""
    return Hazard.objects.filter(token_q(token, "facility__region__path"))


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


def _token_regions(request):
    """Choices of a region filter: the token's regions and everything below them."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        return Region.objects.none()
    return Region.objects.filter(token_q(token, "path"))


def region_filter(path_lookup):
    """``?region=<division code>``: that region and everything below it; a code outside
    the token's regions is refused (400)."""

    def below(queryset, name, region):
        return queryset.filter(**{f"{path_lookup}__startswith": region.path})

    label = _("Division code: this region and everything below it.")
    return extend_schema_field({"type": "string", "description": label})(
        filters.ModelChoiceFilter(
            queryset=_token_regions, to_field_name="code", method=below, label=label
        )
    )


class PlanFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="year", label=_("Plan year."))
    region = region_filter("region__path")

    class Meta:
        model = Plan
        fields = ["year", "region"]


class DrawFilter(filters.FilterSet):
    # plan__id, not plan: the id's own lookup answers "no match" for a number beyond
    # any id, where the foreign key's would hand it to the database (a 500 on SQLite).
    plan = filters.NumberFilter(field_name="plan__id", label=_("Plan id."))
    year = filters.NumberFilter(field_name="plan__year", label=_("Plan year."))
    region = region_filter("plan__region__path")

    class Meta:
        model = Draw
        fields = ["plan", "year", "region"]


class ResultFilter(filters.FilterSet):
    region = region_filter("inspection__facility__region__path")
    credit_code = filters.CharFilter(
        method="by_credit_code", label=_("The facility's unified social credit code.")
    )
    date_from = filters.DateFilter(
        field_name="current__inspected_on",
        lookup_expr="gte",
        label=_("Inspected on or after (YYYY-MM-DD)."),
    )
    date_to = filters.DateFilter(
        field_name="current__inspected_on",
        lookup_expr="lte",
        label=_("Inspected on or before (YYYY-MM-DD)."),
    )
    category = filters.ChoiceFilter(
        choices=Publication.Category.choices,
        method="by_category",
        label=_("Result category (a withdrawn result has none and never matches)."),
    )

    class Meta:
        model = Publication
        fields = ["region", "credit_code", "date_from", "date_to", "category"]

    def by_credit_code(self, queryset, name, value):
        return queryset.filter(inspection__facility__credit_code=value.strip().upper())

    def by_category(self, queryset, name, value):
        # A withdrawn result's category is no longer public.
        return queryset.filter(status=Publication.Status.PUBLISHED, current__category=value)


class HazardFilter(filters.FilterSet):
    region = region_filter("facility__region__path")
    status = filters.ChoiceFilter(choices=Hazard.Status.choices, label=_("Hazard status."))
    severity = filters.ChoiceFilter(choices=Hazard.Severity.choices, label=_("Hazard class."))
    updated_since = filters.IsoDateTimeFilter(
        method="changed_since",
        label=_("Only hazards whose record changed at or after this time (ISO 8601)."),
    )

    class Meta:
        model = Hazard
        fields = ["region", "status", "severity", "updated_since"]

    def changed_since(self, queryset, name, value):
        if value.year < 2000:
            # Before any record: every hazard (and 0001-01-01 in UTC is no date at all).
            return queryset
        # The history of the hazard is its change log: no separate timestamp to forget.
        changed = Hazard.history.filter(history_date__gte=value).values("id")
        return queryset.filter(pk__in=changed)


class CreditFilter(filters.FilterSet):
    region = region_filter("region__path")
    # ``class`` is a Python keyword: declared through the class body's namespace.
    locals()["class"] = filters.ChoiceFilter(
        field_name="risk_class",
        choices=Facility.RiskClass.choices,
        label=_("Credit class (A low risk … D high risk)."),
    )

    class Meta:
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

    def to_representation(self, publication):
        request = self.context["request"]
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
            "published_at": serializers.DateTimeField().to_representation(current.published_at),
            "inspected_on": current.inspected_on.isoformat(),
            # Which result it was stays public after a withdrawal; what it said does not.
            "facility": ResultFacilitySerializer(facility).data,
            "category": None if withdrawn else current.category,
            "content": None if withdrawn else ContentSerializer(content).data,
            "hazards": hazards,
            "versions": []
            if withdrawn
            else VersionSerializer(publication.versions.all(), many=True).data,
            "withdrawn_at": serializers.DateTimeField().to_representation(publication.withdrawn_at)
            if withdrawn
            else None,
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

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no token
            return self.queryset
        return self.scoped(self.request.auth)


def _docs(list_summary, retrieve_summary, description):
    return extend_schema_view(
        list=extend_schema(summary=list_summary, description=description),
        retrieve=extend_schema(summary=retrieve_summary, description=description),
    )


@_docs(
    _("Approved plans"),
    _("One approved plan"),
    _("Approved spot-check plans owned by the token's regions, newest first."),
)
class PlanViewSet(ScopedViewSet):
    queryset = Plan.objects.none()
    serializer_class = PlanSerializer
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
    filterset_class = ResultFilter

    def scoped(self, token):
        return (
            api_results(token)
            .select_related("current")
            .prefetch_related("versions")
            .order_by("-current__inspected_on", "-pk")
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
