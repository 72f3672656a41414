"""What every staff page does the same way: a page of a long list, a service's
refusal shown as messages on the next page."""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 25


def page(request: HttpRequest, queryset: QuerySet | Sequence[Any]) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def counted_page(request: HttpRequest, queryset: QuerySet) -> Page:
    """``page`` of ``queryset``'s keys in one query: each row of the page carries the
    total (``COUNT(*) OVER ()``), so the count is not asked separately. Past the last
    page (or on a page number that is not one) it falls back to ``page``."""
    raw = request.GET.get("page") or "1"
    number = int(raw) if raw.isdigit() else 0
    if number < 1:
        return page(request, queryset.values_list("pk", flat=True))
    start = (number - 1) * PAGE_SIZE
    counted = queryset.annotate(_total=Window(Count("*"))).values_list("pk", "_total")
    rows = list(counted[start : start + PAGE_SIZE])
    if not rows and number > 1:
        return page(request, queryset.values_list("pk", flat=True))
    paginator = Paginator(queryset.values_list("pk", flat=True), PAGE_SIZE)
    paginator.count = rows[0][1] if rows else 0  # type: ignore[misc]  # a cached_property
    return paginator.page(number) if not rows else Page([k for k, _ in rows], number, paginator)


def errors(error: Exception) -> list[str]:
    return error.messages if hasattr(error, "messages") else [str(error)]


def flash(request: HttpRequest, error: Exception) -> None:
    """Show each message of a service's ValidationError on the next page."""
    for message in errors(error):
        messages.error(request, message)


def invalid_messages(form: forms.Form, fallback: "StrOrPromise") -> list[str]:
    """What a refused form says: text over its limit is named with its field and limit
    (core.limits), a refusal of the whole form (e.g. too many photos) is given as it
    is; any other error reads ``fallback``."""
    too_long = [
        message
        for errors in form.errors.as_data().values()
        for error in errors
        if error.code == "max_length"
        for message in error.messages
    ]
    # An ErrorList yields text (its __getitem__ unwraps each ValidationError);
    # django-stubs types the items it holds instead.
    whole: list[str] = list(form.non_field_errors())  # type: ignore[arg-type]
    return too_long + whole or [str(fallback)]


def flash_invalid(request: HttpRequest, form: forms.Form, fallback: "StrOrPromise") -> None:
    """A refused form on a page that redirects: its ``invalid_messages``."""
    for message in invalid_messages(form, fallback):
        messages.error(request, message)


def call(
    request: HttpRequest, service: Callable[..., object], success: "StrOrPromise", **kwargs: Any
) -> bool:
    """Call one service as the user; its refusal or ``success`` becomes a message on
    the next page. Returns whether it succeeded."""
    try:
        service(by=request.user, **kwargs)
    except ValidationError as error:
        flash(request, error)
        return False
    messages.success(request, success)
    return True
