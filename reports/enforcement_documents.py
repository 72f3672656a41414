"""Enforcement documents as PDF (文书): the control order (责令停止使用/停业整顿决定书),
the interview record (约谈记录), the transfer letter (案件移送函) and a higher region's
约谈/通报 of a lower one. Each object is numbered when it is created; the document
shows that number, and a QR code to the log-in page that continues to its staff page.

One registry, ``KINDS``: each part of enforcement registers its document (the loader
that scopes the object to the reader, its template, title and context) with
``register``; one view serves them all (``views_documents.enforcement_document``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils import timezone

from .documents import Rendered, in_document_language, kept_pdf, login_url, qr_code


@dataclass(frozen=True)
class Kind:
    # (user, pk) -> the object, 404 outside the user's scope (inspections.access)
    load: Callable[[Any, int], Model]
    template: str
    # () -> the document's title, in the document language
    title: Callable[[], str]
    # object -> the template's context
    context: Callable[[Any], dict]


KINDS: dict[str, Kind] = {}


def register(name: str, kind: Kind) -> None:
    KINDS[name] = kind


@in_document_language
def enforcement_document(name: str, obj: Any) -> Rendered:
    """The ``name`` document of ``obj`` as a PDF, kept while what it shows is unchanged."""
    kind = KINDS[name]
    context = {
        "title": kind.title(),
        # A kind whose title depends on the object (约谈 or 通报) gives it in its context.
        **kind.context(obj),
        "number": obj.number,
        "qr": qr_code(login_url(obj.get_absolute_url())),
        "today": timezone.localdate(),
    }
    pdf = kept_pdf(f"enforcement/{name}/{obj.pk}", kind.template, context)
    return Rendered(name, obj.number, pdf)


def _load_parts() -> None:
    # Each part registers its document on import.
    from . import docs_cases, docs_ladder, docs_levels, docs_orders  # noqa: F401


_load_parts()
