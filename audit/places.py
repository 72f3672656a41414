"""Where a recorded change belongs: the regions whose auditors may read it, and the
inspection it is about (hidden while that inspection is undisclosed).

Every audited model has a rule here, or is listed in ``SHARED`` (objects of no
region, visible to every auditor); a test walks the models so a new one cannot
be forgotten and leak. The rules read the historical record and plain queries
only, so the live recorder (``audit.signals``) and the back-fill migration, which
works on the migration's model states, answer alike.
"""

from typing import NamedTuple

from django.db.models import Q
from django.urls import Resolver404, resolve


class Place(NamedTuple):
    regions: frozenset = frozenset()
    inspection: int | None = None

    def __or__(self, other):
        return Place(self.regions | other.regions, self.inspection or other.inspection)


NOWHERE = Place()

# Objects of no region, which every staff role reads (checklists.policy): the checklist
# library (a county's own templates included), the departments, the work calendar.
SHARED = frozenset(
    {
        "registry.department",
        "core.calendaryear",
        "core.calendarday",
        "checklists.checklisttemplate",
        "checklists.checklistversion",
        "checklists.section",
        "checklists.item",
        "inspections.ruleset",
        "inspections.collectmark",
        "inspections.majorcriterion",
    }
)


class Places:
    """Looks objects' places up through ``apps`` (the live registry or a
    migration's), remembering each answer: the back-fill asks about the same
    facility thousands of times, the recorder about one change only."""

    def __init__(self, apps):
        self.apps = apps
        self._memo = {}

    def _model(self, label):
        return self.apps.get_model(label)

    def _remember(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _of(self, label, pk, region, inspection=None):
        """The place of object ``pk`` of ``label`` in one query: ``region`` and
        ``inspection`` are lookups from it to its region and its inspection."""
        if not pk:
            return NOWHERE

        def compute():
            fields = [region, inspection] if inspection else [region]
            row = self._model(label).objects.filter(pk=pk).values_list(*fields).first()
            if row is None:
                return NOWHERE
            return Place(frozenset({row[0]} - {None}), row[1] if inspection else None)

        return self._remember((label, pk), compute)

    def _regions(self, key, condition):
        def compute():
            regions = self._model("registry.Region").objects.filter(condition).order_by()
            return Place(frozenset(regions.values_list("pk", flat=True).distinct()))

        return self._remember(key, compute)

    def prefetch(self, hazards=(), users=()):
        """Learn the places of many hazards and users in a few queries, for a bulk
        write's records (``audit.signals.record_changes``): the answers ``hazard`` and
        ``user`` give, one query each, for one."""
        hazards = {pk for pk in hazards if pk and ("inspections.Hazard", pk) not in self._memo}
        if hazards:
            rows = self._model("inspections.Hazard").objects.filter(pk__in=hazards)
            for pk, region, inspection in rows.values_list("pk", "facility__region", "inspection"):
                self._memo[("inspections.Hazard", pk)] = Place(
                    frozenset({region} - {None}), inspection
                )
        users = {pk for pk in users if pk and ("user", pk) not in self._memo}
        if users:
            regions = {pk: set() for pk in users}
            found = self._model("registry.Region").objects.order_by()
            for lookup in ("users", "facilities__managers", "inspectors__user"):
                pairs = found.filter(**{f"{lookup}__in": users}).values_list(lookup, "pk")
                for user, region in pairs:
                    regions[user].add(region)
            for pk, ids in regions.items():
                self._memo[("user", pk)] = Place(frozenset(ids))

    def know_inspection(self, pk, region):
        """The place of inspection ``pk``, told by a writer that holds it with its
        facility just read (the live recorder only): no query to look it up again."""
        self._memo[("inspections.Inspection", pk)] = Place(frozenset({region} - {None}), pk)

    def region(self, pk):
        return Place(frozenset({pk})) if pk else NOWHERE

    def region_coded(self, code):
        return self._regions(("code", code), Q(code=code))

    def user(self, pk):
        """A user's regions, the regions of the facilities they manage and of their
        inspector profile."""
        condition = Q(users=pk) | Q(facilities__managers=pk) | Q(inspectors__user=pk)
        return self._regions(("user", pk), condition)

    def token(self, pk):
        return self._regions(("token", pk), Q(api_tokens=pk))

    def facility(self, pk):
        return self._of("registry.Facility", pk, "region")

    def process(self, pk):
        """A flow's process is where its artifact (an inspection, a hazard) is."""

        def compute():
            row = (
                self._model("viewflow.Process")
                .objects.filter(pk=pk)
                .values_list("artifact_content_type__model", "artifact_object_id")
                .first()
            )
            if row is None:
                return NOWHERE
            model, artifact = row
            if model == "inspection":
                return self.inspection(artifact)
            if model == "hazard":
                return self.hazard(artifact)
            if model == "creditcase":
                return self._of("inspections.CreditCase", artifact, "facility__region")
            return NOWHERE

        return self._remember(("process", pk), compute)

    def inspector(self, pk):
        return self._of("registry.InspectorProfile", pk, "region")

    def plan(self, pk):
        return self._of("inspections.Plan", pk, "region")

    def inspection(self, pk):
        return self._of("inspections.Inspection", pk, "facility__region", "pk")

    def hazard(self, pk):
        return self._of("inspections.Hazard", pk, "facility__region", "inspection")

    def photo(self, pk):
        return self._of("inspections.Photo", pk, "facility__region", "inspection")

    def supervision(self, pk):
        return self._of(
            "inspections.Supervision", pk, "hazard__facility__region", "hazard__inspection"
        )

    def publication(self, pk):
        return self._of("inspections.Publication", pk, "inspection__facility__region", "inspection")

    def case(self, pk):
        return self._of("inspections.EnforcementCase", pk, "facility__region", "inspection")

    def transfer(self, pk):
        return self._of("inspections.Transfer", pk, "case__facility__region", "case__inspection")

    def complaint(self, pk):
        return self._of("inspections.Complaint", pk, "region")

    def duty(self, pk):
        return self._of("inspections.Duty", pk, "facility__region")

    def incident(self, pk):
        return self._of("inspections.Incident", pk, "facility__region")

    def licence(self, pk):
        return self._of("registry.Licence", pk, "facility__region")

    def linked(self, url):
        """The inspection a notification links to: "you were drawn to inspect X" is as
        telling as the inspection itself."""
        try:
            match = resolve(url)
        except Resolver404:
            return NOWHERE
        if match.view_name == "inspections:inspection_detail":
            return Place(inspection=match.kwargs["pk"])
        return NOWHERE


def _series_region(places, record):
    # Numbered series are named "<kind>:<county code>" by the inspections services
    # that draw numbers from them (core.numbers).
    _kind, _sep, code = record.name.rpartition(":")
    return places.region_coded(code) if code else NOWHERE


def _document(places, record):
    if record.inspection_id:
        return places.inspection(record.inspection_id)
    return places.plan(record.plan_id)


def _facility_and_inspection(places, record):
    return places.facility(record.facility_id)._replace(inspection=record.inspection_id)


# label → rule(places, historical record) → Place
RULES = {
    "core.sequence": _series_region,
    "core.notification": lambda p, r: p.user(r.user_id) | p.linked(r.url),
    "registry.region": lambda p, r: p.region(r.id),
    "registry.user": lambda p, r: p.user(r.id),
    "registry.facility": lambda p, r: p.region(r.region_id),
    "registry.building": lambda p, r: p.facility(r.facility_id),
    "registry.inspectorprofile": lambda p, r: p.region(r.region_id),
    "registry.licence": lambda p, r: p.facility(r.facility_id),
    "registry.conflictofinterest": lambda p, r: (
        p.facility(r.facility_id) | p.inspector(r.inspector_id)
    ),
    "inspections.plan": lambda p, r: p.region(r.region_id),
    "inspections.plantemplate": lambda p, r: p.plan(r.plan_id),
    "inspections.plandepartment": lambda p, r: p.plan(r.plan_id),
    "inspections.draw": lambda p, r: p.plan(r.plan_id),
    "inspections.inspection": lambda p, r: p.facility(r.facility_id)._replace(inspection=r.id),
    "inspections.teammember": lambda p, r: p.inspection(r.inspection_id),
    "inspections.inspectionchecklist": lambda p, r: p.inspection(r.inspection_id),
    "inspections.answer": lambda p, r: p.inspection(r.inspection_id),
    "inspections.photo": _facility_and_inspection,
    "inspections.evidenceaccess": lambda p, r: p.photo(r.photo_id),
    "inspections.hazard": _facility_and_inspection,
    "inspections.supervision": lambda p, r: p.hazard(r.hazard_id),
    "inspections.supervisionnote": lambda p, r: p.supervision(r.supervision_id),
    "inspections.hazardalarm": lambda p, r: p.hazard(r.hazard_id),
    "inspections.rectificationnotice": _facility_and_inspection,
    "inspections.rectification": lambda p, r: p.hazard(r.hazard_id),
    "inspections.extension": lambda p, r: p.hazard(r.hazard_id),
    "inspections.publication": lambda p, r: p.inspection(r.inspection_id),
    "inspections.publicationversion": lambda p, r: p.publication(r.publication_id),
    "inspections.issueddocument": _document,
    "inspections.creditevent": lambda p, r: p.facility(r.facility_id),
    "inspections.creditcase": lambda p, r: p.facility(r.facility_id),
    "inspections.listentry": lambda p, r: p.facility(r.facility_id),
    "inspections.determination": lambda p, r: p.hazard(r.hazard_id),
    "inspections.controlorder": _facility_and_inspection,
    "inspections.interview": lambda p, r: p.facility(r.facility_id),
    "inspections.enforcementcase": _facility_and_inspection,
    "inspections.transfer": lambda p, r: p.case(r.case_id),
    "inspections.transferreminder": lambda p, r: p.transfer(r.transfer_id),
    "inspections.penalty": lambda p, r: p.facility(r.facility_id),
    "inspections.escalation": lambda p, r: p.hazard(r.hazard_id),
    "inspections.levelaction": lambda p, r: (
        p.region(r.target_region_id) | p.region(r.issuer_region_id)
    ),
    "inspections.complaint": lambda p, r: p.region(r.region_id) | p.facility(r.facility_id),
    "inspections.complaintphoto": lambda p, r: p.complaint(r.complaint_id),
    "inspections.complaintalarm": lambda p, r: p.complaint(r.complaint_id),
    "inspections.dutyrule": lambda p, r: p.region(r.region_id),
    "inspections.duty": lambda p, r: p.facility(r.facility_id),
    "inspections.dutylog": lambda p, r: p.facility(r.facility_id),
    "inspections.licencealarm": lambda p, r: p.licence(r.licence_id),
    "inspections.incident": lambda p, r: p.facility(r.facility_id),
    "inspections.incidentreport": lambda p, r: p.incident(r.incident_id),
    "reports.apitoken": lambda p, r: p.token(r.id),
    # An export job is its requester's: read where they work, public nowhere.
    "reports.exportjob": lambda p, r: p.user(r.requested_by_id),
    "viewflow.task": lambda p, r: p.process(r.process_id),
    "workflows.taskscope": lambda p, r: p.facility(r.facility_id)._replace(
        inspection=r.inspection_id
    ),
}


# The field that places an object in its regions. A change of it is read by the
# auditors of the regions before and after: both see a facility move or a user
# lose a county.
PLACING_FIELDS = {
    "registry.user": "regions",
    "registry.facility": "region",
    "registry.inspectorprofile": "region",
    "inspections.plan": "region",
    "inspections.complaint": lambda p, r: p.region(r.region_id) | p.facility(r.facility_id),
    "inspections.complaintphoto": lambda p, r: p.complaint(r.complaint_id),
    "inspections.complaintalarm": lambda p, r: p.complaint(r.complaint_id),
    "inspections.dutyrule": lambda p, r: p.region(r.region_id),
    "inspections.duty": lambda p, r: p.facility(r.facility_id),
    "inspections.dutylog": lambda p, r: p.facility(r.facility_id),
    "inspections.licencealarm": lambda p, r: p.licence(r.licence_id),
    "inspections.incident": lambda p, r: p.facility(r.facility_id),
    "inspections.incidentreport": lambda p, r: p.incident(r.incident_id),
    "reports.apitoken": "regions",
}


def place_of(places, label, record):
    """The Place of one historical record of the model ``label``."""
    if label in SHARED:
        return NOWHERE
    try:
        rule = RULES[label]
    except KeyError:
        raise LookupError(
            f"audit.places has no rule for {label}: add one, or list it in SHARED"
        ) from None
    return rule(places, record)
