"""The kinds of staff export that run as background jobs.

The job table, the worker (``manage.py export_worker``) and the job pages live in
``reports`` (reports.jobs). A room that nothing may import from, ``audit``, cannot hand
``reports`` its export directly, so each room registers its kind here (in its
``AppConfig.ready``) and the worker and the job pages find it by name. Each kind says
who may use it, what its rows are for a user and a job's parameters, and whether a user
still sees everything a finished file holds: the job pages ask the kind, never restate
its rule.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Parameters = dict[str, Any]


@dataclass(frozen=True)
class ExportKind:
    name: str
    # Whether the user may ask for this kind of export and see its jobs at all.
    may_use: Callable[[Any], bool]
    # The rows a job of these parameters holds for the user, counted.
    count: Callable[[Any, Parameters], int]
    # The file's bytes, written as the rows are read; ``progress(n)`` hears the rows
    # written every few thousand.
    chunks: Callable[[Any, Parameters, Callable[[int], None]], Iterator[bytes]]
    # Whether the user still sees everything a file of these parameters holds.
    may_download: Callable[[Any, Parameters], bool]
    # Content types by format (the ``format`` parameter).
    formats: dict[str, str]
    # What a requester who lost the role reads when their job is refused.
    refused: Any
    # Where to ask for this kind of export again (a URL name) and the link's words, for
    # the job pages.
    start_url: str
    start_label: Any
    # For a kind asked for on another room's page, through reports' job request: the
    # job's parameters read from the posted form for the user (ValidationError when
    # they are not valid). None for a kind whose own page queues its jobs.
    parameters: Callable[[Any, Any], Parameters] | None = None


_KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> None:
    _KINDS[kind.name] = kind


def get(name: str) -> ExportKind:
    """The kind registered as ``name``; ValueError for any other name."""
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"no export kind {name!r}") from None


def usable_by(user: Any) -> list[str]:
    """The names of the kinds ``user`` may use."""
    return [name for name, kind in _KINDS.items() if kind.may_use(user)]
