from django.urls import path

from inspections.onsite import views

urlpatterns = [
    path("inspections/", views.my_inspections, name="inspection_list"),
    path("inspections/new/case/", views.case_open, name="case_open"),
    path("inspections/new/self/", views.self_open, name="self_open"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path(
        "inspections/<int:pk>/schedule/",
        views.inspection_schedule,
        name="inspection_schedule",
    ),
    path("inspections/<int:pk>/start/", views.inspection_start, name="inspection_start"),
    path("inspections/<int:pk>/checklist/", views.checklist, name="checklist"),
    path("inspections/<int:pk>/answer/", views.answer_save, name="answer_save"),
    path("inspections/<int:pk>/photo/", views.photo_add, name="photo_add"),
    path("inspections/<int:pk>/uploads/", views.upload_open, name="upload_open"),
    path("uploads/<str:client_id>/", views.upload, name="upload"),
    path("inspections/<int:pk>/finish/", views.finish, name="finish"),
    path("inspections/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("inspections/<int:pk>/sign/", views.sign, name="sign"),
    path("inspections/<int:pk>/reinspect/", views.reinspection_open, name="reinspection_open"),
    # Before the derivatives' pattern, which would take "remove" for a variant.
    path("photos/<int:pk>/remove/", views.photo_remove, name="photo_remove"),
    path("photos/<int:pk>/<str:variant>/", views.photo, name="photo"),
    path("facilities/<int:pk>/self-check/", views.compare, name="compare"),
]
