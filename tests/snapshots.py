"""Fixtures that build their data through the services, built once per test process.

A finished inspection, a county's published results, a plan with its draw: building
them goes through every service (audit chain, tasks, notifications, photos) and takes
one to five seconds, for each of the many tests that want them. ``cached(request,
build)`` builds the first time, then dumps every table (as ``tests/demo_county.py``
dumps the demo) with the fixture's value and the values of the fixtures it was built
on. A later test that asks for the same fixture, on top of the same fixtures in the
same order, with the same rows in the database, gets the dump back instead: the tables
are put back as the build left them, its photos and documents too, the clock is
moved on to where the build left it, and the fixtures it was built on are made to
hold the dump's rows (on PostgreSQL, whose sequences are not rolled back with a test,
their ids differ from test to test).

Anything the build did that the dump cannot carry (the cache changed, a value that
cannot be pickled, objects of a kind it does not know among the fixtures' values)
makes it build every time, as without this module. ``TEST_SNAPSHOTS=0`` turns it off
for a run; tests/test_snapshots.py checks that a restore is the build, row for row.
"""

import atexit
import inspect
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from django.core import mail
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.db.models import Model
from django.utils import timezone, translation

from tests.demo_county import (
    STORAGES,
    _in_parent_order,
    _read_sequences,
    _read_table,
    _tables,
    put_back,
)

ENABLED = os.environ.get("TEST_SNAPSHOTS", "1") != "0"
SCALARS = (str, int, float, bool, bytes, Decimal, date, datetime, time, timedelta, UUID)

_snapshots: dict[tuple, "Snapshot | None"] = {}
_files_root: Path | None = None


@dataclass
class Snapshot:
    counts: dict[str, int]  # rows per table before the build: the state it was built on
    tables: list[tuple[str, list[str], object]]
    sequences: list[tuple[str, int]]
    clock: datetime
    values: bytes  # pickle of (the fixtures it was built on, its own value, e-mails sent)
    files: Path


def kept(fixture):
    """Decorates a fixture function (under ``@pytest.fixture``) so that it is built
    through ``cached``: its signature gains ``request`` if it did not ask for it."""
    if inspect.isgeneratorfunction(fixture):
        raise TypeError(f"{fixture.__qualname__}: a fixture that yields cannot be kept")
    signature = inspect.signature(fixture)
    asked = "request" in signature.parameters
    name = f"{fixture.__module__}.{fixture.__qualname__}"

    def wrapper(**kwargs):
        request = kwargs["request"] if asked else kwargs.pop("request")
        return cached(request, lambda: fixture(**kwargs), name=name)

    if not asked:
        request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        signature = signature.replace(parameters=[request, *signature.parameters.values()])
    wrapper.__signature__ = signature
    wrapper.__name__ = fixture.__name__
    wrapper.__qualname__ = fixture.__qualname__
    wrapper.__doc__ = fixture.__doc__
    wrapper.__module__ = fixture.__module__
    return wrapper


def cached(request, build, *, name):
    """``build()``'s value; built once per process for each set of fixtures it stands on.
    ``name`` tells builders apart (two modules may each have a fixture ``results``)."""
    clock = request.getfixturevalue("suite_clock")
    if not ENABLED or clock is None:
        return build()
    below = _below(request, request.fixturename)
    if below is None:
        return build()
    # Every fixture set up before, by its definition: one that holds no rows may still
    # change what the build writes (a module's fixture that switches the language).
    key = (connection.vendor, name, translation.get_language(), _before(request))
    counts = _counts()
    snapshot = _snapshots.get(key, False)
    if snapshot is None:  # known not to be kept
        return build()
    if snapshot is not False:
        if snapshot.counts == counts:
            restored = _restore(snapshot, below, clock, counts)
            if restored is not None:
                return restored[0]
        return build()
    sent = len(getattr(mail, "outbox", []))
    kept_before = _cache_state()
    value = build()
    _snapshots[key] = _dump(below, value, counts, sent, kept_before)
    return value


# ------------------------------------------------------------------ the fixtures below


def _below(request, name):
    """The values of the function-scoped fixtures set up before this one, in order, that
    hold rows ({name: value}); None when one of them holds rows among things this module
    cannot carry."""
    below = {}
    for fixture, definition in request._fixture_defs.items():
        if fixture == name or definition.scope != "function" or definition.cached_result is None:
            continue
        value = definition.cached_result[0]
        kind = _kind(value)
        if kind == "rows":
            below[fixture] = value
        elif kind == "mixed":
            return None
    return below


