from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from registry import views as registry_views

urlpatterns = [
    path("", registry_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registry/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("registry/", include("registry.urls")),
    path("checklists/", include("checklists.urls")),
    path("inspections/", include("inspections.urls")),
    path("public/", include("reports.urls")),
    path("reports/", include("reports.staff_urls")),
    path("audit/", include("audit.urls")),
    path("api/", include("reports.api_urls")),
    path("admin/", admin.site.urls),
]
