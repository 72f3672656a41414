from django.urls import path

from inspections.planning import views

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
]
