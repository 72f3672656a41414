"""Reads of an inspection: its checklist parts, entries, what is missing, comparisons."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from checklists.models import Item
from checklists.scoring import Outcome, Result, applicable_items, joint_score, outcome
from core.workdays import WorkingDayResult, add_working_days
from inspections.events import FailedItem, found_on
from inspections.hazards.models import Hazard
from inspections.onsite.models import (
    Answer,
    Inspection,
    InspectionChecklist,
    Photo,
    Recheck,
    answer_key,
)
from registry.models import Department

# ---------------------------------------------------------------- inspections


def inspection_items(inspection: Inspection) -> list[tuple[InspectionChecklist, list[Item]]]:
    """[(inspection checklist, applicable items)] in checklist order, in two queries."""
    checklists = list(inspection.checklists.select_related("version__template", "department"))
    by_version: defaultdict[int, list[Item]] = defaultdict(list)
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


def recheck_hazards(inspection: Inspection) -> QuerySet[Hazard]:
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
    photos: list[Photo] = field(default_factory=list)

    @property
    def outcome(self) -> str | None:
        if self.answer is None:
            return None
        if self.item is None:
            return self.answer.value
        return outcome(self.item, self.answer.value)

    @property
    def failed(self) -> bool:
        return self.item is not None and self.outcome == Outcome.FAILED

    @property
    def makes_hazard(self) -> bool:
        return self.item is not None and self.failed and self.item.hazard != Item.Hazard.NONE

    @property
    def evidence(self) -> list[Photo]:
        return [p for p in self.photos if p.purpose == Photo.Purpose.EVIDENCE]

    @property
    def after(self) -> list[Photo]:
        return [p for p in self.photos if p.purpose == Photo.Purpose.AFTER]

    def missing(self) -> str | None:
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
class PageSection:
    """The consecutive entries of one checklist section: a stop of the page's jump
    list. ``anchor`` is None for the hazards to re-check, which have no section."""

    anchor: str | None
    title: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for e in self.entries if e.answer is not None)


@dataclass
class Part:
    title: str
    checklist: InspectionChecklist | None = None  # None: the part of hazards to re-check
    entries: list[Entry] = field(default_factory=list)
    # Why the reader may not answer this part (another department's, in a joint
    # inspection): the page shows it read-only with this reason. Set by the page.
    read_only_reason: str = ""

    @property
    def answered(self) -> int:
        return sum(1 for e in self.entries if e.answer is not None)

    @cached_property
    def sections(self) -> list[PageSection]:
        """The part's entries by checklist section, in page order (items come
        ordered by section from ``inspection_items``)."""
        sections: list[PageSection] = []
        for entry in self.entries:
            section = entry.item.section if entry.item is not None else None
            anchor = f"section-{section.pk}" if section is not None else None
            if not sections or sections[-1].anchor != anchor:
                title = section.title if section is not None else self.title
                sections.append(PageSection(anchor=anchor, title=title))
            sections[-1].entries.append(entry)
        return sections


def checklist_parts(inspection: Inspection) -> list[Part]:
    """The checklist page's data: one part for the open hazards to re-check, then
    one per checklist, each entry with its answer and photos (removed ones left out).
    A fixed number of queries whatever the number of items."""
    answers: dict[str, Answer] = {}
    for answer in inspection.answers.select_related("answered_by"):
        answers[answer.key] = answer
    photos_by_answer: defaultdict[int | None, list[Photo]] = defaultdict(list)
    for photo in Photo.objects.filter(inspection=inspection).kept().order_by("uploaded_at", "pk"):
        photos_by_answer[photo.answer_id].append(photo)

    def entry(key: str, **kwargs: Any) -> Entry:
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


def missing(
    inspection: Inspection, parts: list[Part] | None = None, *, department_id: int | None = None
) -> list[str]:
    """What stops the inspection from finishing, one readable line each; with
    ``department_id``, what stops that department's part of a joint inspection (its own
    checklists) from being complete.

    Re-checking earlier hazards is required on a re-inspection and optional
    otherwise.
    """
    lines = []
    required_recheck = inspection.kind == Inspection.Kind.REINSPECTION
    for part in parts if parts is not None else checklist_parts(inspection):
        if department_id is not None and (
            part.checklist is None or part.checklist.department_id != department_id
        ):
            continue
        for entry in part.entries:
            if entry.hazard is not None and not required_recheck and entry.answer is None:
                continue
            reason = entry.missing()
            if reason:
                if entry.item is not None:
                    label = entry.item.code
                else:
                    assert entry.hazard is not None  # a line is an item or a hazard
                    label = entry.hazard.register_no
                lines.append(f"{label}：{reason}")
    return lines


def is_joint(inspection: Inspection) -> bool:
    """Whether departments share the inspection (部门联合抽查): a checklist has one."""
    return inspection.checklists.exclude(department=None).exists()


def own_part_missing(
    inspection: Inspection, member: Any, parts: list[Part] | None = None
) -> list[str]:
    """What a team member confirms is the record as a whole, or in a joint inspection
    their own department's part (its checklists): what is still missing from it."""
    parts = parts if parts is not None else checklist_parts(inspection)
    department_id = member.department_id
    own = department_id is not None and any(
        p.checklist is not None and p.checklist.department_id == department_id for p in parts
    )
    return missing(inspection, parts, department_id=department_id if own else None)


