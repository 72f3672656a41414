"""Passwords: Django's change and reset views with the project's templates.

A reset proves the user holds the account's e-mail, so it also lifts a log-in lock-out
(django-axes) on the account: otherwise the new password would be refused until the
cool-off ends."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registry/password_change_form.html"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registry/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registry/password_reset_form.html"
    email_template_name = "registry/password_reset_email.txt"
    subject_template_name = "registry/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        # The configured address, not the request's Host header, goes into the link.
        return {"site_url": settings.SITE_URL}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registry/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registry/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registry/password_reset_complete.html"
