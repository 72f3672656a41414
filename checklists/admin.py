from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChecklistTemplate, ChecklistVersion, Item, Section


class FrozenWhenPublished:
    """Published versions are read-only in the admin too (the models refuse saves anyway)."""

    def _published(self, obj):
        version = obj if isinstance(obj, ChecklistVersion) else getattr(obj, "version", None)
        return version is not None and version.is_published

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._published(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._published(obj):
            return False
        return super().has_delete_permission(request, obj)


class ItemInline(FrozenWhenPublished, admin.StackedInline):
    model = Item
    extra = 0
    fk_name = "version"


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "category", "department", "region")
    list_filter = ("category", "department")
    search_fields = ("code", "title")


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(FrozenWhenPublished, SimpleHistoryAdmin):
    list_display = ("template", "number", "status", "published_at")
    list_filter = ("status", "template__category")
    readonly_fields = ("status", "submitted_at", "submitted_by", "published_at", "published_by")


@admin.register(Section)
class SectionAdmin(FrozenWhenPublished, SimpleHistoryAdmin):
    list_display = ("title", "version", "position")


@admin.register(Item)
class ItemAdmin(FrozenWhenPublished, SimpleHistoryAdmin):
    list_display = ("code", "question", "version", "hazard")
    list_filter = ("hazard", "answer_type")
    search_fields = ("code", "question")
