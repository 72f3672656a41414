from django.urls import path

from . import views_staff

app_name = "reports_staff"

urlpatterns = [
    path("hazards/export/", views_staff.hazard_export, name="hazard_export"),
    path("dashboard/", views_staff.hazard_dashboard, name="hazard_dashboard"),
]
