"""Read-only admin: plans, draws and inspections change only through the services,
which keep the draw protocol and history intact."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from inspections.credit import rules as credit_rules
from inspections.credit import services as credit_services
from inspections.credit.models import RuleSet
from inspections.enforcement.models import (
    ControlOrder,
    EnforcementCase,
    LevelAction,
    MajorCriterion,
    Penalty,
    Transfer,
)
from inspections.hazards.models import Hazard
from inspections.onsite.models import EvidenceAccess, Inspection, Photo
from inspections.planning.models import Draw, Plan
from inspections.publication.models import Publication, PublicationVersion


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnly):
    list_display = ["name", "region", "year", "status"]
    list_filter = ["status", "year"]


@admin.register(Draw)
class DrawAdmin(ReadOnly):
    list_display = ["pk", "plan", "status", "frozen_at", "drawn_at"]
    list_filter = ["status"]
    exclude = ["secret", "code_map"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnly):
    list_display = ["facility", "kind", "status", "window_start", "result"]
    list_filter = ["status", "kind"]
    exclude = ["signature_image"]


@admin.register(Hazard)
class HazardAdmin(ReadOnly):
    list_display = ["register_no", "facility", "severity", "status", "due_on"]
    list_filter = ["status", "severity", "source"]
    search_fields = ["register_no", "description"]


@admin.register(Photo)
class PhotoAdmin(ReadOnly):
    # Files are not linked: evidence is shown only through the access-checked view.
    list_display = ["pk", "facility", "inspection", "purpose", "uploaded_by", "uploaded_at"]
    exclude = ["original", "preview", "thumbnail"]


@admin.register(EvidenceAccess)
class EvidenceAccessAdmin(ReadOnly):
    list_display = ["at", "user", "photo", "variant"]


@admin.register(Publication)
class PublicationAdmin(ReadOnly):
    list_display = ["inspection", "status", "category", "due_on"]
    list_filter = ["status", "category"]


@admin.register(PublicationVersion)
class PublicationVersionAdmin(ReadOnly):
    list_display = ["publication", "number", "category", "published_at"]


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["text", "note"]
        widgets = {"text": forms.Textarea(attrs={"rows": 40, "cols": 100})}

    def clean_text(self):
        text = (self.cleaned_data.get("text") or "").replace("\r\n", "\n")
        credit_rules.parse(text)  # its ValidationError names the mistake
        return text


@admin.register(RuleSet)
class RuleSetAdmin(SimpleHistoryAdmin):
    """Credit rule sets: a change is a new version (the newest is in force), loaded
    through the service; a version once loaded is never changed or deleted."""

    form = RuleSetForm
    list_display = ["version", "note", "created_at", "created_by"]
    readonly_fields = ["version", "text", "note", "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["text", "note"]

    def get_changeform_initial_data(self, request):
        current = credit_rules.current_set()
        return {"text": current.text if current else credit_rules.default_text()}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = credit_services.rules_load(
            text=form.cleaned_data["text"], note=form.cleaned_data["note"], by=request.user
        )
        # The admin's messages and log entry name the version the service wrote.
        obj.pk, obj.version, obj.created_at = saved.pk, saved.version, saved.created_at
        obj.created_by = saved.created_by


@admin.register(MajorCriterion)
class MajorCriterionAdmin(SimpleHistoryAdmin):
    """The situations of 民办发〔2023〕13号 are data a bureau completes: added and
    corrected here (with history), retired by clearing "active", never deleted (a
    determination names its criterion)."""

    list_display = ["code", "group", "text", "needs_outside_determination", "active"]
    list_filter = ["group", "active", "needs_outside_determination"]
    search_fields = ["code", "text"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ControlOrder)
class ControlOrderAdmin(ReadOnly):
    list_display = ["number", "facility", "kind", "status", "issued_at"]
    list_filter = ["status", "kind"]


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(ReadOnly):
    list_display = ["number", "facility", "kind", "status", "opened_at"]
    list_filter = ["status", "kind"]


@admin.register(Transfer)
class TransferAdmin(ReadOnly):
    list_display = ["number", "case", "department", "status", "sent_on", "feedback_due_on"]
    list_filter = ["status", "department"]


@admin.register(Penalty)
class PenaltyAdmin(ReadOnly):
    list_display = ["decision_no", "facility", "kind", "decided_on", "withdrawn_at"]


@admin.register(LevelAction)
class LevelActionAdmin(ReadOnly):
    list_display = ["number", "kind", "issuer_region", "target_region", "held_on"]
