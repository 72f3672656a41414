"""Checklist text is bounded (issue 14, finding 6): a question, its guidance and a
template's description have limits the editor, the import and the services share."""

import pytest
from django.core.exceptions import ValidationError

from checklists import services
from checklists.forms import ItemForm


@pytest.fixture
def section(db):
    template = services.template_create(
        code="t-len", title="长度检查表", category="fire", department="fire_rescue"
    )
    version = services.version_new_draft(template=template)
    return services.section_save(version=version, values={"title": "现场"})


@pytest.mark.parametrize(("field", "limit"), [("question", 500), ("guidance", 2000)])
def test_an_item_text_takes_its_limit_and_not_one_more(section, field, limit):
    values = {"code": "L-01", "question": "疏散通道是否畅通？", "legal_basis": "GB 50016"}
    with pytest.raises(ValidationError, match=f"{limit}"):
        services.item_save(section=section, values={**values, field: "问" * (limit + 1)})
    item = services.item_save(section=section, values={**values, field: "问" * limit})
    assert getattr(item, field) == "问" * limit


def test_a_template_description_is_limited(db):
    with pytest.raises(ValidationError, match="2000"):
        services.template_create(
            code="t-long",
            title="长说明",
            category="fire",
            department="fire_rescue",
            description="说" * 2001,
        )


def test_the_item_editor_carries_the_limits_to_the_browser():
    html = str(ItemForm())
    assert 'name="question" cols="40" rows="2" maxlength="500"' in html
    assert 'name="guidance" cols="40" rows="3" maxlength="2000"' in html
