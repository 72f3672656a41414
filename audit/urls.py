from django.urls import path

from . import views, views_exceptions

app_name = "audit"

urlpatterns = [
    path("history/", views.history, name="history"),
    path("history/<int:pk>/", views.change, name="change"),
    path("history.csv", views.history_csv, name="history_csv"),
    path("chain.jsonl", views.chain_jsonl, name="chain_jsonl"),
    path("exceptions/", views_exceptions.exception_index, name="exceptions"),
    path("exceptions/<slug:key>/", views_exceptions.exception_report, name="exception_report"),
    path(
        "exceptions/<slug:key>.<str:fmt>",
        views_exceptions.exception_export,
        name="exception_export",
    ),
]
