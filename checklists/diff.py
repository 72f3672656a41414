"""Compare two versions of a checklist item by item (matched by item code)."""

from dataclasses import dataclass, field

from .exchange import _item_document

SECTION_KEY = "section"


@dataclass
class VersionDiff:
    added: list = field(default_factory=list)  # item documents only in the newer version
    removed: list = field(default_factory=list)  # item documents only in the older version
    changed: list = field(default_factory=list)  # (code, [(key, old, new)])
    scoring: list = field(default_factory=list)  # [(key, old, new)]

    @property
    def is_empty(self):
        return not (self.added or self.removed or self.changed or self.scoring)


def _items(version):
    items = version.items.select_related("section").order_by("section__position", "position")
    result = {}
    for item in items:
        doc = _item_document(item)
        doc[SECTION_KEY] = item.section.title
        result[item.code] = doc
    return result


def version_diff(old, new):
    old_items, new_items = _items(old), _items(new)
    diff = VersionDiff()
    diff.added = [doc for code, doc in new_items.items() if code not in old_items]
    diff.removed = [doc for code, doc in old_items.items() if code not in new_items]
    for code, doc in new_items.items():
        if code not in old_items:
            continue
        before = old_items[code]
        keys = list(dict.fromkeys([*before, *doc]))
        changes = [(k, before.get(k), doc.get(k)) for k in keys if before.get(k) != doc.get(k)]
        if changes:
            diff.changed.append((code, changes))
    for key in ("pass_threshold", "basic_threshold"):
        if getattr(old, key) != getattr(new, key):
            diff.scoring.append((key, getattr(old, key), getattr(new, key)))
    return diff
