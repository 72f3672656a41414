from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
]
