from django.urls import path

from . import views

app_name = "checklists"

urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("new/", views.template_create, name="template_create"),
    path("<int:pk>/", views.template_detail, name="template_detail"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/new-draft/", views.version_new_draft, name="version_new_draft"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/submit/", views.version_submit, name="version_submit"),
    path("versions/<int:pk>/withdraw/", views.version_withdraw, name="version_withdraw"),
    path("versions/<int:pk>/discard/", views.version_discard, name="version_discard"),
    path("versions/<int:pk>/preview/", views.version_preview, name="version_preview"),
    path(
        "versions/<int:pk>/compare/<int:other_pk>/",
        views.version_compare,
        name="version_compare",
    ),
    path("versions/<int:pk>/export/", views.version_export, name="version_export"),
    path("versions/<int:version_pk>/sections/new/", views.section_edit, name="section_create"),
    path(
        "versions/<int:version_pk>/sections/<int:pk>/edit/", views.section_edit, name="section_edit"
    ),
    path(
        "versions/<int:version_pk>/sections/<int:section_pk>/items/new/",
        views.item_edit,
        name="item_create",
    ),
    path("versions/<int:version_pk>/items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("versions/<int:version_pk>/<str:kind>/<int:pk>/remove/", views.remove, name="remove"),
    path("versions/<int:version_pk>/<str:kind>/<int:pk>/move/", views.move, name="move"),
]
