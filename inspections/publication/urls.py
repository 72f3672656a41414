from django.urls import path

from inspections.publication import views

urlpatterns = [
    path("results/", views.publication_list, name="publication_list"),
    path("results/<int:pk>/", views.publication_review, name="publication_review"),
    path(
        "results/<int:pk>/publish/",
        views.publication_publish,
        name="publication_publish",
    ),
    path("results/<int:pk>/return/", views.publication_return, name="publication_return"),
    path(
        "results/<int:pk>/resubmit/",
        views.publication_resubmit,
        name="publication_resubmit",
    ),
    path(
        "results/<int:pk>/correct/",
        views.publication_correct,
        name="publication_correct",
    ),
    path(
        "results/<int:pk>/withdraw/",
        views.publication_withdraw,
        name="publication_withdraw",
    ),
]
