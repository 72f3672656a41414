"""Writes of the credit file: collecting events, the monthly recompute that turns
scores into proposals, a lead's decisions, a manager's objections and repair
applications, events recorded by hand, and rule sets loaded.

Nothing here changes a facility's class or list silently: the recompute only opens
cases; a county lead's decision (``case_decide``) is what moves the class.
"""

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import Actor, save_with_history
from core.notifications import notify
from inspections import policy
from inspections.common import notify_managers
from inspections.hazards.services import leads_covering
from inspections.onsite import photos
from inspections.signals import credit_changed
from registry.models import Facility, User

from . import rules as credit_rules
from . import sources
from .models import CollectMark, CreditCase, CreditEvent, CreditList, ListEntry, RuleSet

CHUNK = 500
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
Kind = CreditCase.Kind
Decision = CreditCase.Decision


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- rule sets


def _person(by: Actor) -> User | None:
    return by if isinstance(by, User) else None


def ruleset_in_force(by: Actor = None) -> RuleSet:
    """The newest rule set; the shipped default is stored as version 1 the first time
    a decision needs to name the rules it rests on."""
    ruleset = credit_rules.current_set()
    if ruleset is None:
        ruleset = save_with_history(
            RuleSet(
                version=1,
                text=credit_rules.default_text(),
                note=_("The shipped default rule set."),
                created_by=_person(by),
            ),
            by=by,
        )
    return ruleset


@transaction.atomic
def rules_load(*, text: str, note: str, by: Actor) -> RuleSet:
    """A new version of the rules: checked first, never replacing an older one."""
    note = limits.text(note, limit=limits.SHORT, label=_("What changed and why"))
    if not note:
        raise ValidationError(_("Say what changed in the rules and why."))
    text = (text or "").replace("\r\n", "\n")
    newest = RuleSet.objects.select_for_update().order_by("-version").first()
    version = (newest.version if newest else 0) + 1
    credit_rules.parse(text, version=version)
    return save_with_history(
        RuleSet(
            version=version,
            text=text,
            note=note,
            created_by=_person(by),
        ),
        by=by,
        reason=note,
    )


# ---------------------------------------------------------------- collecting


# A fact is read again if it changed within this margin before the last run's start:
# a row written in a transaction still open then is caught the next time.
MARGIN = timedelta(days=1)


def credit_collect(
    *, today: date, facility_ids: Collection[int] | None = None, full: bool = False
) -> int:
    """Write every fact the sources yield that the file lacks; withdraw the standing
    facts (the grading level) their source no longer yields. A run over every
    facility asks each source only for what changed since its last such run (all of
    it when ``full``); a run for some facilities reads their whole file. Returns how
    many events were written."""
    written = 0
    started = timezone.now()
    marks = (
        {}
        if facility_ids is not None
        else dict(CollectMark.objects.values_list("source", "through"))
    )
    for prefix, function in sources.SOURCES.items():
        since = None if full or prefix not in marks else marks[prefix] - MARGIN
        facts = {fact.key: fact for fact in function(today, facility_ids, since)}
        keys = list(facts)
        known: dict[str, CreditEvent | None] = {}
        for chunk in _chunks(keys):
            if prefix in sources.STANDING:
                # A standing fact that lapsed and came back stands again.
                for event in CreditEvent.objects.filter(key__in=chunk):
                    known[event.key] = event
            else:
                known.update(
                    dict.fromkeys(
                        CreditEvent.objects.filter(key__in=chunk).values_list("key", flat=True)
                    )
                )
        for key, fact in facts.items():
            if key in known:
                found = known[key]
                if found is not None and found.withdrawn and found.withdrawn_by_id is None:
                    found.restore()
                    save_with_history(found, reason=_("Stands again at its source."))
                continue
            save_with_history(
                CreditEvent(
                    facility_id=fact.facility_id,
                    kind=fact.kind,
                    occurred_on=fact.occurred_on,
                    key=key,
                    detail=fact.detail[: limits.LINE],
                    evidence_url=fact.evidence_url,
                )
            )
            written += 1
        if prefix in sources.STANDING:
            lapsed = CreditEvent.objects.filter(
                key__startswith=prefix + ":", withdrawn_at=None
            ).exclude(key__in=keys)
            if facility_ids is not None:
                lapsed = lapsed.filter(facility_id__in=list(facility_ids))
            for event in lapsed:
                event.withdraw(reason=_("No longer stands at its source."))
                save_with_history(event, reason=event.withdrawn_reason)
        if facility_ids is None:
            mark = CollectMark.objects.filter(source=prefix).first() or CollectMark(source=prefix)
            mark.through = started
            save_with_history(mark)
    return written


