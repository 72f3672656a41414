import pytest

from checklists import services


@pytest.fixture
def draft(db):
    """A draft fire checklist with two sections and three items."""
    template = services.template_create(
        code="t-fire", title="消防检查表", category="fire", department="fire_rescue"
    )
    version = services.version_new_draft(template=template)
    exits = services.section_save(version=version, values={"title": "疏散通道"})
    services.item_save(
        section=exits,
        values={
            "code": "F-01",
            "question": "疏散通道是否畅通？",
            "legal_basis": "民发〔2023〕37号",
            "hazard": "general",
            "deadline_days": 0,
            "weight": 2,
        },
    )
    services.item_save(
        section=exits,
        values={
            "code": "F-02",
            "question": "是否设置两个以上安全出口？",
            "legal_basis": "民办发〔2023〕13号",
            "hazard": "major",
            "deadline_days": 30,
            "weight": 5,
        },
    )
    kitchen = services.section_save(
        version=version, values={"title": "厨房", "applies_if": {"has_canteen": True}}
    )
    services.item_save(
        section=kitchen,
        values={
            "code": "F-03",
            "question": "冷藏温度（℃）",
            "legal_basis": "餐饮服务食品安全操作规范",
            "answer_type": "number",
            "unit": "℃",
            "min_value": 0,
            "max_value": 8,
            "weight": 3,
        },
    )
    return version


@pytest.fixture
def published(draft):
    return services.version_publish(version=draft)
