from django.urls import path

from . import views_documents, views_overview, views_staff

app_name = "reports_staff"

urlpatterns = [
    path("hazards/export/", views_staff.hazard_export, name="hazard_export"),
    path("exports/", views_staff.export_jobs, name="export_jobs"),
    path("exports/new/<slug:kind>/", views_staff.export_request, name="export_request"),
    path("exports/<int:pk>/", views_staff.export_job, name="export_job"),
    path("exports/<int:pk>/download/", views_staff.export_job_download, name="export_job_download"),
    path("dashboard/", views_staff.hazard_dashboard, name="hazard_dashboard"),
    path("overview/", views_overview.overview_page, name="overview"),
    path("overview.xlsx", views_overview.overview_xlsx, name="overview_xlsx"),
    path(
        "documents/inspection/<int:pk>/<slug:kind>.pdf",
        views_documents.inspection_document,
        name="inspection_document",
    ),
    path(
        "documents/enforcement/<slug:kind>/<int:pk>.pdf",
        views_documents.enforcement_document,
        name="enforcement_document",
    ),
    path(
        "documents/plan/<int:pk>/<slug:kind>.pdf",
        views_documents.plan_document,
        name="plan_document",
    ),
]
