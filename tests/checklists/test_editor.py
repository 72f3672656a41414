from checklists.models import ChecklistTemplate, ChecklistVersion, Item, Section


def test_a_lead_builds_previews_and_publishes_a_checklist_on_the_web(world, lead, as_user):
    web = as_user(lead)
    response = web.post(
        "/checklists/new/",
        {
            "code": "yyl-food",
            "title": "岳阳楼区食堂检查表",
            "category": "food",
            "department": "market",
        },
    )
    draft = ChecklistVersion.objects.get(template__code="yyl-food")
    assert response.url == f"/checklists/versions/{draft.pk}/"

    web.post(
        f"/checklists/versions/{draft.pk}/sections/new/",
        {"title": "留样", "canteen": "yes"},
    )
    section = Section.objects.get(version=draft)
    assert section.applies_if == {"has_canteen": True}
    for code, question in [("Y-01", "留样是否满48小时？"), ("Y-02", "留样量是否≥125克？")]:
        response = web.post(
            f"/checklists/versions/{draft.pk}/sections/{section.pk}/items/new/",
            {
                "code": code,
                "question": question,
                "legal_basis": "餐饮服务食品安全操作规范",
                "answer_type": "pass_fail",
                "hazard": "general",
                "deadline_days": 0,
                "photo_on_fail": "on",
                "weight": 2,
                "min_beds": 20,
            },
        )
        assert response.status_code == 302, response.content.decode()
    assert Item.objects.get(code="Y-01").applies_if == {"beds__gte": 20}

    # Reorder: move the second item up.
    second = Item.objects.get(code="Y-02")
    web.post(f"/checklists/versions/{draft.pk}/item/{second.pk}/move/", {"direction": "up"})
    assert list(section.items.order_by("position").values_list("code", flat=True)) == [
        "Y-02",
        "Y-01",
    ]

    # The preview for a small facility hides the item for 20 beds or more.
    small = world["other_facility"]  # 10 beds, no canteen
    preview = web.get(f"/checklists/versions/{draft.pk}/preview/?facility={small.pk}")
    assert "Y-01" not in preview.content.decode()
    preview = web.get(f"/checklists/versions/{draft.pk}/preview/?facility={world['facility'].pk}")
    assert "留样是否满48小时" in preview.content.decode()

    # Publishing asks first, then freezes.
    confirm = web.get(f"/checklists/versions/{draft.pk}/publish/")
    assert "任何人都不能再修改此版本" in confirm.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    web.post(f"/checklists/versions/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_by == lead


def test_no_screen_changes_a_published_version(world, lead, as_user, published):
    web = as_user(lead)
    item = published.items.get(code="F-01")
    section = item.section
    attempts = [
        (f"/checklists/versions/{published.pk}/items/{item.pk}/edit/", {"question": "改"}),
        (f"/checklists/versions/{published.pk}/sections/{section.pk}/edit/", {"title": "改"}),
        (f"/checklists/versions/{published.pk}/sections/new/", {"title": "新"}),
        (f"/checklists/versions/{published.pk}/item/{item.pk}/remove/", {}),
        (f"/checklists/versions/{published.pk}/item/{item.pk}/move/", {"direction": "down"}),
        (f"/checklists/versions/{published.pk}/edit/", {"pass_threshold": 1, "basic_threshold": 1}),
        (f"/checklists/versions/{published.pk}/discard/", {}),
    ]
    for url, data in attempts:
        response = web.post(url, data)
        assert response.status_code == 302, url
        assert response.url == f"/checklists/versions/{published.pk}/"
    item.refresh_from_db()
    section.refresh_from_db()
    assert item.question == "疏散通道是否畅通？"
    assert section.title == "疏散通道"
    assert published.sections.count() == 2
    assert ChecklistVersion.objects.get(pk=published.pk).pass_threshold == 85


def test_a_new_draft_from_a_published_version_on_the_web(world, lead, as_user, published):
    response = as_user(lead).post(f"/checklists/versions/{published.pk}/new-draft/")
    draft = ChecklistVersion.objects.exclude(pk=published.pk).get()
    assert response.url == f"/checklists/versions/{draft.pk}/"
    assert draft.items.count() == published.items.count()
    compare = as_user(lead).get(f"/checklists/versions/{draft.pk}/compare/{published.pk}/")
    assert compare.status_code == 200


def test_removing_asks_for_confirmation(world, lead, as_user, draft):
    web = as_user(lead)
    section = draft.sections.get(title="厨房")
    url = f"/checklists/versions/{draft.pk}/section/{section.pk}/remove/"
    assert web.get(url).status_code == 200
    assert Section.objects.filter(pk=section.pk).exists()
    web.post(url)
    assert not Section.objects.filter(pk=section.pk).exists()
    assert not Item.objects.filter(code="F-03").exists()


def test_inspectors_read_checklists_but_cannot_edit(world, inspector, as_user, draft):
    web = as_user(inspector)
    assert web.get("/checklists/").status_code == 200
    assert web.get(f"/checklists/versions/{draft.pk}/").status_code == 200
    assert web.get(f"/checklists/versions/{draft.pk}/preview/").status_code == 200
    assert web.post("/checklists/new/", {"code": "x"}).status_code == 403
    assert web.post(f"/checklists/versions/{draft.pk}/publish/").status_code == 403
    assert ChecklistTemplate.objects.count() == 1


def test_the_template_form_reports_a_duplicate_code(world, lead, as_user, draft):
    response = as_user(lead).post(
        "/checklists/new/",
        {"code": "t-fire", "title": "重复", "category": "fire", "department": "fire_rescue"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def _choice_item(web, draft, **fields):
    section = draft.sections.first()
    return web.post(
        f"/checklists/versions/{draft.pk}/sections/{section.pk}/items/new/",
        {
            "code": "F-09",
            "question": "消防控制室值班情况",
            "legal_basis": "民发〔2023〕37号",
            "answer_type": "choice",
            "hazard": "general",
            "deadline_days": 0,
            "weight": 1,
            **fields,
        },
    )


def test_a_lead_creates_a_multiple_choice_item_on_the_web(world, lead, as_user, draft):
    response = _choice_item(
        as_user(lead),
        draft,
        passing_choices="双人持证值班\n单人持证值班",
        failing_choices="无人值班",
    )
    assert response.status_code == 302, response.content.decode()
    item = Item.objects.get(code="F-09")
    assert item.choices == [
        {"value": "双人持证值班", "label": "双人持证值班", "passes": True},
        {"value": "单人持证值班", "label": "单人持证值班", "passes": True},
        {"value": "无人值班", "label": "无人值班", "passes": False},
    ]


def test_the_item_form_refuses_a_choice_item_with_one_choice(world, lead, as_user, draft):
    response = _choice_item(as_user(lead), draft, passing_choices="有人值班")
    assert response.status_code == 200
    assert response.context["form"].errors["passing_choices"] == ["选项型检查项至少需要两个选项。"]
    assert not Item.objects.filter(code="F-09").exists()
