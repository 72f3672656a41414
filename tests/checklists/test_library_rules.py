"""The corrected standard library and the facility attributes its rules read: which
facilities see FIRE-04/07/08/09 and the gas, lift, boiler and oxygen items; the 13号
catch-all; the stop-use items; stop_use through export and import."""

from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from checklists import services
from checklists.exchange import load, parse_document
from checklists.library import library_files, load_library
from checklists.models import ChecklistVersion, Item
from checklists.rules import RuleError, applies, describe, validate_rule
from checklists.scoring import applicable_items
from registry import services as registry_services
from registry.models import Facility, GasSupply, with_building_figures

STOP_USE = {"FIRE-02", "BLD-01", "BLD-08", "BLD-10", "BLD-11", "MED-01"}


@pytest.fixture(scope="module")
def library_items():
    """{code: (section rule, item values)} from the shipped files, without a database."""
    items = {}
    for path in library_files():
        _template, _version, sections = parse_document(load(path.read_text(encoding="utf-8")))
        for section in sections:
            for item in section["items"]:
                items[item["code"]] = (section["applies_if"], item)
    return items


def facility(*, largest=None, total=None, **values):
    """An unsaved facility whose buildings' figures are given."""
    base = {"type": Facility.Type.CARE_HOME, "beds": 0, "floors": 1}
    home = Facility(**{**base, **values})
    home.__dict__["building_figures"] = (largest, total)
    return home


def shown(library_items, code, home):
    section_rule, item = library_items[code]
    return applies(section_rule, home) and applies(item["applies_if"], home)


# ---------------------------------------------------------------- rules


def test_rules_on_the_new_attributes_select_the_right_facilities():
    piped = facility(gas_supply=GasSupply.PIPED, lifts=0, has_boiler=False, capacity=30)
    no_gas = facility(gas_supply=GasSupply.NONE, lifts=2, has_boiler=True, capacity=12)
    unknown = facility()  # nothing recorded
    uses_gas = {"gas_supply__in": ["piped", "bottled"]}
    assert applies(uses_gas, piped) and not applies(uses_gas, no_gas)
    assert applies({"lifts__gte": 1}, no_gas) and not applies({"lifts__gte": 1}, piped)
    assert applies({"has_boiler": True}, no_gas) and not applies({"has_boiler": True}, piped)
    assert applies({"capacity__gte": 20}, piped) and not applies({"capacity__gte": 20}, no_gas)
    for rule in (uses_gas, {"lifts__gte": 1}, {"has_oxygen": True}, {"capacity__lt": 20}):
        assert applies(rule, unknown), "an attribute not recorded never hides an item"
    big = facility(largest=2400, total=2580)
    small = facility(largest=180, total=180)
    assert applies({"largest_building_area__gt": 200}, big)
    assert not applies({"largest_building_area__gt": 200}, small)
    assert applies({"total_building_area__gte": 2500}, big)


def test_any_of_holds_when_one_alternative_holds_and_is_validated():
    rule = {"any_of": [{"lifts__gte": 1}, {"has_boiler": True}], "type": "care_home"}
    validate_rule(rule)
    assert applies(rule, facility(lifts=0, has_boiler=True))
    assert not applies(rule, facility(lifts=0, has_boiler=False))
    assert not applies(rule, facility(lifts=1, type=Facility.Type.COMMUNITY))
    assert "≥ 1" in describe(rule), "each alternative is described"
    for bad, reason in (
        ({"any_of": [{"lifts__gte": 1}]}, "list of 2 to"),
        ({"any_of": {"lifts__gte": 1}}, "list of 2 to"),
        ({"any_of": [{"lifts__gte": 1}, {"any_of": [{"beds": 1}, {"beds": 2}]}]}, "nested"),
        ({"any_of": [{"lifts__gte": 1}, {"gas_supply": "coal"}]}, "not a valid gas_supply"),
        ({"largest_building_area__gt": "big"}, "whole number"),
    ):
        with translation.override("en"), pytest.raises(RuleError, match=reason):
            validate_rule(bad)


# ---------------------------------------------------------------- the library


def test_fire_04_applies_unless_the_single_exit_exception_can_hold(library_items):
    # GB 50016 5.5.8 item 1: single storey, ≤ 200 m², ≤ 50 people.
    tiny = facility(floors=1, capacity=30, largest=180, total=180)
    assert not shown(library_items, "FIRE-04", tiny)
    assert shown(library_items, "FIRE-04", facility(floors=2, capacity=30, largest=180))
    assert shown(library_items, "FIRE-04", facility(floors=1, capacity=30, largest=450))
    assert shown(library_items, "FIRE-04", facility(floors=1, capacity=60, largest=180))
    assert shown(library_items, "FIRE-04", facility(floors=1, capacity=30)), "no buildings"
    guidance = library_items["FIRE-04"][1]["guidance"]
    assert "托儿所、幼儿园" in guidance and "200" in guidance and "50" in guidance
    assert "不适用单个安全出口" not in guidance