# ---------------------------------------------------------------- recompute


@dataclass
class Outcome:
    facilities: int = 0
    written: int = 0
    opened: list[CreditCase] = field(default_factory=list)
    lapsed: int = 0


def _events_of(facility_ids: Iterable[int]) -> dict[int, list[CreditEvent]]:
    events: dict[int, list[CreditEvent]] = defaultdict(list)
    for chunk in _chunks(sorted(set(facility_ids))):
        for event in CreditEvent.objects.filter(facility_id__in=chunk).order_by(
            "-occurred_on", "-pk"
        ):
            events[event.facility_id].append(event)
    return events


def _lapse(case: CreditCase, reason: str, outcome: Outcome) -> None:
    case.lapse(reason=reason)
    save_with_history(case, reason=reason)
    outcome.lapsed += 1
    credit_changed.send(sender=CreditCase, case=case, event="lapsed", by=None)


def _open(case: CreditCase, outcome: Outcome | None, by: Actor) -> CreditCase:
    save_with_history(case, by=by)
    if outcome is not None:
        outcome.opened.append(case)
    credit_changed.send(sender=CreditCase, case=case, event="opened", by=by)
    return case


def _changed_since(moment: datetime | None, last_change: datetime | None) -> bool:
    return moment is None or (last_change is not None and last_change > moment)


def _last_changes(
    events: QuerySet[CreditEvent], facility_ids: Collection[int]
) -> dict[int, datetime | None]:
    """When each facility's file last changed (an event recorded or withdrawn). Asked
    only for the facilities whose proposal a lead already decided: reading these
    stamps for every facility was a third of a national run."""
    changed: dict[int, datetime | None] = {}
    for chunk in _chunks(sorted(facility_ids)):
        for facility_id, recorded, withdrawn in (
            events.filter(facility_id__in=chunk)
            .order_by()
            .values_list("facility_id")
            .annotate(Max("recorded_at"), Max("withdrawn_at"))
        ):
            stamps = [s for s in (recorded, withdrawn) if s is not None]
            changed[facility_id] = max(stamps) if stamps else None
    return changed


