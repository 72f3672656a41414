"""The shared checklist library: county leads draft and submit, holders of the
publishing permission publish; each county publishes its own checklists."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from checklists import services
from checklists.models import ChecklistTemplate, ChecklistVersion

NEEDS_PERMISSION = "发布共享检查表需要“发布共享检查表”权限，请联系管理员"


def _status(version):
    return ChecklistVersion.objects.get(pk=version.pk).status


# ---------------------------------------------------------------- services


def test_it_refuses_a_county_lead_publishing_a_shared_template(draft, lead):
    with pytest.raises(PermissionDenied, match=NEEDS_PERMISSION):
        services.version_publish(version=draft, by=lead)
    assert _status(draft) == "draft"


def test_it_refuses_a_county_lead_publishing_a_new_version_of_a_shared_template(published, lead):
    draft = services.version_new_draft(template=published.template, from_version=published, by=lead)
    with pytest.raises(PermissionDenied, match=NEEDS_PERMISSION):
        services.version_publish(version=draft, by=lead)
    assert published.template.current_version == published


def test_a_county_lead_drafts_and_submits_and_a_publisher_publishes(published, lead, publisher):
    draft = services.version_new_draft(template=published.template, from_version=published, by=lead)
    item = draft.items.get(code="F-01")
    services.item_save(section=item.section, item=item, values={"question": "新问题"}, by=lead)

    submitted = services.version_submit(version=draft, by=lead)
    assert submitted.status == "submitted"
    assert submitted.submitted_by == lead
    assert submitted.submitted_at is not None
    # Frozen while it waits: what the approver reads is what gets published.
    with pytest.raises(ValidationError, match="已提交审批"):
        services.item_save(section=item.section, item=item, values={"question": "再改"}, by=lead)
    with pytest.raises(PermissionDenied, match=NEEDS_PERMISSION):
        services.version_publish(version=draft, by=lead)

    version = services.version_publish(version=draft, by=publisher)
    assert version.status == "published"
    assert version.published_by == publisher
    assert version.submitted_by == lead
    assert published.template.current_version.items.get(code="F-01").question == "新问题"


def test_a_submitted_version_is_withdrawn_to_an_editable_draft(draft, lead):
    services.version_submit(version=draft, by=lead)
    version = services.version_withdraw(version=draft, by=lead)
    assert version.status == "draft"
    assert version.submitted_by is None
    item = draft.items.get(code="F-01")
    services.item_save(section=item.section, item=item, values={"question": "改"}, by=lead)


def test_it_refuses_to_withdraw_a_draft(draft, lead):
    with pytest.raises(ValidationError, match="只有已提交审批的版本可以撤回"):
        services.version_withdraw(version=draft, by=lead)


def test_it_refuses_to_submit_an_incomplete_draft(draft, lead):
    services.section_save(version=draft, values={"title": "空的"})
    with pytest.raises(ValidationError, match="空的"):
        services.version_submit(version=draft, by=lead)
    assert _status(draft) == "draft"


def test_a_user_with_the_permission_publishes_a_shared_template(draft, publisher):
    version = services.version_publish(version=draft, by=publisher)
    assert version.status == "published"


def test_a_county_lead_publishes_its_own_countys_template(county_draft, lead):
    version = services.version_publish(version=county_draft, by=lead)
    assert version.status == "published"
    assert version.published_by == lead


def test_it_refuses_a_lead_of_another_county_changing_a_county_template(county_draft, other_lead):
    item = county_draft.items.get()
    change = {"question": "改"}
    with pytest.raises(PermissionDenied, match="此检查表属于岳阳楼区"):
        services.item_save(section=item.section, item=item, values=change, by=other_lead)
    with pytest.raises(PermissionDenied, match="此检查表属于岳阳楼区"):
        services.version_publish(version=county_draft, by=other_lead)
    assert _status(county_draft) == "draft"


def test_it_refuses_a_county_lead_creating_a_shared_template(world, lead, publisher):
    values = {"code": "new", "title": "新", "category": "fire", "department": "fire_rescue"}
    with pytest.raises(PermissionDenied, match="创建共享检查表需要“发布共享检查表”权限"):
        services.template_create(**values, by=lead)
    with pytest.raises(PermissionDenied, match="不能为云溪区创建检查表"):
        services.template_create(**values, region=world["other_county"], by=lead)
    assert services.template_create(**values, by=publisher).is_shared


# ---------------------------------------------------------------- web


def test_a_county_lead_sees_no_publish_button_and_a_post_is_refused(draft, lead, as_user):
    web = as_user(lead)
    page = web.get(f"/checklists/versions/{draft.pk}/").content.decode()
    assert f"/checklists/versions/{draft.pk}/publish/" not in page
    assert f"/checklists/versions/{draft.pk}/submit/" in page
    assert f"/checklists/versions/{draft.pk}/items/" in page  # still edits the draft

    confirm = web.get(f"/checklists/versions/{draft.pk}/publish/")
    assert NEEDS_PERMISSION in confirm.content.decode()
    response = web.post(f"/checklists/versions/{draft.pk}/publish/")
    assert NEEDS_PERMISSION in response.content.decode()
    assert _status(draft) == "draft"


def test_a_lead_submits_on_the_web_and_a_publisher_publishes(draft, lead, publisher, as_user):
    web = as_user(lead)
    response = web.post(f"/checklists/versions/{draft.pk}/submit/")
    assert response.url == f"/checklists/versions/{draft.pk}/"
    assert _status(draft) == "submitted"
    page = web.get(f"/checklists/versions/{draft.pk}/").content.decode()
    assert "陈堃 于" in page  # who submitted it, and when
    assert f"/checklists/versions/{draft.pk}/withdraw/" in page
    assert f"/checklists/versions/{draft.pk}/items/" not in page  # frozen while it waits
    item = draft.items.get(code="F-01")
    edit = web.post(
        f"/checklists/versions/{draft.pk}/items/{item.pk}/edit/", {"question": "改"}, follow=True
    )
    assert "此版本已提交审批" in edit.content.decode()

    approver = as_user(publisher)
    page = approver.get(f"/checklists/versions/{draft.pk}/").content.decode()
    assert f"/checklists/versions/{draft.pk}/publish/" in page
    assert f"/checklists/versions/{draft.pk}/submit/" not in page
    approver.post(f"/checklists/versions/{draft.pk}/publish/")
    assert _status(draft) == "published"


def test_a_county_leads_new_checklist_is_its_countys_and_only_its_county_edits_it(
    world, lead, other_lead, as_user
):
    form = as_user(lead).get("/checklists/new/").context["form"]
    assert list(form.fields["region"].queryset) == [world["county"]]
    as_user(lead).post(
        "/checklists/new/",
        {"code": "yyl-x", "title": "岳阳楼区表", "category": "fire", "department": "fire_rescue"},
    )
    template = ChecklistTemplate.objects.get(code="yyl-x")
    assert template.region == world["county"]
    draft = template.versions.get()
    page = as_user(other_lead).get(f"/checklists/versions/{draft.pk}/").content.decode()
    assert f"/checklists/versions/{draft.pk}/sections/new/" not in page
    response = as_user(other_lead).post(
        f"/checklists/versions/{draft.pk}/sections/new/", {"title": "越权"}
    )
    assert response.status_code == 403
    assert not draft.sections.exists()


def test_a_publisher_creates_a_shared_checklist_on_the_web(world, publisher, as_user):
    as_user(publisher).post(
        "/checklists/new/",
        {"code": "std-x", "title": "共享", "category": "fire", "department": "fire_rescue"},
    )
    assert ChecklistTemplate.objects.get(code="std-x").is_shared
