import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from checklists import services
from checklists.admin import ChecklistVersionAdmin, ItemAdmin
from checklists.diff import version_diff
from checklists.models import ChecklistVersion, Item, PublishedVersionError

# What PublishedVersionError tells the user.
FROZEN = "已发布的检查表版本不能修改，请新建草稿。"


def test_publishing_freezes_the_version_against_the_services(published):
    item = published.items.get(code="F-01")
    with pytest.raises(PublishedVersionError, match=FROZEN):
        services.item_save(section=item.section, item=item, values={"question": "改了"})
    with pytest.raises(PublishedVersionError, match=FROZEN):
        services.item_remove(item=item)
    with pytest.raises(PublishedVersionError, match=FROZEN):
        services.section_save(version=published, values={"title": "新增"})
    with pytest.raises(PublishedVersionError, match=FROZEN):
        services.version_update(version=published, values={"pass_threshold": 50})
    with pytest.raises(PublishedVersionError, match=FROZEN):
        services.version_publish(version=published)
    item.refresh_from_db()
    assert item.question == "疏散通道是否畅通？"


def test_publishing_freezes_the_version_against_direct_saves_and_deletes(published):
    published.pass_threshold = 10
    with pytest.raises(PublishedVersionError, match=FROZEN):
        published.save()
    item = published.items.first()
    item.weight = 99
    with pytest.raises(PublishedVersionError, match=FROZEN):
        item.save()
    with pytest.raises(PublishedVersionError, match=FROZEN):
        item.delete()
    with pytest.raises(PublishedVersionError, match=FROZEN):
        published.delete()
    assert Item.objects.get(pk=item.pk).weight != 99


def test_the_admin_offers_no_change_or_delete_on_a_published_version(published, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admin_user.is_staff = admin_user.is_superuser = True
    version_admin = ChecklistVersionAdmin(ChecklistVersion, site)
    item_admin = ItemAdmin(Item, site)
    assert not version_admin.has_change_permission(request, published)
    assert not version_admin.has_delete_permission(request, published)
    assert not item_admin.has_change_permission(request, published.items.first())


def test_the_admin_change_form_of_a_published_item_refuses_a_post(published, admin_user, client):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    item = published.items.first()
    response = client.post(
        f"/admin/checklists/item/{item.pk}/change/", {"question": "改了", "code": item.code}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.question != "改了"


def test_a_new_draft_from_a_published_version_copies_everything(published, lead):
    draft = services.version_new_draft(
        template=published.template, from_version=published, change_note="修订", by=lead
    )
    assert draft.number == published.number + 1
    assert draft.status == ChecklistVersion.Status.DRAFT
    assert draft.based_on == published
    assert list(draft.items.values_list("code", flat=True)) == list(
        published.items.values_list("code", flat=True)
    )
    kitchen = draft.sections.get(title="厨房")
    assert kitchen.applies_if == {"has_canteen": True}
    # The draft is editable and the published original is untouched.
    item = draft.items.get(code="F-01")
    services.item_save(section=item.section, item=item, values={"question": "新问题"}, by=lead)
    assert published.items.get(code="F-01").question == "疏散通道是否畅通？"
    diff = version_diff(published, draft)
    assert [code for code, _changes in diff.changed] == ["F-01"]
    assert ("question", "疏散通道是否畅通？", "新问题") in diff.changed[0][1]


def test_a_draft_with_an_empty_section_cannot_be_published(draft):
    services.section_save(version=draft, values={"title": "空的"})
    with pytest.raises(ValidationError, match="分组“空的”没有检查项。"):
        services.version_publish(version=draft)
    draft.refresh_from_db()
    assert draft.status == ChecklistVersion.Status.DRAFT


def test_the_current_version_is_the_newest_published(published):
    draft = services.version_new_draft(template=published.template, from_version=published)
    assert published.template.current_version == published
    services.version_publish(version=draft)
    assert published.template.current_version.pk == draft.pk


def test_item_codes_are_unique_within_a_version(draft):
    section = draft.sections.first()
    with pytest.raises(ValidationError, match="本版本中已有其他检查项使用此编码"):
        services.item_save(
            section=section, values={"code": "F-01", "question": "重复", "legal_basis": "x"}
        )


def test_publishing_records_who_and_when(draft, publisher):
    version = services.version_publish(version=draft, by=publisher)
    assert version.published_by == publisher
    assert version.published_at is not None
    assert version.history.first().history_user == publisher
