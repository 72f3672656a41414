"""Writes of the audit room: sealing the chain's head."""

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ChainHead, ChainSeal

logger = logging.getLogger(__name__)


@transaction.atomic
def chain_seal() -> ChainSeal | None:
    """Seal the chain's head as it stands (None when nothing was recorded since the
    last seal), and send the seal to the outside witnesses of ``AUDIT_SEAL_EMAILS``."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    last = ChainSeal.objects.order_by("-seq").first()
    if last is not None and last.seq == head.seq:
        return None
    seal = ChainSeal.objects.create(seq=head.seq, hash=head.hash, sealed_at=timezone.now())
    witnesses = list(settings.AUDIT_SEAL_EMAILS)
    if witnesses:
        text = _("Audit chain seal: sequence number %(seq)s, hash %(hash)s, sealed at %(at)s.") % {
            "seq": seal.seq,
            "hash": seal.hash,
            "at": seal.sealed_at.isoformat(),
        }

        def send() -> None:
            try:
                send_mail(_("Audit chain seal"), text, None, witnesses)
            except Exception:  # a witness's mail server down must not undo the seal
                logger.exception("the audit seal %s could not be e-mailed", seal.seq)

        transaction.on_commit(send)
    return seal


def seal_due(now: datetime | None = None) -> bool:
    """Whether today's seal is still to be made (one a day, local date)."""
    today = timezone.localdate(now)
    last = ChainSeal.objects.order_by("-sealed_at").first()
    return last is None or timezone.localdate(last.sealed_at) < today
