"""Read-only admin: plans, draws and inspections change only through the services,
which keep the draw protocol and history intact."""

from django.contrib import admin

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
