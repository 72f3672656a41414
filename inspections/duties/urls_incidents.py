"""Pages of incident reports (突发事件); licences' pages are the registry's."""

from django.urls import path

from inspections.duties import views_incidents

urlpatterns = [
    path("incidents/", views_incidents.incident_list, name="incident_list"),
    path("incidents/new/", views_incidents.incident_report, name="incident_report"),
    path("incidents/<int:pk>/", views_incidents.incident_detail, name="incident_detail"),
    path(
        "incidents/<int:pk>/follow-up/",
        views_incidents.incident_follow_up,
        name="incident_follow_up",
    ),
]
