"""Read-only admin: plans, draws and inspections change only through the services,
which keep the draw protocol and history intact."""

from django.contrib import admin

from .models import Draw, Inspection, Plan


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
    list_display = ["facility", "plan", "status", "window_start"]
    list_filter = ["status", "kind"]
