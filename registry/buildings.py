"""The buildings of a facility written as text, the way the import sheet and the
facility form take them: one building per line (or separated by ；), each
``名称/层数/建筑面积（m²）/可容纳人数``, e.g. ``1号楼/3/2400/120；2号楼/1/180/20``.
Units may be written after the numbers (3层, 2400㎡, 2400平方米, 120人)."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BUILDINGS = 50
MAX_AREA = Decimal(10_000_000)
MAX_CAPACITY = 100_000
SEPARATORS = re.compile(r"[；;\n\r]+")
FIELD_SEPARATORS = re.compile(r"\s*[/／]\s*")


def _number(text, units):
    text = text.replace(",", "").replace("，", "").strip()
    for unit in units:
        text = text.removesuffix(unit).strip()
    return text


def parse(text):
    """[{"name", "floors", "floor_area", "capacity"}] from ``text``; a ValidationError
    names the building (its position and text) and what is wrong."""
    parts = [p.strip() for p in SEPARATORS.split(text or "") if p.strip()]
    if len(parts) > MAX_BUILDINGS:
        raise ValidationError(_("At most %(n)d buildings can be listed.") % {"n": MAX_BUILDINGS})
    buildings, names = [], set()
    for number, part in enumerate(parts, 1):

        def refuse(reason, number=number, part=part):
            return ValidationError(
                _("Building %(n)d (“%(text)s”): %(reason)s")
                % {"n": number, "text": part[:60], "reason": reason}
            )

        fields = FIELD_SEPARATORS.split(part)
        if len(fields) != 4:
            raise refuse(
                _("write name/floors/floor area in m²/resident capacity, e.g. 1号楼/3/2400/120.")
            )
        name, floors, area, capacity = fields
        if not name or len(name) > 100:
            raise refuse(_("the name must have 1 to 100 characters."))
        if name in names:
            raise refuse(_("the same name is listed twice."))
        names.add(name)
        floors = _number(floors, ["层"])
        if not floors.isdigit() or not 1 <= int(floors) <= 200:
            raise refuse(_("the floors must be a whole number from 1 to 200."))
        try:
            area = Decimal(_number(area, ["平方米", "㎡", "m²", "m2", "平米"]))
        except InvalidOperation:
            area = None
        if area is None or not area.is_finite() or not 1 <= area <= MAX_AREA:
            raise refuse(_("the floor area must be a number of m² from 1 to 10,000,000."))
        capacity = _number(capacity, ["人", "床"])
        if not capacity.isdigit() or int(capacity) > MAX_CAPACITY:
            raise refuse(_("the resident capacity must be a whole number from 0 to 100,000."))
        buildings.append(
            {
                "name": name,
                "floors": int(floors),
                "floor_area": area.quantize(Decimal("0.01")),
                "capacity": int(capacity),
            }
        )
    return buildings


def _plain(value):
    value = Decimal(value).normalize()
    return format(value, "f")


def format_buildings(buildings):
    """The text ``parse`` reads back, one building per line."""
    return "\n".join(f"{b.name}/{b.floors}/{_plain(b.floor_area)}/{b.capacity}" for b in buildings)


def as_values(buildings):
    """Comparable values of stored buildings, to tell whether an import changes them."""
    return [
        {
            "name": b.name,
            "floors": b.floors,
            "floor_area": Decimal(b.floor_area).quantize(Decimal("0.01")),
            "capacity": b.capacity,
        }
        for b in buildings
    ]
