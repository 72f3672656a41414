"""The shipped standard library: one published template per category, written from
the national rules, loaded by seed_demo and idempotent."""

import pytest

from checklists.library import load_library
from checklists.models import Category, ChecklistTemplate, ChecklistVersion, Item
from tests import demo_county

# Major-hazard criteria (民办发〔2023〕13号, DOMAIN.md §4) and words that name them.
MAJOR_CRITERIA = {
    "C/D dangerous building": ["危房"],
    "colour-steel sandwich panels": ["彩钢板"],
    "lifts": ["电梯"],
    "boilers": ["锅炉"],
    "oxygen piping": ["氧"],
    "clinic licence": ["医疗机构"],
    "canteen food licence": ["食品经营许可"],
    "special-equipment operators": ["作业人员"],
    "two exits": ["安全出口"],
    "smoke alarm / automatic fire alarm": ["火灾自动报警", "烟感", "感烟"],
    "sprinklers": ["喷水", "喷淋"],
    "fire acceptance or filing": ["消防验收", "验收"],
}
NINE_PROTECTIONS = ["噎食", "误食", "压疮", "烫伤", "坠床", "跌倒", "自伤", "走失", "文娱"]


@pytest.fixture
def library(db, request):
    """The library as seed_demo loads it (restored: tests/demo_county.py)."""
    demo_county.load(request)
    return {
        v.template.category: v
        for v in ChecklistVersion.objects.filter(status="published").select_related("template")
    }


def test_every_category_has_a_published_template_with_at_least_15_items(library):
    assert set(library) == set(Category.values)
    for category, version in library.items():
        assert version.items.count() >= 15, category


def test_every_item_has_its_legal_basis_and_guidance(library):
    for item in Item.objects.filter(version__status="published"):
        assert item.legal_basis.strip(), item.code
        assert item.question.strip(), item.code


def test_every_major_hazard_criterion_is_an_item_that_creates_a_major_hazard(library):
    majors = list(Item.objects.filter(version__status="published", hazard="major"))
    for criterion, words in MAJOR_CRITERIA.items():
        assert any(any(w in i.question for w in words) for i in majors), criterion


def test_the_service_template_covers_the_nine_protections(library):
    questions = " ".join(library["service"].items.values_list("question", flat=True))
    for word in NINE_PROTECTIONS:
        assert word in questions, word


def test_loading_the_library_twice_publishes_nothing_new(library):
    count = ChecklistVersion.objects.count()
    published, unchanged = load_library()
    assert published == []
    assert len(unchanged) == len(library)
    assert ChecklistVersion.objects.count() == count


def test_seed_demo_loads_the_library_and_the_editor_lists_it(db, client, request):
    demo_county.load(request)
    assert ChecklistTemplate.objects.filter(code__startswith="std-").count() == 6
    client.post("/accounts/login/", {"username": "demo-lead", "password": "Demo-2026!"})
    page = client.get("/checklists/").content.decode()
    for template in ChecklistTemplate.objects.filter(code__startswith="std-"):
        assert template.title in page
