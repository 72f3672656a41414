from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views as portal_views
from registry import views_account as account

urlpatterns = [
    path("", portal_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registry/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        account.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        account.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", account.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        account.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        account.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),
    path("registry/", include("registry.urls")),
    path("checklists/", include("checklists.urls")),
    path("inspections/", include("inspections.urls")),
    path("public/audit/", include("audit.public_urls")),
    path("public/complaints/", include("inspections.complaints.public_urls")),
    path("public/", include("reports.urls")),
    path("reports/", include("reports.staff_urls")),
    path("tasks/", include("workflows.urls")),
    path("audit/", include("audit.urls")),
    path("api/", include("reports.api_urls")),
    path("admin/", admin.site.urls),
]
