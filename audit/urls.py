from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("history/", views.history, name="history"),
    path("history/<int:pk>/", views.change, name="change"),
    path("history.csv", views.history_csv, name="history_csv"),
    path("chain.jsonl", views.chain_jsonl, name="chain_jsonl"),
]
