"""Numbers of official documents (文书编号): sequential per county bureau and year,
issued the first time a document is produced and printed the same ever after."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audited import save_with_history
from core.numbers import next_number
from inspections.common import _user
from inspections.onsite.models import Inspection
from inspections.planning.models import Plan
from inspections.publication.models import IssuedDocument
from registry.models import User


def _existing(kind: str, inspection: Inspection | None, plan: Plan | None) -> IssuedDocument | None:
    if inspection is not None:
        return IssuedDocument.objects.filter(kind=kind, inspection=inspection).first()
    return IssuedDocument.objects.filter(kind=kind, plan=plan).first()


def document_number(
    *,
    kind: str,
    inspection: Inspection | None = None,
    plan: Plan | None = None,
    by: User | None,
) -> str:
    """The number of the ``kind`` document of ``inspection`` (or of ``plan``): the one
    issued before, or the next of its county's series for this year, recorded with
    who caused it to be issued (None for a public download)."""
    if kind not in IssuedDocument.SERIES:
        raise ValidationError(_("Unknown document kind."))
    about_plan = kind in IssuedDocument.ABOUT_PLAN
    if about_plan != (plan is not None) or (inspection is None) == (plan is None):
        raise ValidationError(_("This document is about a plan or an inspection, not both."))
    found = _existing(kind, inspection, plan)
    if found is not None:
        return found.number
    try:
        return _issue(kind=kind, inspection=inspection, plan=plan, by=by)
    except IntegrityError:
        # Another request issued it at the same moment: theirs is the number.
        found = _existing(kind, inspection, plan)
        if found is None:
            raise
        return found.number


@transaction.atomic
def _issue(*, kind: str, inspection: Inspection | None, plan: Plan | None, by: User | None) -> str:
    if plan is not None:
        region = plan.region
    else:
        assert inspection is not None  # document_number checked: one of the two
        region = inspection.facility.region
    county = region.code[:6]
    year = timezone.localdate().year
    letters = IssuedDocument.SERIES[IssuedDocument.Kind(kind)]
    serial = next_number(series=f"doc-{letters}:{county}", year=year, by=_user(by))
    document = save_with_history(
        IssuedDocument(
            kind=kind,
            inspection=inspection,
            plan=plan,
            number=f"{county}-{letters}-{year}-{serial:04d}",
            issued_by=_user(by),
        ),
        by=by,
    )
    return document.number
