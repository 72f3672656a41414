"""The rooms of the house and the one way imports flow (docs/architecture.md).

A module may import only from its own room and rooms to its left. Inside inspections/, the
sub-domains share one app's models (a draw creates inspections, a visit re-checks open
hazards), but their services, selectors, views and filters import only from their own and
earlier sub-domains. Imports inside functions count too: a dependency hidden in a function
is still a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ["core", "registry", "checklists", "inspections", "workflows", "reports", "audit", "portal"]
SUB_DOMAINS = ["planning", "onsite", "hazards", "publication"]


def _modules(room):
    for path in sorted((ROOT / room).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _room_violations(room):
    allowed = set(ROOMS[: ROOMS.index(room) + 1])
    for path in _modules(room):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top in ROOMS and top not in allowed:
                yield f"{path.relative_to(ROOT)}:{line} imports {name}"


@pytest.mark.parametrize("room", ROOMS)
def test_a_room_imports_only_from_rooms_to_its_left(room):
    assert list(_room_violations(room)) == []


def _sub_domain(name):
    """The sub-domain whose code ``name`` is; None for models and outside inspections."""
    parts = name.split(".")
    if parts[2:3] == ["models"]:
        return None
    if len(parts) > 1 and parts[0] == "inspections" and parts[1] in SUB_DOMAINS:
        return parts[1]
    return None


@pytest.mark.parametrize("sub_domain", SUB_DOMAINS)
def test_a_sub_domain_imports_only_from_earlier_ones(sub_domain):
    allowed = set(SUB_DOMAINS[: SUB_DOMAINS.index(sub_domain) + 1])
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules(f"inspections/{sub_domain}")
        for line, name in _imports(path)
        if _sub_domain(name) not in (None, *allowed)
    ]
    assert found == []


def test_selectors_never_import_services():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for room in ROOMS
        for path in _modules(room)
        if path.stem == "selectors"
        for line, name in _imports(path)
        if "services" in name.split(".")
    ]
    assert found == []
