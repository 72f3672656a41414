"""History is sacred: every domain model records its changes, and the writes that
would bypass the record are refused."""

import pytest
from django.apps import apps

from core.audited import AuditedQuerySet, UnauditedWriteError
from registry.models import Facility, Region

DOMAIN_APPS = ("core", "registry", "checklists", "inspections", "reports")
# Technical records of the conversation with a phone (inspections/onsite/models.py says
# why): what they lead to is saved with its own history. Named one by one, so that a new
# model without history still fails.
TECHNICAL_RECORDS = {"inspections.StoredResponse", "inspections.PhotoUpload"}


def domain_models():
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            # simple-history's own tables and auto-created m2m tables are records, not domain.
            if model.__name__.startswith("Historical") or model._meta.auto_created:
                continue
            if model._meta.label in TECHNICAL_RECORDS:
                continue
            yield model


def test_there_are_domain_models_to_check():
    assert len(list(domain_models())) >= 8


@pytest.mark.parametrize("model", list(domain_models()), ids=lambda m: m._meta.label)
def test_every_domain_model_has_history(model):
    assert hasattr(model, "history"), f"{model._meta.label} has no HistoricalRecords()"


def many_to_many_fields():
    for model in domain_models():
        for field in model._meta.many_to_many:
            yield model, field


def test_there_are_many_to_many_fields_to_check():
    assert len(list(many_to_many_fields())) >= 6


@pytest.mark.parametrize(
    ("model", "field"),
    list(many_to_many_fields()),
    ids=lambda v: getattr(v, "name", None) or v._meta.label,
)
def test_every_many_to_many_field_records_its_changes(model, field):
    recorded = {f.name for f in model.history.model._history_m2m_fields}
    assert field.name in recorded, (
        f"{model._meta.label}.{field.name} changes leave no history: "
        "add it to HistoricalRecords(m2m_fields=[...])"
    )


@pytest.mark.parametrize("model", list(domain_models()), ids=lambda m: m._meta.label)
def test_every_domain_model_refuses_unaudited_queryset_writes(model):
    assert isinstance(model._default_manager.all(), AuditedQuerySet), (
        f"{model._meta.label}'s default manager must use core.audited.AuditedQuerySet"
    )


def test_queryset_update_and_bulk_writes_are_refused(world):
    with pytest.raises(UnauditedWriteError, match=r"update\(\) on Facility would write no history"):
        Facility.objects.filter(pk=world["facility"].pk).update(beds=1)
    with pytest.raises(
        UnauditedWriteError, match=r"bulk_create\(\) on Region would write no history"
    ):
        Region.objects.bulk_create([Region(code="430611", name="x")])
    with pytest.raises(
        UnauditedWriteError, match=r"bulk_update\(\) on Facility would write no history"
    ):
        Facility.objects.bulk_update([world["facility"]], ["beds"])
    world["facility"].refresh_from_db()
    assert world["facility"].beds == 120


def test_a_change_records_who_made_it(world, lead):
    from registry import services

    services.facility_save(facility=world["facility"], values={"beds": 130}, by=lead)
    latest = world["facility"].history.first()
    assert latest.beds == 130
    assert latest.history_user == lead
    assert latest.prev_record.beds == 120


def test_user_history_never_stores_password_hashes(lead):
    historical = lead.history.model
    assert "password" not in {f.name for f in historical._meta.fields}