def plainly_incomplete(inspection: Inspection) -> bool:
    """Whether an item that applies to every facility is still unanswered, or failed
    (pass or fail) without the evidence photo it requires: at most two queries, where
    ``missing`` builds the whole page's entries. True means the record is not complete;
    False means only ``missing`` can tell. (The second test spares the saves made after
    every item is answered but before the failed ones' photos are taken.)"""
    for_everyone = Item.objects.filter(
        version__in=inspection.checklists.values("version"), applies_if={}, section__applies_if={}
    )
    answers = inspection.answers.exclude(item=None)
    if for_everyone.exclude(pk__in=answers.values("item")).exists():
        return True
    evidence = Photo.objects.kept().filter(answer=OuterRef("pk"), purpose=Photo.Purpose.EVIDENCE)
    return (
        answers.filter(
            item__in=for_everyone,
            item__answer_type=Item.AnswerType.PASS_FAIL,
            item__photo_on_fail=True,
            value="fail",
        )
        .exclude(Exists(evidence))
        .exists()
    )


# ---------------------------------------------------------------- the conclusion


@dataclass(frozen=True)
class Conclusion:
    """What finishing records: the score, the result, and the failed items that
    make hazards, in checklist order."""

    score: Decimal
    result: str
    failed_items: tuple[FailedItem, ...]

    @property
    def result_label(self) -> str:
        return str(Result(self.result).label)


def conclusion(inspection: Inspection) -> Conclusion:
    """The score, result and hazards the answers given so far make, computed
    without writing: ``inspection_finish`` records exactly this, and the finish
    page shows it beforehand. Unanswered items count for nothing."""
    parts = inspection_items(inspection)
    answers = {a.item_id: a for a in inspection.answers.exclude(item=None)}
    scored = []
    for checklist, items in parts:
        values = {i.code: answers[i.pk].value for i in items if i.pk in answers}
        scored.append((checklist.version, items, values))
    per_template, combined = joint_score(scored)
    failed_items = tuple(
        FailedItem(checklist=checklist, item=item, answer=answers[item.pk])
        for checklist, items in parts
        for item in items
        if item.hazard != Item.Hazard.NONE
        and item.pk in answers
        and outcome(item, answers[item.pk].value) == Outcome.FAILED
    )
    scored_weight = sum(s.scored_weight for _v, s in per_template)
    passed_weight = sum(s.passed_weight for _v, s in per_template)
    if inspection.kind == Inspection.Kind.REINSPECTION:
        # A re-inspection is judged on its re-checks: the share fixed, and the worst one.
        rechecks = list(
            inspection.answers.exclude(rechecked_hazard=None).values_list("value", flat=True)
        )
        scored_weight += len(rechecks)
        passed_weight += rechecks.count(Recheck.FIXED)
        if Recheck.NOT_FIXED in rechecks:
            combined = Result.FAIL
        elif Recheck.PARTLY in rechecks and combined == Result.PASS:
            combined = Result.BASIC
    score = (
        (Decimal(100) * passed_weight / scored_weight).quantize(Decimal("0.1"))
        if scored_weight
        else Decimal(100)
    )
    if failed_items and combined == Result.PASS:
        # DOMAIN.md §8: an inspection that registered hazards never reads a plain 合格.
        combined = Result.BASIC
    return Conclusion(score=score, result=combined, failed_items=failed_items)


# ---------------------------------------------------------------- joint inspections


