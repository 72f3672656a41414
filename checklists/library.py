"""The standard checklist library shipped in checklists/library/*.yaml."""

from pathlib import Path

import yaml

from .exchange import dump, export_document, import_document, load
from .models import ChecklistTemplate

LIBRARY_DIR = Path(__file__).resolve().parent / "library"


def _comparable(document):
    document = yaml.safe_load(dump(document))
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
        if current is not None and _comparable(export_document(current)) == _comparable(
            document
        ):
            unchanged.append(code)
            continue
        import_document(document, publish=True, by=by)
        published.append(code)
    return published, unchanged
