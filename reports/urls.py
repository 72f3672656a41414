from django.urls import path

from . import views, views_documents, views_penalties

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("draws.json", views.draw_list_json, name="draw_list_json"),
    path("draws/<int:pk>.json", views.draw_json, name="draw_json"),
    path("results/", views.result_list, name="result_list"),
    path("results.csv", views.results_csv, name="results_csv"),
    path("results.json", views.results_json, name="results_json"),
    path("results/<int:pk>/", views.result_detail, name="result_detail"),
    path("results/<int:pk>/v<int:number>/", views.result_version, name="result_version"),
    path("results/<int:pk>/photos/<int:photo_pk>.jpg", views.result_photo, name="result_photo"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path("penalties.json", views_penalties.penalties_json, name="penalties_json"),
    path("penalties.csv", views_penalties.penalties_csv, name="penalties_csv"),
    path("results/<int:pk>.pdf", views_documents.public_result_pdf, name="result_pdf"),
    path(
        "plans/<int:pk>/announcement.pdf",
        views_documents.public_plan_announcement_pdf,
        name="plan_announcement_pdf",
    ),
    path(
        "plans/<int:pk>/results.pdf",
        views_documents.public_plan_results_pdf,
        name="plan_results_pdf",
    ),
]