def hazard_departments(inspection: Inspection) -> dict[int, int | None]:
    """{hazard pk: id of the department whose part of a joint inspection found it}: the
    department of the failed item's checklist, or for a hazard found on site that no
    item names, the joint department of the kind it was registered under (the finding
    member's). None outside a joint inspection's departments."""
    checklists = list(inspection.checklists.select_related("department"))
    by_version = {c.version_id: c.department_id for c in checklists}
    by_kind = {c.department.kind: c.department_id for c in checklists if c.department}
    return {
        pk: by_version.get(version_id) if version_id else by_kind.get(kind)
        for pk, version_id, kind in Hazard.objects.filter(inspection=inspection).values_list(
            "pk", "item__version_id", "department"
        )
    }


@dataclass(frozen=True)
class DepartmentResult:
    """One department's part of a joint inspection: its items' outcomes, its score and
    result (the worst of its checklists), and the hazards its part found."""

    department: Department
    checked: int
    passed: int
    failed: int
    not_applicable: int
    score: Decimal
    result: str
    hazards: int

    @property
    def result_label(self) -> str:
        return str(Result(self.result).label)


def department_results(inspection: Inspection) -> list[DepartmentResult]:
    """Each department's part of a joint inspection, in checklist order; empty for an
    inspection that is not joint. The combined result stays ``inspection.result``."""
    grouped: dict[int, tuple[Department, list[tuple[InspectionChecklist, list[Item]]]]] = {}
    for checklist, items in inspection_items(inspection):
        department = checklist.department
        if department is not None:
            grouped.setdefault(department.pk, (department, []))[1].append((checklist, items))
    if not grouped:
        return []
    answers = {a.item_id: a.value for a in inspection.answers.exclude(item=None)}
    hazards = Counter(hazard_departments(inspection).values())
    rows = []
    for department_id, (department, parts) in grouped.items():
        scored = [
            (c.version, items, {i.code: answers[i.pk] for i in items if i.pk in answers})
            for c, items in parts
        ]
        per_template, combined = joint_score(scored)
        verdicts = Counter(outcome(i, answers.get(i.pk)) for _c, items in parts for i in items)
        scored_weight = sum(s.scored_weight for _v, s in per_template)
        passed_weight = sum(s.passed_weight for _v, s in per_template)
        if hazards[department_id] and combined == Result.PASS:
            combined = Result.BASIC  # as ``conclusion``: hazards never read a plain 合格
        rows.append(
            DepartmentResult(
                department=department,
                checked=sum(len(items) for _c, items in parts),
                passed=verdicts[Outcome.PASSED],
                failed=verdicts[Outcome.FAILED],
                not_applicable=verdicts[Outcome.NOT_APPLICABLE],
                score=(Decimal(100) * passed_weight / scored_weight).quantize(Decimal("0.1"))
                if scored_weight
                else Decimal(100),
                result=combined,
                hazards=hazards[department_id],
            )
        )
    return rows


@dataclass(frozen=True)
class FoundHazard:
    """A hazard finishing will register, and when it will fall due."""

    failed: FailedItem
    due: WorkingDayResult

    @property
    def major(self) -> bool:
        return self.failed.item.hazard == Item.Hazard.MAJOR


def conclusion_preview(inspection: Inspection) -> tuple[Conclusion, list[FoundHazard]]:
    """The conclusion of an inspection under way, and the hazards it would register
    with their due dates: found on the day it started, due after the deadline the
    team set (or the item's) in working days, as ``hazard_register`` counts them."""
    result = conclusion(inspection)
    day = found_on(inspection)
    return result, [
        FoundHazard(failed=failed, due=add_working_days(day, failed.deadline_days))
        for failed in result.failed_items
    ]


def _outcomes(inspection: Inspection | None) -> dict[str, tuple[Item, str | None]]:
    if inspection is None:
        return {}
    rows: dict[str, tuple[Item, str | None]] = {}
    for answer in inspection.answers.exclude(item=None).select_related("item"):
        item = answer.item
        assert item is not None  # excluded above
        rows[item.code] = (item, outcome(item, answer.value))
    return rows


def compare_rows(
    self_inspection: Inspection | None, official: Inspection | None
) -> list[dict[str, Any]]:
    """Item-by-item rows of a self-inspection beside an official inspection,
    matched by item code; ``disagree`` where both answered and differ."""
    mine, theirs = _outcomes(self_inspection), _outcomes(official)
    rows = []
    for code in list(theirs) + [c for c in mine if c not in theirs]:
        item = (theirs.get(code) or mine[code])[0]
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
