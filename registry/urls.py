from django.urls import path

from . import views, views_import, views_licences

app_name = "registry"

urlpatterns = [
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("licences/", views_licences.licence_list, name="licence_list"),
    path("facilities/<int:pk>/licences/new/", views_licences.licence_add, name="licence_add"),
    path("licences/<int:pk>/edit/", views_licences.licence_edit, name="licence_edit"),
    path(
        "licences/<int:pk>/deactivate/",
        views_licences.licence_deactivate,
        name="licence_deactivate",
    ),
    path("inspectors/", views.inspector_list, name="inspector_list"),
    path("inspectors/<int:pk>/", views.inspector_detail, name="inspector_detail"),
    path("calendar/", views.calendar, name="calendar"),
    path(
        "import/facilities/", views_import.upload, {"kind": "facilities"}, name="import_facilities"
    ),
    path(
        "import/inspectors/", views_import.upload, {"kind": "inspectors"}, name="import_inspectors"
    ),
    path("import/<str:kind>/template.xlsx", views_import.template, name="import_template"),
    path("import/<str:kind>/preview/", views_import.preview, name="import_preview"),
    path("import/<str:kind>/confirm/", views_import.confirm, name="import_confirm"),
    path("import/<str:kind>/cancel/", views_import.cancel, name="import_cancel"),
]
