"""Hazards as found: a hazard no item names, raising to major, the determination."""

from django.urls import path

from inspections.enforcement import views_found

urlpatterns = [
    path("inspections/<int:pk>/hazards/new/", views_found.hazard_add, name="hazard_add"),
    path("hazards/<int:pk>/raise/", views_found.hazard_raise, name="hazard_raise"),
    path(
        "hazards/<int:pk>/determination/",
        views_found.determination_record,
        name="determination_record",
    ),
    path(
        "determinations/<int:pk>/report/",
        views_found.determination_file,
        name="determination_file",
    ),
]