@transaction.atomic
def credit_recompute(
    *,
    today: date | None = None,
    facility_ids: Collection[int] | None = None,
    by: Actor = None,
    full: bool = False,
) -> Outcome:
    """Collect new events, score every active facility with the rules in force and
    open a case for each class change and list entry the rules propose. A proposal
    the lead already decided is not proposed again until the facility's file changes."""
    today = today or timezone.localdate()
    outcome = Outcome()
    outcome.written = credit_collect(today=today, facility_ids=facility_ids, full=full)
    ruleset = ruleset_in_force(by)
    rules = credit_rules.of(ruleset)

    facilities = Facility.objects.filter(active=True)
    events = CreditEvent.objects.all()
    cases = CreditCase.objects.filter(kind__in=[Kind.CLASS, Kind.LIST_ENTRY])
    if facility_ids is not None:
        ids = list(facility_ids)
        facilities = facilities.filter(pk__in=ids)
        events = events.filter(facility_id__in=ids)
        cases = cases.filter(facility_id__in=ids)
    current = dict(facilities.values_list("pk", "risk_class"))
    outcome.facilities = len(current)

    # One aggregate for every facility: its points.
    points: dict[int, float] = dict(
        events.order_by().values_list("facility_id").annotate(points=rules.points_sql(today))
    )

    pending: dict[tuple, CreditCase] = {}
    last_decided: dict[tuple, CreditCase] = {}
    for case in cases.exclude(status=CreditCase.Status.WITHDRAWN).order_by("decided_at", "pk"):
        slot = (case.facility_id, case.kind, case.list_name)
        if case.is_pending:
            pending[slot] = case
        else:
            last_decided[slot] = case

    # Class proposals. One the lead already decided waits in ``held`` until it is
    # known whether the file changed since.
    proposals: dict[int, tuple[str, float]] = {}
    held: dict[tuple, CreditCase] = {}
    for facility_id, risk_class in current.items():
        score = round(rules.base + points.get(facility_id, 0.0), 2)
        proposed = rules.class_of(score)
        slot = (facility_id, Kind.CLASS, "")
        open_case = pending.get(slot)
        if proposed == risk_class:
            if open_case:
                _lapse(open_case, _("The rules no longer propose a change."), outcome)
            continue
        if open_case:
            if open_case.proposed_class == proposed:
                continue
            _lapse(open_case, _("A newer run proposes another class."), outcome)
        decided = last_decided.get(slot)
        if decided and decided.proposed_class == proposed:
            held[slot] = decided
        proposals[facility_id] = (proposed, score)

    # List entries: the class decided, or the counted events in the window.
    listed = set(ListEntry.objects.filter(exited_on=None).values_list("facility_id", "list_name"))
    entries: dict[tuple[int, str], list[str]] = {}
    for name, rule in rules.lists.items():
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        if rule.events:
            since = limits.add_months(today, -rule.window_months)
            for row in (
                events.filter(withdrawn_at=None, kind__in=list(rule.events), occurred_on__gt=since)
                .values("facility_id", "kind")
                .annotate(n=Count("pk"))
            ):
                counts[row["facility_id"]][row["kind"]] = row["n"]
        # Only a facility of a listed class, with counted events or with an open
        # entry case can have anything to do here.
        waiting = {f for (f, kind, n) in pending if kind == Kind.LIST_ENTRY and n == name}
        candidates = [
            (facility_id, risk_class)
            for facility_id, risk_class in current.items()
            if risk_class in rule.classes or facility_id in counts or facility_id in waiting
        ]
        for facility_id, risk_class in candidates:
            if (facility_id, name) in listed:
                continue
            why = []
            if risk_class in rule.classes:
                why.append(_("class %(cls)s") % {"cls": risk_class})
            for kind, needed in rule.events.items():
                n = counts.get(facility_id, {}).get(kind, 0)
                if n >= needed:
                    why.append(
                        _("%(kind)s × %(n)d in %(months)d months")
                        % {
                            "kind": CreditEvent.Kind(kind).label,
                            "n": n,
                            "months": rule.window_months,
                        }
                    )
            slot = (facility_id, Kind.LIST_ENTRY, name)
            open_case = pending.get(slot)
            if not why:
                if open_case:
                    _lapse(open_case, _("The entry criteria are no longer met."), outcome)
                continue
            if open_case:
                continue
            decided = last_decided.get(slot)
            if decided:
                held[slot] = decided
            entries[(facility_id, name)] = why

    changed = _last_changes(events, {facility_id for facility_id, _k, _n in held})
    for (facility_id, kind, name), decided in held.items():
        if not _changed_since(decided.decided_at, changed.get(facility_id)):
            if kind == Kind.CLASS:
                del proposals[facility_id]
            else:
                del entries[(facility_id, name)]

    files = _events_of({f for f in proposals} | {f for f, _name in entries})
    for facility_id, (proposed, score) in proposals.items():
        _score, basis = rules.basis(files.get(facility_id, []), today)
        _open(
            CreditCase(
                facility_id=facility_id,
                kind=Kind.CLASS,
                previous_class=current[facility_id],
                proposed_class=proposed,
                score=score,
                rules=ruleset,
                basis=basis,
            ),
            outcome,
            by,
        )
    for (facility_id, name), why in entries.items():
        rule = rules.lists[name]
        since = limits.add_months(today, -rule.window_months)
        basis = [
            {
                "event": e.pk,
                "kind": e.kind,
                "date": e.occurred_on.isoformat(),
                "detail": e.detail,
            }
            for e in files.get(facility_id, [])
            if not e.withdrawn and e.kind in rule.events and e.occurred_on > since
        ]
        _open(
            CreditCase(
                facility_id=facility_id,
                kind=Kind.LIST_ENTRY,
                list_name=name,
                previous_class=current[facility_id],
                rules=ruleset,
                basis=basis,
                reasons="; ".join(why),
            ),
            outcome,
            by,
        )
    return outcome


# ---------------------------------------------------------------- decisions


def _locked(case: CreditCase) -> CreditCase:
    # Nullable relations are joined outer: PostgreSQL locks only the case's row.
    return (
        CreditCase.objects.select_for_update(of=("self",))
        .select_related("facility", "event", "rules")
        .get(pk=case.pk)
    )


ALLOWED: dict[str, tuple[str, ...]] = {
    Kind.CLASS: (Decision.ACCEPTED, Decision.OVERRIDDEN),
    Kind.LIST_ENTRY: (Decision.ACCEPTED, Decision.REFUSED),
    Kind.REPAIR: (Decision.ACCEPTED, Decision.REFUSED),
    Kind.OBJECTION: (Decision.UPHELD, Decision.DISMISSED),
}


