from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ApiToken,
    CalendarDay,
    CalendarYear,
    ConflictOfInterest,
    Department,
    Facility,
    InspectorProfile,
    Region,
    User,
)


@admin.register(User)
class ProjectUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "full_name", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name")
    fieldsets = UserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ("full_name", "role", "regions", "phone")}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        (_("Role and scope"), {"fields": ("full_name", "role", "regions")}),
    )
    filter_horizontal = ("regions", "groups", "user_permissions")


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind")


@admin.register(Facility)
class FacilityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "type", "region", "risk_class", "filed", "active")
    list_filter = ("type", "risk_class", "filed", "active")
    search_fields = ("name", "credit_code", "directory_no")
    filter_horizontal = ("managers",)
    readonly_fields = ("directory_no",)


class ConflictInline(admin.TabularInline):
    model = ConflictOfInterest
    extra = 0
    autocomplete_fields = ("facility",)


@admin.register(InspectorProfile)
class InspectorProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "credential_no", "department", "region", "active")
    list_filter = ("department", "active")
    search_fields = ("credential_no", "user__username", "user__full_name")
    inlines = [ConflictInline]


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ("year", "source", "loaded_at")


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """Read-only: tokens are created and revoked with manage.py api_token_create and
    api_token_revoke, so that the key is shown once, to whoever runs the command."""

    list_display = (
        "name",
        "region_codes",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name",)
    fields = ("name", "regions", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("created_by").prefetch_related("regions")
        )

    @admin.display(description=_("regions"))
    def region_codes(self, token):
        return ", ".join(region.code for region in token.regions.all())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
