"""The standard checklist library shipped in checklists/library/*.yaml."""

import json
from pathlib import Path

from .exchange import export_document, import_document, load
from .models import ChecklistTemplate

LIBRARY_DIR = Path(__file__).resolve().parent / "library"


def _comparable(document):
    # A plain-JSON copy: loaded documents carry line numbers in dict subclasses.
    document = json.loads(json.dumps(document, default=str))
    document.pop("version", None)
    return document


def library_files():
    return sorted(LIBRARY_DIR.glob("*.yaml"))


def load_library(*, by=None):
    """Publish each library file whose content differs from its template's current
    version. Returns (published codes, unchanged codes); running it twice publishes
    nothing the second time."""
    published, unchanged = [], []
    for path in library_files():
        document = load(path.read_text(encoding="utf-8"))
        code = document["template"]["code"]
        template = ChecklistTemplate.objects.filter(code=code).first()
        current = template.current_version if template else None
        if current is not None and _comparable(export_document(current)) == _comparable(document):
            unchanged.append(code)
            continue
        import_document(document, publish=True, by=by)
        published.append(code)
    return published, unchanged