def _kind(value, depth=0):
    """ "rows" for a model instance or containers of them (with plain values), "plain" for
    values without rows, "mixed" for rows next to things of other kinds, "other"."""
    if isinstance(value, Model):
        return "rows"
    if value is None or isinstance(value, SCALARS):
        return "plain"
    if isinstance(value, (dict, list, tuple)) and depth < 5:
        items = value.values() if isinstance(value, dict) else value
        kinds = {_kind(item, depth + 1) for item in items}
        if "mixed" in kinds or ("rows" in kinds and "other" in kinds):
            return "mixed"
        return "rows" if "rows" in kinds else ("other" if "other" in kinds else "plain")
    return "other"


def _before(request):
    """The fixtures set up before this one, in order: (name, definition, parameter)."""
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    own = getattr(request, "fixturename", None)
    return tuple(
        (
            fixture,
            f"{definition.baseid}:{getattr(definition.func, '__module__', '')}"
            f".{getattr(definition.func, '__qualname__', '')}",
            repr(params[fixture]) if fixture in params else "",
        )
        for fixture, definition in request._fixture_defs.items()
        if fixture != own and definition.scope == "function" and definition.cached_result
    ) + ((own, "", repr(params[own])) if own in params else ())


def _adopt(current, saved):
    """Make ``current`` (a fixture's value in this test) hold what ``saved`` held after the
    build, in place: every model instance in it takes the saved instance's state."""
    if isinstance(current, Model):
        current.__dict__ = saved.__dict__
    elif isinstance(current, dict):
        for key in current:
            if isinstance(current[key], (Model, dict, list, tuple)):
                _adopt(current[key], saved[key])
            else:
                current[key] = saved[key]
    elif isinstance(current, (list, tuple)):
        for n, item in enumerate(current):
            if isinstance(item, (Model, dict, list, tuple)):
                _adopt(item, saved[n])
            elif isinstance(current, list):
                current[n] = saved[n]


def _same_shape(current, saved):
    if isinstance(current, Model):
        return type(saved) is type(current)
    if isinstance(current, dict):
        return (
            isinstance(saved, dict)
            and set(saved) == set(current)
            and all(_same_shape(current[k], saved[k]) for k in current)
        )
    if isinstance(current, (list, tuple)):
        return (
            type(saved) is type(current)
            and len(saved) == len(current)
            and all(_same_item(current, a, b) for a, b in zip(current, saved, strict=True))
        )
    return True


def _same_item(container, current, saved):
    if isinstance(container, tuple) and not isinstance(current, (Model, dict, list, tuple)):
        return current == saved  # a plain value in a tuple cannot be replaced in place
    return _same_shape(current, saved)


# ------------------------------------------------------------------ dump and restore


def _counts():
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = _tables(cursor)
        counts = {}
        for start in range(0, len(tables), 100):  # SQLite takes at most 500 terms in a UNION
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT '{t}', COUNT(*) FROM {quote(t)}"  # noqa: S608
                    for t in tables[start : start + 100]
                )
            )
            counts.update((table, n) for table, n in cursor.fetchall() if n)
    return counts


def _cache_state():
    store = getattr(cache, "_cache", None)
    return None if store is None else dict(store)


def _dump(below, value, counts, sent, kept_before):
    if kept_before is None or _cache_state() != kept_before:
        return None  # the build left something in the cache: not carried
    try:
        values = pickle.dumps(
            (below, value, list(getattr(mail, "outbox", []))[sent:]),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    with connection.cursor() as cursor:
        tables = [(t, *_read_table(cursor, t)) for t in _in_parent_order(list(_counts()))]
        sequences = _read_sequences(cursor)
    files = Path(tempfile.mkdtemp(prefix="snapshot-", dir=_root()))
    for name in STORAGES:
        root = Path(storages[name].location)
        if root.exists():
            shutil.copytree(root, files / name)
    return Snapshot(
        counts=counts,
        tables=tables,
        sequences=sequences,
        clock=timezone.now(),
        values=values,
        files=files,
    )


def _restore(snapshot, below, clock, filled):
    """(the fixture's value,) with the database, files and clock as the build left them;
    None when the fixtures below do not match the saved ones."""
    saved_below, value, sent = pickle.loads(snapshot.values)  # noqa: S301  (dumped above)
    if set(saved_below) != set(below) or not all(
        _same_shape(below[k], saved_below[k]) for k in below
    ):
        return None
    put_back(_in_parent_order(list(filled)), snapshot.tables, snapshot.sequences, snapshot.files)
    for key, current in below.items():
        _adopt(current, saved_below[key])
    if hasattr(mail, "outbox"):
        mail.outbox.extend(sent)
    if timezone.now() < snapshot.clock:
        # In the zone the suite clock set: time-machine mocks the process's zone only
        # for such a destination, and date.today() (auto_now_add dates) reads it.
        clock.move_to(snapshot.clock.astimezone(timezone.get_current_timezone()))
    return (value,)


def _root():
    global _files_root
    if _files_root is None:
        _files_root = Path(tempfile.mkdtemp(prefix="eldercare-snapshots-"))
        atexit.register(shutil.rmtree, _files_root, True)
    return _files_root