@transaction.atomic
def case_decide(
    *,
    case: CreditCase,
    decision: str,
    by: User,
    reason: str = "",
    decided_class: str = "",
) -> CreditCase:
    """A county lead's decision. Anything but accepting what the rules propose needs
    a reason; the decision, its basis and the rule version stay on the case."""
    case = _locked(case)
    policy.require(policy.credit_decide_refusal(by, case))
    if decision not in ALLOWED[case.kind]:
        raise ValidationError(_("Choose one of the decisions offered."))
    reason = limits.text(reason, limit=limits.TEXT, label=_("Reason"))
    if decision != Decision.ACCEPTED and not reason:
        raise ValidationError(_("Give the reason for this decision."))
    facility = Facility.objects.select_for_update().get(pk=case.facility_id)
    today = timezone.localdate()

    if case.kind == Kind.CLASS:
        if decision == Decision.ACCEPTED:
            decided_class = case.proposed_class
        elif decided_class not in Facility.RiskClass.values:
            raise ValidationError(_("Choose the class the facility is to have."))
        elif decided_class == case.proposed_class:
            raise ValidationError(_("That is the class proposed: accept the proposal instead."))
        case.decide(decision=decision, reason=reason, by=by, decided_class=decided_class)
        save_with_history(case, by=by)
        if facility.risk_class != decided_class:
            facility.risk_class = decided_class
            save_with_history(facility, by=by, reason=_("Credit case %(n)d") % {"n": case.pk})
        text = _("The credit class of %(facility)s is %(cls)s.")
        values = {"facility": facility.name, "cls": decided_class}
    elif case.kind == Kind.LIST_ENTRY:
        case.decide(decision=decision, reason=reason, by=by)
        save_with_history(case, by=by)
        if decision == Decision.ACCEPTED:
            if ListEntry.objects.filter(
                facility=facility, list_name=case.list_name, exited_on=None
            ).exists():
                raise ValidationError(_("The facility is already on this list."))
            save_with_history(
                ListEntry(
                    facility=facility, list_name=case.list_name, entered_on=today, entry_case=case
                ),
                by=by,
            )
            text = _("%(facility)s was put on the %(list)s.")
        else:
            text = _("%(facility)s was not put on the %(list)s.")
        values = {"facility": facility.name, "list": str(CreditList(case.list_name).label)}
    elif case.kind == Kind.REPAIR:
        case.decide(decision=decision, reason=reason, by=by)
        save_with_history(case, by=by)
        if decision == Decision.ACCEPTED:
            entry = ListEntry.objects.select_for_update().get(
                facility=facility, list_name=case.list_name, exited_on=None
            )
            entry.exited_on = today
            entry.exit_case = case
            save_with_history(entry, by=by)
            text = _("Credit repair granted: %(facility)s left the %(list)s.")
        else:
            text = _("Credit repair refused: %(facility)s stays on the %(list)s.")
        values = {"facility": facility.name, "list": str(CreditList(case.list_name).label)}
    else:
        case.decide(decision=decision, reason=reason, by=by)
        save_with_history(case, by=by)
        event = CreditEvent.objects.select_for_update().get(pk=case.event_id or 0)
        if decision == Decision.UPHELD and not event.withdrawn:
            event.withdraw(reason=reason, by=by)
            save_with_history(event, by=by, reason=_("Objection upheld"))
            text = _("Your objection was upheld: the event no longer counts.")
        else:
            text = _("Your objection was dismissed.")
        values = {}
    credit_changed.send(sender=CreditCase, case=case, event="decided", by=by)
    notify_managers(facility=facility, text=text % values, url=case.get_absolute_url(), by=by)
    if case.kind == Kind.OBJECTION and decision == Decision.UPHELD:
        credit_recompute(today=today, facility_ids=[facility.pk], by=by)
    return case


# ---------------------------------------------------------------- the facility's side


def _evidence(upload: UploadedFile | None) -> tuple[ContentFile, str] | None:
    """A PDF, JPEG or PNG, known by its content, at most 10 MB."""
    if not upload:
        return None
    if upload.size is not None and upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The evidence file is larger than 10 MB."))
    data = b"".join(upload.chunks())
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The evidence file is larger than 10 MB."))
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        extension = "pdf"
    else:
        try:
            photos.check(data)
        except ValidationError:
            raise ValidationError(_("The evidence must be a PDF, JPEG or PNG file.")) from None
        if data.startswith(b"\xff\xd8"):
            extension = "jpg"
        elif data.startswith(b"\x89PNG"):
            extension = "png"
        else:
            raise ValidationError(_("The evidence must be a PDF, JPEG or PNG file."))
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"), hashlib.sha256(
        data
    ).hexdigest()


