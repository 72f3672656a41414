"""Reads that present plans, draws and inspections, shared by staff pages, the
public site and the services that check an inspection is complete."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from checklists.models import Item
from checklists.scoring import Outcome, applicable_items, outcome
from registry.models import Category, Facility, InspectorProfile
from registry.timefmt import iso

from .models import Answer, Draw, Hazard, Inspection, Photo, Publication, answer_key


def draw_record(draw):
    """The public record of a draw: exactly the keys docs/draw-algorithm.md lists."""
    candidates = draw.candidates
    plan = draw.plan
    return {
        "algorithm": draw.algorithm,
        "plan": {"id": plan.pk, "name": plan.name, "year": plan.year},
        "frozen_at": iso(draw.frozen_at),
        "drawn_at": iso(draw.drawn_at),
        "commitment": draw.commitment,
        "secret": draw.secret,
        "public_entropy": draw.public_entropy or None,
        "public_entropy_source": draw.public_entropy_source or None,
        "seed": draw.seed or None,
        "candidates_sha256": draw.candidates_sha256,
        "parameters": candidates["parameters"],
        "strata": candidates["strata"],
        "inspectors": candidates["inspectors"],
        "exclusions": candidates["exclusions"],
        "selected": draw.selected,
        "assignments": draw.assignments,
        "substitutions": draw.substitutions,
        "status": draw.public_status,
        "void_reason": draw.public_void_reason,
    }


def revealed_draws(queryset=None):
    """Draws whose record is public, newest first."""
    queryset = queryset if queryset is not None else Draw.objects.all()
    return list(queryset.revealed().select_related("plan"))


def draw_names(draw):
    """The facility and inspector behind each code of a draw, as frozen."""
    facility_pk = draw.code_map.get("facilities", {})
    inspector_pk = draw.code_map.get("inspectors", {})
    facilities = Facility.objects.in_bulk(facility_pk.values())
    inspectors = InspectorProfile.objects.select_related("user").in_bulk(inspector_pk.values())
    return (
        {code: facilities.get(pk) for code, pk in facility_pk.items()},
        {code: inspectors.get(pk) for code, pk in inspector_pk.items()},
    )


def draw_rows(draw, names, current=False):
    """Each drawn facility with its team, named; ``current`` applies the substitutions.
    ``not_carried_out`` is the reason its inspection was cancelled before it started
    (the draw was voided, or the plan's window ended), else empty."""
    facilities, inspectors = names
    teams = {a["facility"]: list(a["inspectors"]) for a in draw.assignments}
    if current:
        for substitution in draw.substitutions:
            team = teams[substitution["facility"]]
            team[team.index(substitution["out"])] = substitution["in"]
    code_of = {pk: code for code, pk in draw.code_map.get("facilities", {}).items()}
    cancelled = {
        code_of.get(facility_id): reason
        for facility_id, reason in draw.inspections.filter(
            status=Inspection.Status.CANCELLED
        ).values_list("facility_id", "cancelled_reason")
    }
    return [
        {
            "code": code,
            "facility": facilities.get(code),
            "inspectors": [(member, inspectors.get(member)) for member in team],
            "not_carried_out": cancelled.get(code, ""),
        }
        for code, team in teams.items()
    ]


# ---------------------------------------------------------------- inspections


def inspection_items(inspection):
    """[(inspection checklist, applicable items)] in checklist order, in two queries."""
    checklists = list(inspection.checklists.select_related("version__template"))
    by_version = defaultdict(list)
    for item in (
        Item.objects.filter(version_id__in=[c.version_id for c in checklists])
        .select_related("section")
        .order_by("section__position", "position", "pk")
    ):
        by_version[item.version_id].append(item)
    return [
        (c, applicable_items(c.version, inspection.facility, by_version[c.version_id]))
        for c in checklists
    ]


def recheck_hazards(inspection):
    """Open hazards of the facility found before this inspection: listed for re-check."""
    return (
        Hazard.objects.filter(facility_id=inspection.facility_id, status__in=Hazard.OPEN)
        .exclude(inspection=inspection)
        .order_by("due_on", "pk")
    )


@dataclass
class Entry:
    """One line of the checklist page: an item (or a hazard to re-check), its
    answer and its photos."""

    key: str
    item: Item | None = None
    hazard: Hazard | None = None
    answer: Answer | None = None
    photos: list = field(default_factory=list)

    @property
    def outcome(self):
        if self.answer is None:
            return None
        if self.item is None:
            return self.answer.value
        return outcome(self.item, self.answer.value)

    @property
    def failed(self):
        return self.item is not None and self.outcome == Outcome.FAILED

    @property
    def makes_hazard(self):
        return self.failed and self.item.hazard != Item.Hazard.NONE

    @property
    def evidence(self):
        return [p for p in self.photos if p.purpose == Photo.Purpose.EVIDENCE]

    @property
    def after(self):
        return [p for p in self.photos if p.purpose == Photo.Purpose.AFTER]

    def missing(self):
        """Why this line stops the inspection from finishing, or None."""
        if self.answer is None:
            return _("not answered")
        if self.item is None:
            return None
        verdict = self.outcome
        if verdict == Outcome.FAILED and self.item.photo_on_fail and not self.evidence:
            return _("photo required for a failed item")
        if verdict == Outcome.PASSED and self.item.photo_on_pass and not self.evidence:
            return _("photo required")
        if self.answer.corrected and not self.after:
            return _("after photo required for a hazard corrected on the spot")
        return None


@dataclass
class Part:
    title: str
    checklist: object = None
    entries: list = field(default_factory=list)

    @property
    def answered(self):
        return sum(1 for e in self.entries if e.answer is not None)


def checklist_parts(inspection):
    """The checklist page's data: one part for the open hazards to re-check, then
    one per checklist, each entry with its answer and photos. A fixed number of
    queries whatever the number of items."""
    answers = {}
    for answer in inspection.answers.select_related("answered_by"):
        answers[answer.key] = answer
    photos_by_answer = defaultdict(list)
    for photo in Photo.objects.filter(inspection=inspection).order_by("uploaded_at", "pk"):
        photos_by_answer[photo.answer_id].append(photo)

    def entry(key, **kwargs):
        answer = answers.get(key)
        return Entry(
            key=key,
            answer=answer,
            photos=photos_by_answer.get(answer.pk, []) if answer else [],
            **kwargs,
        )

    parts = []
    if inspection.status == Inspection.Status.FINISHED:
        # The record as it was: the hazards it re-checked, whatever they are now.
        rechecked = [a.rechecked_hazard_id for a in answers.values() if a.rechecked_hazard_id]
        hazards = list(Hazard.objects.filter(pk__in=rechecked).order_by("due_on", "pk"))
    else:
        hazards = list(recheck_hazards(inspection))
    if hazards:
        parts.append(
            Part(
                title=_("Open hazards to re-check"),
                entries=[entry(answer_key(hazard_id=h.pk), hazard=h) for h in hazards],
            )
        )
    for checklist, items in inspection_items(inspection):
        parts.append(
            Part(
                title=str(checklist.version.template.title),
                checklist=checklist,
                entries=[entry(answer_key(item_id=i.pk), item=i) for i in items],
            )
        )
    return parts


def missing(inspection, parts=None):
    """What stops the inspection from finishing, one readable line each.

    Re-checking earlier hazards is required on a re-inspection and optional
    otherwise.
    """
    lines = []
    required_recheck = inspection.kind == Inspection.Kind.REINSPECTION
    for part in parts if parts is not None else checklist_parts(inspection):
        for entry in part.entries:
            if entry.hazard is not None and not required_recheck and entry.answer is None:
                continue
            reason = entry.missing()
            if reason:
                label = entry.item.code if entry.item else entry.hazard.register_no
                lines.append(f"{label}：{reason}")
    return lines


def _outcomes(inspection):
    if inspection is None:
        return {}
    rows = {}
    for answer in inspection.answers.exclude(item=None).select_related("item"):
        rows[answer.item.code] = (answer.item, outcome(answer.item, answer.value))
    return rows


def compare_rows(self_inspection, official):
    """Item-by-item rows of a self-inspection beside an official inspection,
    matched by item code; ``disagree`` where both answered and differ."""
    mine, theirs = _outcomes(self_inspection), _outcomes(official)
    rows = []
    for code in list(theirs) + [c for c in mine if c not in theirs]:
        item = (theirs.get(code) or mine.get(code))[0]
        own = mine.get(code, (None, None))[1]
        other = theirs.get(code, (None, None))[1]
        rows.append(
            {
                "code": code,
                "question": item.question,
                "self": own,
                "official": other,
                "disagree": own is not None and other is not None and own != other,
            }
        )
    rows.sort(key=lambda r: (not r["disagree"], r["code"]))
    return rows


def result_hazard_counts(inspection):
    """A result's hazards by class and status, live (a published result's counts follow
    its hazards as they close): {"general": {status: n, "open": n, "total": n}, "major": ...}."""
    counts = {
        severity: {**dict.fromkeys(Hazard.Status.values, 0), "open": 0, "total": 0}
        for severity in Hazard.Severity.values
    }
    rows = (
        Hazard.objects.filter(inspection=inspection)
        .order_by()
        .values_list("severity", "status")
        .annotate(n=Count("pk"))
    )
    for severity, status, n in rows:
        counts[severity][status] += n
        counts[severity]["total"] += n
        if status in Hazard.OPEN:
            counts[severity]["open"] += n
    return counts


def content_labels(content):
    """Labels in the reader's language for the codes a published version stores."""

    def label(choices, code):
        return choices(code).label if code in choices.values else code

    return {
        "kind": label(Inspection.Kind, content.get("kind", "")),
        "facility_type": label(Facility.Type, content["facility"].get("type", "")),
        "category": label(Publication.Category, content.get("category", "")),
        "items": [
            {**row, "label": label(Category, row["category"])} for row in content.get("items", [])
        ],
    }


def hazard_count_rows(counts):
    """``result_hazard_counts`` as table rows: class, open, closed, total, and the open
    ones by status."""
    open_statuses = [s for s in Hazard.Status if s.value in Hazard.OPEN]
    return [
        {
            "severity": severity,
            "label": severity.label,
            "open": counts[severity]["open"],
            "closed": counts[severity][Hazard.Status.CLOSED],
            "total": counts[severity]["total"],
            # Labels are lazy: join them as text.
            "open_detail": "，".join(
                f"{status.label} {counts[severity][status]}"
                for status in open_statuses
                if counts[severity][status]
            ),
        }
        for severity in Hazard.Severity
    ]
