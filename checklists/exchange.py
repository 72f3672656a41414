"""The checklist exchange format (YAML or JSON), documented in docs/checklist-format.md.

Parsing keeps the line number of every mapping, so a bad file is refused with
the line and the reason, and nothing is written.
"""

import json
from decimal import Decimal

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import Department

from . import services
from .models import Category, ChecklistTemplate, Item
from .rules import RuleError, validate_rule

FORMAT = "care-safety-checklist/1"
DEADLINE_IMMEDIATE = "immediate"


class ChecklistFileError(ValueError):
    def __init__(self, line, message):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


class _LineDict(dict):
    line = 0

    def __init__(self):
        super().__init__()
        self.key_lines = {}


class _Loader(yaml.SafeLoader):
    """SafeLoader that remembers where each mapping starts."""


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = _LineDict()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise ChecklistFileError(
                key_node.start_mark.line + 1, _("Key “%(key)s” appears twice.") % {"key": key}
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    mapping.line = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ---------------------------------------------------------------- export


def _number(value):
    if value is None:
        return None
    value = Decimal(value).normalize()
    return int(value) if value == value.to_integral() else float(value)


def _item_document(item):
    doc = {"code": item.code, "question": item.question}
    if item.question_en:
        doc["question_en"] = item.question_en
    if item.guidance:
        doc["guidance"] = item.guidance
    doc["legal_basis"] = item.legal_basis
    doc["answer"] = str(item.answer_type)
    if item.answer_type == Item.AnswerType.NUMBER:
        if item.unit:
            doc["unit"] = item.unit
        if item.min_value is not None:
            doc["min"] = _number(item.min_value)
        if item.max_value is not None:
            doc["max"] = _number(item.max_value)
    if item.answer_type == Item.AnswerType.CHOICE:
        doc["choices"] = [
            {"value": c["value"], "label": c.get("label", c["value"]), "passes": c["passes"]}
            for c in item.choices
        ]
    doc["hazard"] = str(item.hazard)
    doc["deadline"] = item.deadline_days or DEADLINE_IMMEDIATE
    if item.stop_use:
        # Written only when set, like applies_if: files that predate it stay unchanged.
        doc["stop_use"] = True
    doc["photo_on_fail"] = item.photo_on_fail
    doc["photo_on_pass"] = item.photo_on_pass
    doc["weight"] = item.weight
    if item.applies_if:
        doc["applies_if"] = dict(item.applies_if)
    return doc


def export_document(version):
    """The version as a plain dict in the exchange format."""
    template = version.template
    sections = []
    items = list(version.items.select_related("section").order_by("position", "pk"))
    for section in version.sections.order_by("position", "pk"):
        doc = {"title": section.title}
        if section.applies_if:
            doc["applies_if"] = dict(section.applies_if)
        doc["items"] = [_item_document(i) for i in items if i.section_id == section.pk]
        sections.append(doc)
    return {
        "format": FORMAT,
        "template": {
            "code": template.code,
            "title": template.title,
            "category": str(template.category),
            "department": str(template.department),
            **({"description": template.description} if template.description else {}),
        },
        "version": {
            "number": version.number,
            "status": str(version.status),
            "published_at": version.published_at.isoformat() if version.published_at else None,
            "change_note": version.change_note,
        },
        "scoring": {
            "pass_threshold": version.pass_threshold,
            "basic_threshold": version.basic_threshold,
        },
        "sections": sections,
    }


def dump(document, fmt="yaml"):
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


# ---------------------------------------------------------------- import


# A checklist nests seven levels deep (document, sections, section, items, item,
# choices, choice) plus a rule; PyYAML builds nested collections recursively, so a
# file nested thousands deep would exhaust the stack. Both limits are checked on the
# event stream, which PyYAML produces without recursion, before anything is built.
MAX_NESTING = 20
MAX_DOCUMENT_CHARS = 1_000_000


def _check_shape(text):
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ChecklistFileError(
            0,
            _("The file is too large: at most %(n)d characters are accepted.")
            % {"n": MAX_DOCUMENT_CHARS},
        )
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise ChecklistFileError(
                    event.start_mark.line + 1,
                    _("The file is nested more than %(n)d levels deep.") % {"n": MAX_NESTING},
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load(text):
    """Parse YAML or JSON (JSON is YAML) text, keeping line numbers."""
    try:
        _check_shape(text)
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except ChecklistFileError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ChecklistFileError(
            mark.line + 1 if mark else 0,
            _("The file is not valid YAML or JSON: %(problem)s") % {"problem": exc.problem},
        ) from None
    except yaml.YAMLError as exc:
        message = _("The file is not valid YAML or JSON: %(e)s") % {"e": exc}
        raise ChecklistFileError(0, message) from None
    if not isinstance(document, dict):
        raise ChecklistFileError(1, _("The file must hold one checklist mapping."))
    return document


KNOWN_KEYS = {
    "document": {"format", "template", "version", "scoring", "sections"},
    "template": {"code", "title", "category", "department", "description"},
    "version": {"number", "status", "published_at", "change_note"},
    "scoring": {"pass_threshold", "basic_threshold"},
    "section": {"title", "applies_if", "items"},
    "item": {
        "code",
        "question",
        "question_en",
        "guidance",
        "legal_basis",
        "answer",
        "unit",
        "min",
        "max",
        "choices",
        "hazard",
        "deadline",
        "stop_use",
        "photo_on_fail",
        "photo_on_pass",
        "weight",
        "applies_if",
    },
    "choice": {"value", "label", "passes"},
}
MAX_LENGTHS = {"code": 40, "legal_basis": 300, "title": 200, "unit": 20}


def _known(mapping, level):
    """Refuse a misspelt key instead of silently using a default for it."""
    for key in mapping:
        if key not in KNOWN_KEYS[level]:
            raise ChecklistFileError(
                _at(mapping, key, _line(mapping)),
                _("Unknown key “%(key)s”; allowed here: %(allowed)s.")
                % {"key": key, "allowed": ", ".join(sorted(KNOWN_KEYS[level]))},
            )


def _short(mapping, key, value, line):
    limit = MAX_LENGTHS.get(key)
    if limit and len(value) > limit:
        raise ChecklistFileError(
            _at(mapping, key, line),
            _("“%(key)s” is longer than %(n)d characters.") % {"key": key, "n": limit},
        )
    return value


def _line(mapping, parent=None):
    return getattr(mapping, "line", 0) or getattr(parent, "line", 0)


def _at(mapping, key, line):
    """The line of ``key`` in ``mapping``, or ``line`` when the key is absent."""
    return getattr(mapping, "key_lines", {}).get(key, line)


def _require(mapping, key, line, kind=str):
    value = mapping.get(key)
    if value is None or (kind is str and not str(value).strip()):
        raise ChecklistFileError(line, _("“%(key)s” is missing.") % {"key": key})
    if kind is str and not isinstance(value, str):
        value = str(value)
    if kind is not str and not isinstance(value, kind):
        raise ChecklistFileError(
            _at(mapping, key, line), _("“%(key)s” has the wrong type.") % {"key": key}
        )
    return value


def _choice(mapping, key, default, choices, line):
    value = mapping.get(key, default)
    line = _at(mapping, key, line)
    if value not in choices:
        raise ChecklistFileError(
            line,
            _("Unknown %(key)s “%(value)s”; allowed: %(allowed)s.")
            % {"key": key, "value": value, "allowed": ", ".join(choices)},
        )
    return value


def _rule(mapping, line):
    rule = mapping.get("applies_if") or {}
    try:
        validate_rule(rule)
    except RuleError as exc:
        rule_line = getattr(rule, "line", 0) or _at(mapping, "applies_if", line)
        raise ChecklistFileError(rule_line, str(exc)) from None
    return dict(rule)


def _bool(mapping, key, default, line):
    value = mapping.get(key, default)
    if not isinstance(value, bool):
        raise ChecklistFileError(
            _at(mapping, key, line), _("“%(key)s” must be true or false.") % {"key": key}
        )
    return value


def _item_values(doc, section_line):
    line = _line(doc, section_line)
    if not isinstance(doc, dict):
        raise ChecklistFileError(_line(section_line), _("Each item must be a mapping."))
    _known(doc, "item")
    values = {
        "code": _short(doc, "code", _require(doc, "code", line).strip(), line),
        "question": _require(doc, "question", line).strip(),
        "question_en": str(doc.get("question_en") or ""),
        "guidance": str(doc.get("guidance") or ""),
        "legal_basis": _short(doc, "legal_basis", _require(doc, "legal_basis", line).strip(), line),
        "answer_type": _choice(
            doc, "answer", Item.AnswerType.PASS_FAIL, Item.AnswerType.values, line
        ),
        "unit": _short(doc, "unit", str(doc.get("unit") or ""), line),
        "min_value": None,
        "max_value": None,
        "choices": [],
        "hazard": _choice(doc, "hazard", Item.Hazard.GENERAL, Item.Hazard.values, line),
        "stop_use": _bool(doc, "stop_use", False, line),
        "photo_on_fail": _bool(doc, "photo_on_fail", True, line),
        "photo_on_pass": _bool(doc, "photo_on_pass", False, line),
        "applies_if": _rule(doc, line),
    }
    deadline = doc.get("deadline", 15)
    if deadline == DEADLINE_IMMEDIATE:
        values["deadline_days"] = 0
    elif isinstance(deadline, int) and not isinstance(deadline, bool) and 0 <= deadline <= 130:
        values["deadline_days"] = deadline
    else:
        raise ChecklistFileError(
            _at(doc, "deadline", line),
            _("“deadline” must be “immediate” or a number of working days up to 130."),
        )
    weight = doc.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
        raise ChecklistFileError(
            _at(doc, "weight", line), _("“weight” must be a whole number from 0 to 100.")
        )
    values["weight"] = weight
    if values["answer_type"] == Item.AnswerType.NUMBER:
        for key, name in (("min", "min_value"), ("max", "max_value")):
            value = doc.get(key)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ChecklistFileError(
                        _at(doc, key, line), _("“%(key)s” must be a number.") % {"key": key}
                    )
                values[name] = Decimal(str(value))
        if values["min_value"] is None and values["max_value"] is None:
            raise ChecklistFileError(line, _("A number item needs “min” or “max”."))
        if (
            values["min_value"] is not None
            and values["max_value"] is not None
            and values["min_value"] > values["max_value"]
        ):
            raise ChecklistFileError(_at(doc, "max", line), _("“max” is below “min”."))
    if values["answer_type"] == Item.AnswerType.CHOICE:
        choices = doc.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise ChecklistFileError(line, _("A choice item needs a list of at least two choices."))
        for choice in choices:
            choice_line = _line(choice, doc)
            if not isinstance(choice, dict) or "value" not in choice:
                raise ChecklistFileError(choice_line, _("Each choice needs a “value”."))
            _known(choice, "choice")
            values["choices"].append(
                {
                    "value": str(choice["value"]),
                    "label": str(choice.get("label", choice["value"])),
                    "passes": _bool(choice, "passes", True, choice_line),
                }
            )
    return values, line


def parse_document(document):
    """Validate a loaded document; return (template values, version values, sections)."""
    if document.get("format", FORMAT) != FORMAT:
        raise ChecklistFileError(
            _line(document), _("Unknown format “%(f)s”.") % {"f": document.get("format")}
        )
    _known(document, "document")
    template_doc = document.get("template")
    if not isinstance(template_doc, dict):
        raise ChecklistFileError(_line(document), _("“template” is missing."))
    _known(template_doc, "template")
    tline = _line(template_doc, document)
    template = {
        "code": _require(template_doc, "code", tline).strip(),
        "title": _short(
            template_doc, "title", _require(template_doc, "title", tline).strip(), tline
        ),
        "category": _choice(template_doc, "category", None, Category.values, tline),
        "department": _choice(template_doc, "department", None, Department.Kind.values, tline),
        "description": str(template_doc.get("description") or ""),
    }
    scoring = document.get("scoring") or {}
    if not isinstance(scoring, dict):
        raise ChecklistFileError(_at(document, "scoring", 0), _("“scoring” must be a mapping."))
    _known(scoring, "scoring")
    if isinstance(document.get("version"), dict):
        _known(document["version"], "version")
    sline = _line(scoring, document)
    version = {
        "pass_threshold": scoring.get("pass_threshold", 85),
        "basic_threshold": scoring.get("basic_threshold", 70),
        "change_note": str((document.get("version") or {}).get("change_note") or ""),
    }
    for key in ("pass_threshold", "basic_threshold"):
        value = version[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise ChecklistFileError(
                sline, _("“%(key)s” must be a whole number from 0 to 100.") % {"key": key}
            )
    if version["basic_threshold"] > version["pass_threshold"]:
        raise ChecklistFileError(sline, _("“basic_threshold” cannot exceed “pass_threshold”."))
    sections_doc = document.get("sections")
    if not isinstance(sections_doc, list) or not sections_doc:
        raise ChecklistFileError(_line(document), _("“sections” must list at least one section."))
    sections = []
    seen = {}
    for section_doc in sections_doc:
        line = _line(section_doc, document)
        if not isinstance(section_doc, dict):
            raise ChecklistFileError(line, _("Each section must be a mapping."))
        _known(section_doc, "section")
        title = _short(section_doc, "title", _require(section_doc, "title", line).strip(), line)
        items_doc = section_doc.get("items")
        if not isinstance(items_doc, list) or not items_doc:
            raise ChecklistFileError(
                line, _("Section “%(title)s” has no items.") % {"title": title}
            )
        items = []
        for item_doc in items_doc:
            values, item_line = _item_values(item_doc, section_doc)
            if values["code"] in seen:
                raise ChecklistFileError(
                    item_line,
                    _("Item code “%(code)s” is used twice (first on line %(first)d).")
                    % {"code": values["code"], "first": seen[values["code"]]},
                )
            seen[values["code"]] = item_line
            items.append(values)
        sections.append({"title": title, "applies_if": _rule(section_doc, line), "items": items})
    return template, version, sections


@transaction.atomic
def import_document(document, *, publish=False, by=None, region=None):
    """Create a new draft (or published) version from a loaded document. A new template
    is owned by ``region``, or shared (the standard library) without one."""
    template_values, version_values, sections = parse_document(document)
    template = ChecklistTemplate.objects.filter(code=template_values["code"]).first()
    if template is None:
        template = services.template_create(**template_values, region=region, by=by)
    elif region is not None and template.region_id != region.pk:
        raise ChecklistFileError(
            0,
            _("Checklist “%(code)s” exists and is not owned by %(region)s.")
            % {"code": template.code, "region": region.name},
        )
    else:
        changed = {k: v for k, v in template_values.items() if getattr(template, k) != v}
        if changed:
            for name, value in changed.items():
                setattr(template, name, value)
            template.full_clean()
            template._history_user = by
            template.save()
    version = services.version_new_draft(
        template=template, change_note=version_values["change_note"], by=by
    )
    services.version_update(
        version=version,
        values={k: version_values[k] for k in ("pass_threshold", "basic_threshold")},
        by=by,
    )
    for section_values in sections:
        section = services.section_save(
            version=version,
            values={"title": section_values["title"], "applies_if": section_values["applies_if"]},
            by=by,
        )
        for item_values in section_values["items"]:
            services.item_save(section=section, values=item_values, by=by)
    if publish:
        version = services.version_publish(version=version, by=by)
    return version


def import_text(text, *, publish=False, by=None, region=None):
    """Load, validate and import; ChecklistFileError for any problem, nothing written."""
    document = load(text)
    parse_document(document)  # every problem is found before anything is written
    try:
        return import_document(document, publish=publish, by=by, region=region)
    except ValidationError as exc:
        raise ChecklistFileError(0, "; ".join(exc.messages)) from None
