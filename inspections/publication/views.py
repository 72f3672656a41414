"""Review and publication of results (一公开): the list of results awaiting review
with the working days left of the 20, the review page with the public text, and
publishing, returning, revising, correcting and withdrawing. Thin: parse, scope,
call one service."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import limits, pages
from core.limits import LimitedCharField
from core.workdays import countdown_for, working_days_left
from inspections import access, policy
from inspections.publication import selectors, services
from inspections.publication.models import Publication
from inspections.publication.services import (
    public_content,
    public_photo_choices,
)

# Results this close to the 20-working-day limit are flagged as nearing it.
NEARING_WORKING_DAYS = 5
STATES = {
    "waiting": list(Publication.WAITING),
    "published": [Publication.Status.PUBLISHED],
    "withdrawn": [Publication.Status.WITHDRAWN],
}


class PhotoChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, photo):
        return _("Photo %(n)s") % {"n": photo.pk}


class ProposalForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Result category"), choices=Publication.Category.choices
    )
    follow_up = LimitedCharField(
        label=gettext_lazy("Follow-up handling"),
        required=False,
        limit=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PublishForm(ProposalForm):
    photos = PhotoChoice(
        label=gettext_lazy("Photos to show publicly"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_person = forms.BooleanField(
        label=gettext_lazy("I confirm that no person can be seen in the chosen photos"),
        required=False,
    )

    def __init__(self, *args, publication, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].queryset = public_photo_choices(publication)


class CorrectForm(PublishForm):
    reason = LimitedCharField(
        label=gettext_lazy("What the correction corrects"),
        limit=limits.SHORT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = LimitedCharField(
        label=gettext_lazy("Reason"), limit=limits.SHORT, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(ReasonForm):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand the result leaves the public site and only the withdrawal notice stays"
        )
    )


@access.staff_required
def publication_list(request):
    """Results by how close they are to the 20-working-day limit, latest first last."""
    state = request.GET.get("state", "waiting")
    if state not in STATES:
        state = "waiting"
    publications = (
        access.publications_for(request.user)
        .filter(status__in=STATES[state])
        .select_related("inspection__facility__region", "current")
        .order_by("due_on", "pk")
    )
    page = Paginator(publications, 25).get_page(request.GET.get("page"))
    # The request's countdown: the chips on the page count with the same calendar read.
    countdown = countdown_for(request)
    for publication in page:
        left = countdown.left(publication.due_on)
        publication.days_left = left
        publication.late = left < 0
        publication.days_past = -left
        publication.nearing = 0 <= left <= NEARING_WORKING_DAYS
    # The queue's own tab is counted on every visit (the results waiting are few); the
    # archive tabs only when shown (their paginator): counting a province's thousands
    # of published results on each visit to the queue would cost more than the queue.
    counts = {state: page.paginator.count}
    if state != "waiting":
        counts["waiting"] = (
            access.publications_for(request.user).filter(status__in=STATES["waiting"]).count()
        )
    return render(
        request,
        "inspections/publication/publication_list.html",
        {"page": page, "state": state, "counts": counts, "nearing": NEARING_WORKING_DAYS},
    )


def _context(publication, user, **forms_):
    inspection = publication.inspection
    waiting = publication.status in STATES["waiting"]
    reviewer = policy.allowed(policy.review_refusal, user, publication)
    preview = (
        public_content(
            inspection,
            category=publication.category,
            follow_up=publication.follow_up,
            photos=[],
        )
        if waiting
        else publication.current.content
        if publication.current
        else None
    )
    initial = {"category": publication.category, "follow_up": publication.follow_up}
    if publication.current:
        initial["photos"] = publication.current.content.get("photos", [])
    left = working_days_left(timezone.localdate(), [publication.due_on])[0]
    return {
        "publication": publication,
        "inspection": inspection,
        "content": preview,
        "labels": selectors.content_labels(preview) if preview else None,
        "count_rows": selectors.hazard_count_rows(selectors.result_hazard_counts(inspection)),
        "versions": publication.versions.select_related("published_by"),
        "days_left": left,
        "late": left < 0 and waiting,
        "days_past": -left,
        "can_publish": reviewer and waiting,
        "can_return": reviewer and publication.status == Publication.Status.PENDING,
        "can_resubmit": publication.status == Publication.Status.RETURNED
        and policy.allowed(policy.resubmit_refusal, user, publication),
        "can_correct": reviewer and publication.status == Publication.Status.PUBLISHED,
        "photo_choices": public_photo_choices(publication),
        "publish_form": forms_.get("publish_form")
        or PublishForm(publication=publication, initial=initial),
        "correct_form": forms_.get("correct_form")
        or CorrectForm(publication=publication, initial=initial),
        "return_form": ReasonForm(prefix="return"),
        "withdraw_form": WithdrawForm(prefix="withdraw"),
        "resubmit_form": ProposalForm(initial=initial),
    }


@login_required
def publication_review(request, pk):
    publication = access.publication_for_user(request.user, pk)
    return render(
        request,
        "inspections/publication/publication_review.html",
        _context(publication, request.user),
    )


def _back(publication):
    return redirect("inspections:publication_review", pk=publication.pk)


def _run(request, publication, action, success, **kwargs):
    return pages.call(request, action, success, publication=publication, **kwargs)


def _reviewed(request, pk):
    publication = access.publication_for_user(request.user, pk)
    if not policy.allowed(policy.review_refusal, request.user, publication):
        raise PermissionDenied
    return publication


def _publish_version(request, pk, form_class, form_key, action, success, extra=()):
    """Publishing and correcting: the same form fields, one service each; an invalid
    form is shown again on the review page."""
    publication = _reviewed(request, pk)
    form = form_class(request.POST, publication=publication)
    if not form.is_valid():
        return render(
            request,
            "inspections/publication/publication_review.html",
            _context(publication, request.user, **{form_key: form}),
            status=400,
        )
    data = form.cleaned_data
    _run(
        request,
        publication,
        action,
        success,
        category=data["category"],
        follow_up=data["follow_up"],
        photos=data["photos"],
        no_person_confirmed=data["no_person"],
        **{name: data[name] for name in extra},
    )
    return _back(publication)


@login_required
@require_POST
def publication_publish(request, pk):
    return _publish_version(
        request,
        pk,
        PublishForm,
        "publish_form",
        services.publication_publish,
        _("The result is published on the public site."),
    )


@login_required
@require_POST
def publication_return(request, pk):
    publication = _reviewed(request, pk)
    form = ReasonForm(request.POST, prefix="return")
    if not form.is_valid():
        pages.flash_invalid(request, form, _("Say why the result is returned."))
        return _back(publication)
    _run(
        request,
        publication,
        services.publication_return,
        _("The result was returned to the team."),
        reason=form.cleaned_data["reason"],
    )
    return _back(publication)


@login_required
@require_POST
def publication_resubmit(request, pk):
    publication = access.publication_for_user(request.user, pk)
    if not policy.allowed(policy.resubmit_refusal, request.user, publication):
        raise PermissionDenied
    form = ProposalForm(request.POST)
    if not form.is_valid():
        pages.flash_invalid(request, form, _("Choose one of the result categories."))
        return _back(publication)
    _run(
        request,
        publication,
        services.publication_resubmit,
        _("The revised result was sent for review."),
        category=form.cleaned_data["category"],
        follow_up=form.cleaned_data["follow_up"],
    )
    return _back(publication)


@login_required
@require_POST
def publication_correct(request, pk):
    return _publish_version(
        request,
        pk,
        CorrectForm,
        "correct_form",
        services.publication_correct,
        _("The correction is published as a new version."),
        extra=("reason",),
    )


@login_required
@require_POST
def publication_withdraw(request, pk):
    publication = _reviewed(request, pk)
    form = WithdrawForm(request.POST, prefix="withdraw")
    if not form.is_valid():
        pages.flash_invalid(request, form, _("Say why the result is withdrawn, and confirm."))
        return _back(publication)
    _run(
        request,
        publication,
        services.publication_withdraw,
        _("The result was withdrawn; the public site shows the notice and its reason."),
        reason=form.cleaned_data["reason"],
    )
    return _back(publication)
