"""Exception reports on who changed or saw what, and when: changes to domain data made
outside working hours or by administrators, and evidence photos seen by people outside
the inspection's team."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    Max,
    Min,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.functions import ExtractHour
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.access import changes_for
from audit.forms import audited_model, model_name
from core import workdays
from inspections import access
from inspections.onsite.models import EvidenceAccess, Inspection
from registry.models import Region, User

from .base import Finding, Report, history_link, in_period, register

# Domain data: what the supervision itself is about (the two directories, the checklists,
# plans to publications). Not domain data: accounts, the regions and departments the site
# is set up with, the work calendar, numbering, notifications, workflow tasks, API tokens,
# and the evidence access log (its own report below).
DOMAIN_APPS = ("registry", "checklists", "inspections")
NOT_DOMAIN = frozenset(
    {"registry.user", "registry.region", "registry.department", "inspections.evidenceaccess"}
)
# Rows read from the database at a time: the lists stream, however long the period.
CHUNK = 500


def _domain(changes):
    in_apps = Q()
    for app in DOMAIN_APPS:
        in_apps |= Q(model__startswith=f"{app}.")
    return changes.filter(in_apps).exclude(model__in=NOT_DOMAIN)


def _field_label(label, name):
    model = audited_model(label)
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name)) if model else name
    except FieldDoesNotExist:
        return name


def _object_history(change):
    """The audit browser narrowed to the changed object (``history_link`` for an object
    that may no longer exist)."""
    query = urlencode({"model": change.model, "object_id": change.object_id})
    return f"{reverse('audit:history')}?{query}"


class _ChangeReport(Report):
    """One row per recorded change of domain data, newest first."""

    columns = (
        ("at", _("Time")),
        ("user", _("Changed by")),
        ("type", _("Object type")),
        ("object", _("Object")),
        ("action", _("Action")),
        ("fields", _("Fields changed")),
        ("reason", _("Reason")),
    )

    def changes(self, user, start, end):
        raise NotImplementedError

    def extra_cells(self, change):
        return {}

    def findings(self, user, start, end):
        # The first region (by code) of the change that the user may read; a change of
        # no region (the checklist library) has none.
        visible = (
            None
            if access.is_admin(user)
            else set(access.regions_for(user).values_list("pk", flat=True))
        )
        changes = (
            self.changes(user, start, end)
            .select_related("user")
            .prefetch_related(Prefetch("regions", queryset=Region.objects.order_by("code")))
            .order_by("-at", "-pk")
        )
        for change in changes.iterator(chunk_size=CHUNK):
            regions = [r for r in change.regions.all() if visible is None or r.pk in visible]
            type_name = model_name(change.model)
            yield Finding(
                region=regions[0] if regions else None,
                at=change.at,
                subject=f"{type_name} {change.object_repr}: {change.get_action_display()}",
                url=reverse("audit:change", args=[change.pk]),
                history_url=_object_history(change),
                cells={
                    "at": change.at,
                    "user": change.user.display_name if change.user else "",
                    "type": str(type_name),
                    "object": change.object_repr,
                    "action": change.get_action_display(),
                    "fields": ", ".join(_field_label(change.model, f) for f in change.changes),
                    "reason": change.reason,
                    **self.extra_cells(change),
                },
            )


@register
class ChangesOutsideHours(_ChangeReport):
    key = "changes-outside-hours"
    title = _("Changes outside working hours")
    explanation = _(
        "Changes to domain data made by a person on a day the work calendar marks as not "
        "a working day, or before or after working hours (local time), when few are there "
        "to notice them."
    )
    columns = (*_ChangeReport.columns, ("when", _("Why outside working hours")))

    NON_WORKING_DAY = _("Not a working day")
    BEFORE_HOURS = _("Before working hours")
    AFTER_HOURS = _("After working hours")

    def changes(self, user, start, end):
        # Changes with no user are the system's own (timers, the back-fill).
        changes = _domain(in_period(changes_for(user), "at", start, end)).filter(user__isnull=False)
        first = timezone.localdate(start) if start else None
        # The end is excluded: a period ending at local midnight ends the day before.
        last = timezone.localdate(end - timedelta(microseconds=1)) if end else None
        if first is None or last is None:
            span = changes.aggregate(first=Min("at"), last=Max("at"))
            if span["first"] is None:
                return changes.none()
            first = first or timezone.localdate(span["first"])
            last = last or timezone.localdate(span["last"])
        # The calendar decides which days are working days (调休 included); the
        # database only tests each change's local hour and date against it.
        off_days = workdays.non_working_days(first, last) if first <= last else []
        off_day = (
            Case(When(at__date__in=off_days, then=Value(True)), default=Value(False))
            if off_days
            else Value(False)
        )
        opens, closes = settings.AUDIT_WORKING_HOURS
        local = timezone.get_current_timezone()
        return changes.annotate(
            local_hour=ExtractHour("at", tzinfo=local),
            off_day=ExpressionWrapper(off_day, output_field=BooleanField()),
        ).filter(Q(local_hour__lt=opens) | Q(local_hour__gte=closes) | Q(off_day=True))

    def extra_cells(self, change):
        if change.off_day:
            when = self.NON_WORKING_DAY
        elif change.local_hour < settings.AUDIT_WORKING_HOURS[0]:
            when = self.BEFORE_HOURS
        else:
            when = self.AFTER_HOURS
        return {"when": when}


@register
class ChangesByAdministrators(_ChangeReport):
    key = "changes-by-administrators"
    title = _("Changes to domain data by administrators")
    explanation = _(
        "Administrators run the site; they are not actors of the supervision, so a change "
        "they make to facilities, inspectors, checklists or inspection records is out of "
        "the ordinary (whoever holds the administrator role now is counted)."
    )

    def changes(self, user, start, end):
        changes = _domain(in_period(changes_for(user), "at", start, end))
        return changes.filter(user__in=access.administrators())


@register
class PhotosSeenOutsideTeam(Report):
    key = "photos-seen-outside-team"
    title = _("Evidence photos viewed by people outside the inspection team")
    explanation = _(
        "Evidence photos of an inspection are the team's working material; each look by "
        "someone not on the team (as it stands now), from the access log, should have a "
        "reason: one row per viewer and inspection."
    )
    columns = (
        ("viewer", _("Viewer")),
        ("role", _("Role")),
        ("inspection", _("Inspection")),
        ("photos", _("Photos viewed")),
        ("views", _("Views")),
        ("first_view", _("First view")),
        ("last_view", _("Last view")),
    )

    def findings(self, user, start, end):
        photos = access.photos_for(user).filter(inspection__isnull=False)
        groups = list(
            in_period(
                EvidenceAccess.objects.filter(photo__in=photos.values("pk")), "at", start, end
            )
            .values("photo__inspection", "user")
            .annotate(
                first=Min("at"),
                last=Max("at"),
                views=Count("pk"),
                photos=Count("photo", distinct=True),
            )
            .order_by("-last", "-photo__inspection", "-user")
        )
        inspections = Inspection.objects.select_related("facility__region").in_bulk(
            {g["photo__inspection"] for g in groups}
        )
        viewers = User.objects.in_bulk({g["user"] for g in groups})
        for group in groups:
            inspection = inspections[group["photo__inspection"]]
            viewer = viewers[group["user"]]
            # The team rule of the inspection pages themselves (who may work on it).
            if access.can_work_on(inspection, viewer):
                continue
            yield Finding(
                region=inspection.facility.region,
                at=group["last"],
                subject=_("%(viewer)s viewed photos of %(inspection)s")
                % {"viewer": viewer.display_name, "inspection": inspection},
                url=inspection.get_absolute_url(),
                history_url=history_link(inspection),
                cells={
                    "viewer": viewer.display_name,
                    "role": viewer.get_role_display(),
                    "inspection": str(inspection),
                    "photos": group["photos"],
                    "views": group["views"],
                    "first_view": group["first"],
                    "last_view": group["last"],
                },
            )
