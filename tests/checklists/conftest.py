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


@pytest.fixture
def publisher(world):
    """Provincial bureau staff who may publish the shared library: an administrator
    granted the permission to their group."""
    from django.contrib.auth.models import Group, Permission

    from registry.models import User

    user = User.objects.create_user(
        username="publisher", role=User.Role.LEAD, full_name="省厅检查表管理员"
    )
    user.regions.set([world["province"]])
    group = Group.objects.create(name="省民政厅检查表管理")
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="checklists", codename="publish_shared_template"
        )
    )
    user.groups.add(group)
    return user


@pytest.fixture
def county_draft(world):
    """A draft of a checklist of 岳阳楼区 (the lead's county), not of the shared library."""
    template = services.template_create(
        code="yyl-fire",
        title="岳阳楼区消防补充检查表",
        category="fire",
        department="fire_rescue",
        region=world["county"],
    )
    version = services.version_new_draft(template=template)
    section = services.section_save(version=version, values={"title": "消防车通道"})
    services.item_save(
        section=section,
        values={"code": "Y-01", "question": "消防车通道是否畅通？", "legal_basis": "消防法"},
    )
    return version
