"""Staff pages of complaints (under the inspections namespace)."""

from django.urls import path

from inspections.complaints import views

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/recorded/", views.complaint_recorded, name="complaint_recorded"),
    # The way is one of views.TRIAGE: out_of_scope, pass_on, answer, investigate.
    path("complaints/<int:pk>/triage/<slug:way>/", views.complaint_triage, name="complaint_triage"),
    path("complaints/<int:pk>/reply/", views.complaint_reply, name="complaint_reply"),
    path("complaint-photos/<int:pk>/", views.complaint_photo, name="complaint_photo"),
]
