from django.urls import path

from . import views, views_hazards, views_onsite, views_publications, views_supervision

app_name = "inspections"

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/freeze/", views.draw_freeze, name="draw_freeze"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/run/", views.draw_run, name="draw_run"),
    path("draws/<int:pk>/void/", views.draw_void, name="draw_void"),
    path("draws/<int:pk>/substitute/", views.draw_substitute, name="draw_substitute"),
    path("inspections/", views_onsite.my_inspections, name="inspection_list"),
    path("inspections/new/case/", views_onsite.case_open, name="case_open"),
    path("inspections/new/self/", views_onsite.self_open, name="self_open"),
    path("inspections/<int:pk>/", views_onsite.inspection_detail, name="inspection_detail"),
    path(
        "inspections/<int:pk>/schedule/",
        views_onsite.inspection_schedule,
        name="inspection_schedule",
    ),
    path("inspections/<int:pk>/start/", views_onsite.inspection_start, name="inspection_start"),
    path("inspections/<int:pk>/checklist/", views_onsite.checklist, name="checklist"),
    path("inspections/<int:pk>/answer/", views_onsite.answer_save, name="answer_save"),
    path("inspections/<int:pk>/photo/", views_onsite.photo_add, name="photo_add"),
    path("inspections/<int:pk>/finish/", views_onsite.finish, name="finish"),
    path("inspections/<int:pk>/confirm/", views_onsite.confirm, name="confirm"),
    path("inspections/<int:pk>/sign/", views_onsite.sign, name="sign"),
    path(
        "inspections/<int:pk>/reinspect/", views_onsite.reinspection_open, name="reinspection_open"
    ),
    path("photos/<int:pk>/<str:variant>/", views_onsite.photo, name="photo"),
    path("facilities/<int:pk>/self-check/", views_onsite.compare, name="compare"),
    path("hazards/", views_hazards.hazard_list, name="hazard_list"),
    path("hazards/<int:pk>/", views_hazards.hazard_detail, name="hazard_detail"),
    path("hazards/<int:pk>/rectify/", views_hazards.hazard_rectify, name="hazard_rectify"),
    path("hazards/<int:pk>/verify/", views_hazards.hazard_verify, name="hazard_verify"),
    path("hazards/<int:pk>/extension/", views_hazards.extension_request, name="extension_request"),
    path(
        "hazards/<int:pk>/extension/decide/",
        views_hazards.extension_decide,
        name="extension_decide",
    ),
    path("hazards/<int:pk>/plan/", views_supervision.plan_file, name="supervision_plan"),
    path("hazards/<int:pk>/progress/", views_supervision.note_add, name="supervision_note"),
    path("hazards/<int:pk>/sign-off/", views_supervision.sign_off, name="supervision_sign_off"),
    path(
        "hazards/<int:pk>/reinspection/",
        views_supervision.reinspection_request,
        name="reinspection_request",
    ),
    path("results/", views_publications.publication_list, name="publication_list"),
    path("results/<int:pk>/", views_publications.publication_review, name="publication_review"),
    path(
        "results/<int:pk>/publish/",
        views_publications.publication_publish,
        name="publication_publish",
    ),
    path(
        "results/<int:pk>/return/", views_publications.publication_return, name="publication_return"
    ),
    path(
        "results/<int:pk>/resubmit/",
        views_publications.publication_resubmit,
        name="publication_resubmit",
    ),
    path(
        "results/<int:pk>/correct/",
        views_publications.publication_correct,
        name="publication_correct",
    ),
    path(
        "results/<int:pk>/withdraw/",
        views_publications.publication_withdraw,
        name="publication_withdraw",
    ),
    path("notices/<int:pk>/", views_hazards.notice_detail, name="notice_detail"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
