from django.urls import path

from inspections.hazards import supervision_views, views

urlpatterns = [
    path("hazards/", views.hazard_list, name="hazard_list"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("hazards/<int:pk>/rectify/", views.hazard_rectify, name="hazard_rectify"),
    path("hazards/<int:pk>/verify/", views.hazard_verify, name="hazard_verify"),
    path("hazards/<int:pk>/extension/", views.extension_request, name="extension_request"),
    path(
        "hazards/<int:pk>/extension/decide/",
        views.extension_decide,
        name="extension_decide",
    ),
    path("hazards/<int:pk>/plan/", supervision_views.plan_file, name="supervision_plan"),
    path("hazards/<int:pk>/progress/", supervision_views.note_add, name="supervision_note"),
    path("hazards/<int:pk>/sign-off/", supervision_views.sign_off, name="supervision_sign_off"),
    path(
        "hazards/<int:pk>/reinspection/",
        supervision_views.reinspection_request,
        name="reinspection_request",
    ),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
]
