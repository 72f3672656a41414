from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
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
