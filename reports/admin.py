from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from reports.models import ApiToken


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

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return (
            super().get_queryset(request).select_related("created_by").prefetch_related("regions")
        )

    @admin.display(description=_("regions"))
    def region_codes(self, token: ApiToken) -> str:
        return ", ".join(region.code for region in token.regions.all())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