def test_fire_07_08_09_follow_capacity_not_beds(library_items):
    # 12 beds in use but room for 40: a 老年人照料设施 (JGJ 450-2018 1.0.2).
    roomy = facility(beds=12, capacity=40, largest=1500)
    assert shown(library_items, "FIRE-07", roomy)
    assert shown(library_items, "FIRE-09", roomy)
    assert not shown(library_items, "FIRE-08", roomy)
    small = facility(beds=25, capacity=15, largest=300)
    assert not shown(library_items, "FIRE-07", small)
    assert not shown(library_items, "FIRE-09", small)
    assert shown(library_items, "FIRE-08", small)
    for code in ("FIRE-07", "FIRE-08", "FIRE-09"):
        assert "beds" not in str(library_items[code][1]["applies_if"]), code
        assert "JGJ 450" in library_items[code][1]["legal_basis"], code


def test_gas_lift_boiler_and_oxygen_items_follow_the_attributes(library_items):
    plain = facility(gas_supply=GasSupply.NONE, lifts=0, has_boiler=False, has_oxygen=False)
    for code in ("FIRE-22", "BLD-08", "BLD-09", "BLD-10", "BLD-11", "BLD-12", "MED-17"):
        assert not shown(library_items, code, plain), code
    equipped = facility(
        floors=3, gas_supply=GasSupply.BOTTLED, lifts=1, has_boiler=True, has_oxygen=True
    )
    for code in ("FIRE-22", "BLD-08", "BLD-09", "BLD-10", "BLD-11", "BLD-12", "MED-17"):
        assert shown(library_items, code, equipped), code
    assert shown(library_items, "BLD-12", facility(has_oxygen=True, lifts=0, has_boiler=False))


def test_fire_01_is_split_by_who_determined_the_defect(library_items):
    assert "FIRE-01" not in library_items, "a retired code is not reused"
    department, third_party, own = (
        library_items[c][1] for c in ("FIRE-01A", "FIRE-01B", "FIRE-01C")
    )
    assert department["hazard"] == third_party["hazard"] == "major"
    assert own["hazard"] == "general"
    assert "住房城乡建设" in department["question"] and "第三方" in third_party["question"]
    for item in (department, third_party, own):
        assert "第四条(二)" in item["legal_basis"]


def test_the_catch_all_other_major_hazard_exists_and_is_major(library_items):
    [catch_all] = [item for _rule, item in library_items.values() if "群死群伤" in item["question"]]
    assert catch_all["code"] == "ADM-22"
    assert catch_all["hazard"] == "major"
    assert catch_all["applies_if"] == {}
    assert "13号" in catch_all["legal_basis"]


def test_the_stop_use_items_are_flagged(library_items):
    flagged = {code for code, (_rule, item) in library_items.items() if item["stop_use"]}
    assert flagged == STOP_USE
    for code in STOP_USE:
        item = library_items[code][1]
        assert item["hazard"] == "major", code
        assert "停止" in item["guidance"], code


# ---------------------------------------------------------------- in the database


def test_the_loaded_library_selects_items_for_real_facilities(world):
    load_library()
    assert (
        set(
            Item.objects.filter(version__status="published", stop_use=True).values_list(
                "code", flat=True
            )
        )
        == STOP_USE
    )
    fire = ChecklistVersion.objects.get(template__code="std-fire", status="published")
    home = world["facility"]
    registry_services.facility_save(
        facility=home,
        values={"capacity": 40, "floors": 1, "gas_supply": GasSupply.NONE},
        buildings=[{"name": "平房", "floors": 1, "floor_area": Decimal(180), "capacity": 40}],
    )
    [annotated] = with_building_figures(Facility.objects.filter(pk=home.pk))
    codes = {item.code for item in applicable_items(fire, annotated)}
    assert {"FIRE-07", "FIRE-09"} <= codes
    assert not codes & {"FIRE-04", "FIRE-08", "FIRE-22"}
    # Read for many facilities at once: the building figures come with the query.
    many = list(with_building_figures(Facility.objects.all()))
    items = list(fire.items.select_related("section"))
    with_none = [f for f in many if f.pk != home.pk]
    with CaptureQueriesContext(connection) as queries:
        for each in many:
            applicable_items(fire, each, items)
    assert len(queries) == 0
    for each in with_none:
        assert "FIRE-04" in {i.code for i in applicable_items(fire, each, items)}

    # Loading the same files again publishes nothing.
    assert load_library()[0] == []


def test_export_and_import_keep_stop_use(published, tmp_path):
    draft = services.version_new_draft(template=published.template, from_version=published)
    item = draft.items.get(code="F-02")
    services.item_save(section=item.section, item=item, values={"stop_use": True})
    services.version_publish(version=draft)

    out = StringIO()
    call_command("export_checklist", "t-fire", stdout=out)
    first = out.getvalue()
    document = yaml.safe_load(first)
    exported = {i["code"]: i for s in document["sections"] for i in s["items"]}
    assert exported["F-02"]["stop_use"] is True
    assert "stop_use" not in exported["F-01"], "written only when set"

    path = tmp_path / "fire.yaml"
    path.write_text(first, encoding="utf-8")
    call_command("import_checklist", str(path), "--publish")
    newest = ChecklistVersion.objects.filter(template__code="t-fire").order_by("-number").first()
    assert newest.items.get(code="F-02").stop_use is True
    assert newest.items.get(code="F-01").stop_use is False
    again = StringIO()
    call_command("export_checklist", "t-fire", stdout=again)
    second = yaml.safe_load(again.getvalue())
    first_doc = yaml.safe_load(first)
    second.pop("version"), first_doc.pop("version")
    assert second == first_doc
