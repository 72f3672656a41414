"""Keyset pagination: "older" and "newer" links that carry the last row seen, so a
deep page costs what the first page costs (no OFFSET, no COUNT over the whole list).

A list is ordered newest first by two keys, ``(key, tie)`` descending, where ``tie``
is unique (the primary key). A link names the row it continues from as a cursor
``<key>_<tie>``; ``before`` continues towards older rows, ``after`` towards newer
ones. The condition is written as ``key <= k AND (key < k OR tie < t)``: its first
part is a range on an index led by ``key`` that the database scans in order and stops
after a page, on PostgreSQL and SQLite alike.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone


class BadCursor(ValueError):
    """A ``before``/``after`` value that names no position in the list."""


def _datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


PARSERS = {"datetime": _datetime, "date": date.fromisoformat}


def _walk(row: Any, path: str) -> Any:
    """The value at a field path (``current__inspected_on``) of a row."""
    for part in path.split("__"):
        row = getattr(row, part)
    return row


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        # UTC to the microsecond: equal times stay equal, the tie decides.
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.isoformat()


@dataclass
class KeysetPage:
    """A page, read like Django's ``Page`` by templates: ``has_next`` (older rows),
    ``has_previous`` (newer rows) and the cursors of its last and first rows."""

    rows: list[Any]
    older: bool
    newer: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None

    def has_next(self) -> bool:
        return self.older

    def has_previous(self) -> bool:
        return self.newer

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def has_other_pages(self) -> bool:
        return self.older or self.newer


@dataclass(frozen=True)
class Keyset:
    """The order of a list: ``key`` (a field path, of kind ``"datetime"`` or
    ``"date"``) then ``tie`` (an integer field path), both descending."""

    key: str
    kind: str
    tie: str = "pk"
    # The attribute of a row that holds its key, when ``key`` crosses a relation.
    attr: str | None = None

    def parse(self, cursor: str) -> tuple[Any, int]:
        text, sep, tie = (cursor or "").rpartition("_")
        if not sep or not tie.isdigit() or len(tie) > 18:
            raise BadCursor(cursor)
        try:
            return PARSERS[self.kind](text), int(tie)
        except ValueError:
            raise BadCursor(cursor) from None

    def cursor(self, row: Any) -> str:
        return f"{_text(_walk(row, self.attr or self.key))}_{_walk(row, self.tie)}"

    def _older(self, key: Any, tie: int) -> Q:
        return Q(**{f"{self.key}__lte": key}) & (
            Q(**{f"{self.key}__lt": key}) | Q(**{f"{self.tie}__lt": tie})
        )

    def _newer(self, key: Any, tie: int) -> Q:
        return Q(**{f"{self.key}__gte": key}) & (
            Q(**{f"{self.key}__gt": key}) | Q(**{f"{self.tie}__gt": tie})
        )

    def page(
        self, queryset: QuerySet, size: int, *, before: str | None = None, after: str | None = None
    ) -> KeysetPage:
        """One page of ``queryset`` in one query: the newest rows, those older than
        ``before``, or those newer than ``after``. Raises ``BadCursor``."""
        newest_first = (f"-{self.key}", f"-{self.tie}")
        if after:
            rows = list(
                queryset.filter(self._newer(*self.parse(after))).order_by(self.key, self.tie)[
                    : size + 1
                ]
            )
            more = len(rows) > size
            rows = rows[:size][::-1]
            # Reached from an older page: that page is still there.
            page = KeysetPage(rows, older=bool(rows), newer=more)
        else:
            if before:
                queryset = queryset.filter(self._older(*self.parse(before)))
            rows = list(queryset.order_by(*newest_first)[: size + 1])
            more = len(rows) > size
            rows = rows[:size]
            page = KeysetPage(rows, older=more, newer=bool(before) and bool(rows))
        if rows:
            page.next_cursor = self.cursor(rows[-1])
            page.previous_cursor = self.cursor(rows[0])
        return page