def _application(
    *,
    facility: Facility,
    kind: str,
    reasons: str,
    evidence: UploadedFile | None,
    by: User,
    **fields: object,
) -> CreditCase:
    reasons = limits.text(reasons, limit=limits.TEXT, label=_("Reasons"))
    if not reasons:
        raise ValidationError(_("Give your reasons."))
    case = CreditCase(facility=facility, kind=kind, reasons=reasons, opened_by=by, **fields)
    stored = _evidence(evidence)
    if stored:
        content, digest = stored
        case.evidence.save(content.name or "evidence", content, save=False)
        case.evidence_sha256 = digest
    # The file is written before the row: remove it if the row is not.
    try:
        _open(case, None, by)
    except Exception:
        if case.evidence:
            case.evidence.delete(save=False)
        raise
    for lead in leads_covering(facility):
        notify(user=lead, text=str(case), url=case.get_absolute_url(), by=by)
    return case


@transaction.atomic
def objection_file(
    *, event: CreditEvent, reasons: str, evidence: UploadedFile | None = None, by: User
) -> CreditCase:
    """The facility's statement and defence (陈述申辩) against one event."""
    event = CreditEvent.objects.select_for_update().select_related("facility").get(pk=event.pk)
    policy.require(policy.credit_object_refusal(by, event))
    return _application(
        facility=event.facility,
        kind=Kind.OBJECTION,
        reasons=reasons,
        evidence=evidence,
        by=by,
        event=event,
    )


@transaction.atomic
def repair_apply(
    *, entry: ListEntry, reasons: str, evidence: UploadedFile | None = None, by: User
) -> CreditCase:
    """Credit repair (信用修复): the facility asks to leave a list."""
    entry = ListEntry.objects.select_for_update().select_related("facility").get(pk=entry.pk)
    wait = credit_rules.current().repair_wait(entry.list_name)
    policy.require(policy.credit_repair_refusal(by, entry, wait_days=wait))
    return _application(
        facility=entry.facility,
        kind=Kind.REPAIR,
        reasons=reasons,
        evidence=evidence,
        by=by,
        list_name=entry.list_name,
    )


# ---------------------------------------------------------------- events by hand


@transaction.atomic
def credit_event_record(
    *,
    facility: Facility,
    kind: str,
    occurred_on: date | None,
    detail: str,
    note: str = "",
    by: User,
) -> CreditEvent:
    """A lead records a kind no source writes yet (a refused entry, a penalty…); the
    facility is then scored again at once."""
    policy.require(policy.credit_record_refusal(by, facility))
    if kind not in CreditEvent.RECORDED:
        raise ValidationError(_("This kind of event comes from its source, not by hand."))
    if occurred_on is None:
        raise ValidationError(_("Give the date of the event."))
    if occurred_on > timezone.localdate():
        raise ValidationError(_("The event's date cannot be in the future."))
    detail = limits.text(detail, limit=limits.LINE, label=_("Detail"))
    if not detail:
        raise ValidationError(_("Say what happened (the document number or a short account)."))
    event = save_with_history(
        CreditEvent(
            facility=facility,
            kind=kind,
            occurred_on=occurred_on,
            key=f"manual:{uuid.uuid4().hex}",
            detail=detail,
            note=limits.text(note, limit=limits.TEXT, label=_("Note")),
            recorded_by=by,
        ),
        by=by,
    )
    credit_recompute(facility_ids=[facility.pk], by=by)
    return event


@transaction.atomic
def credit_event_withdraw(*, event: CreditEvent, reason: str, by: User) -> CreditEvent:
    event = CreditEvent.objects.select_for_update().select_related("facility").get(pk=event.pk)
    policy.require(policy.credit_event_withdraw_refusal(by, event))
    reason = limits.text(reason, limit=limits.SHORT, label=_("Reason"))
    if not reason:
        raise ValidationError(_("Give the reason for withdrawing the event."))
    event.withdraw(reason=reason, by=by)
    save_with_history(event, by=by, reason=reason)
    credit_recompute(facility_ids=[event.facility_id], by=by)
    return event
