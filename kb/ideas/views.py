"""Public views: send an idea, see it was received, follow its status, endorse a published one.

Every view that renders a form sends no-cache headers: the pages carry a CSRF token and the
person's own text, which must never sit in a shared cache.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import resolve
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kb.core.patient_data import redact_nhs_numbers

from . import ratelimits, selectors, services
from .forms import (
    ENDORSEMENT_FORMS,
    IdeaSubmissionForm,
    StatusReplyForm,
    endorsement_forms,
)
from .models import Endorsement, IdeaPage, SubmissionStatus
from .tokens import (
    confirmation_key,
    form_token_hash,
    new_form_token,
    new_reference,
    read_confirmation_key,
)

RATE_LIMITED_STATUS = 429


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    waste_types, pathways = selectors.form_vocabularies()
    vocabularies = {"waste_types": waste_types, "pathways": pathways}
    if request.method == "GET":
        form = IdeaSubmissionForm(
            initial={"form_token": new_form_token(), "stage": "idea"}, **vocabularies
        )
        return _submit_page(request, form)

    if ratelimits.over_limit(request, ratelimits.SUBMIT):
        # Nothing is stored; the form comes back as it was sent (less any NHS number).
        form = IdeaSubmissionForm(
            initial=_initial_from(_without_nhs_numbers(request.POST)), **vocabularies
        )
        return _submit_page(request, form, rate_limited=True, status=RATE_LIMITED_STATUS)

    form = IdeaSubmissionForm(request.POST, **vocabularies)
    if form.is_bot:
        # Look like success, store nothing: a bot learns nothing to work around.
        return redirect("ideas:submitted", key=confirmation_key(new_reference()))
    if not form.is_valid():
        # The person's text comes back to them, but never an NHS number in it.
        form.data = _without_nhs_numbers(form.data)
        return _submit_page(request, form)
    token_hash = form_token_hash(form.cleaned_data["form_token"])
    if token_hash is None:
        form = IdeaSubmissionForm(
            initial={**_initial_from(request.POST), "form_token": new_form_token()},
            **vocabularies,
        )
        return _submit_page(request, form, token_expired=True)
    result = services.submit_idea(form.cleaned_data, token_hash, user=request.user)
    if result.changed:
        # The same form was sent before with other answers, and that version is the one stored
        # (services.submit_idea). Say so, and give the edited text back on a fresh form.
        form = IdeaSubmissionForm(
            initial={**_initial_from(request.POST), "form_token": new_form_token()},
            **vocabularies,
        )
        return _submit_page(request, form, earlier_reference=result.submission.reference)
    # Committed before this redirect: the reference page only ever shows a stored idea.
    key = confirmation_key(result.submission.reference, repeated=not result.created)
    return redirect("ideas:submitted", key=key)


def _submit_csrf_failure(request, reason=""):
    """The idea form again after a failed CSRF check (kb.core.views.csrf_failure calls this).

    The page had expired (or its cookie was lost): nothing is stored. The person's answers come
    back, less any NHS number, on a fresh form with a new form token, to check and send again.
    """
    waste_types, pathways = selectors.form_vocabularies()
    form = IdeaSubmissionForm(
        initial={
            **_initial_from(_without_nhs_numbers(request.POST)),
            "form_token": new_form_token(),
        },
        waste_types=waste_types,
        pathways=pathways,
    )
    response = _submit_page(request, form, csrf_expired=True, status=403)
    add_never_cache_headers(response)
    return response


submit.csrf_failure_response = _submit_csrf_failure


def _without_nhs_numbers(data):
    """A copy of the posted answers with every NHS number replaced by a marker."""
    cleaned = data.copy()
    for name in cleaned:
        if name not in ("csrfmiddlewaretoken", "form_token"):
            cleaned.setlist(name, [redact_nhs_numbers(v) for v in data.getlist(name)])
    return cleaned


def _initial_from(post):
    return {name: post.get(name) for name in post if name != "csrfmiddlewaretoken"}


def _submit_page(request, form, status=200, **flags):
    similar = []
    if form.is_bound and form.data.get("title"):
        similar = selectors.similar_content(form.data.get("title"))
    return render(
        request,
        "ideas/submit.html",
        {
            "form": form,
            "similar": similar,
            "organisation_names": selectors.organisation_names(),
            "idea_index": selectors.idea_index(),
            **flags,
        },
        status=status,
    )


@never_cache
@require_GET
def submitted(request, key):
    found = read_confirmation_key(key)
    if found is None:
        raise Http404("Unknown confirmation")
    reference, repeated = found
    return render(
        request,
        "ideas/submitted.html",
        {"reference": reference, "repeated": repeated, "idea_index": selectors.idea_index()},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def status(request, token):
    """The submitter's private status page, where they answer a request for more information.

    An answer is never dropped silently: it is stored (services.add_reply), or the page says
    why it was not and gives the text back in the box (less any NHS number).
    """
    submission = selectors.submission_for_status_token(token)
    if submission is None:
        raise Http404("Unknown status link")
    if request.method == "GET":
        return _status_page(request, submission, StatusReplyForm())

    form = StatusReplyForm(request.POST)
    limited = ratelimits.over_limit(request, ratelimits.SUBMIT)
    if form.is_bot and not limited:
        return redirect(request.path)
    refusal = services.reply_refusal(submission)
    if refusal:
        # The idea moved on since the page was shown (or was never asked about).
        return _reply_refused(request, submission, _answer_from(request.POST), refusal)
    if limited:
        form = StatusReplyForm(initial=_initial_from(_without_nhs_numbers(request.POST)))
        return _status_page(request, submission, form, status=RATE_LIMITED_STATUS, can_reply=True)
    if not form.is_valid():
        # The answer comes back with its errors, but never with an NHS number in it.
        form.data = _without_nhs_numbers(form.data)
        return _status_page(request, submission, form, can_reply=True)
    try:
        services.add_reply(submission, form.cleaned_data["message"])
    except services.ReplyNotAccepted as error:
        # A moderator acted between the check above and the row lock.
        submission.refresh_from_db()
        return _reply_refused(request, submission, form.cleaned_data["message"], str(error))
    messages.success(request, "Thank you. We have added your information to your idea.")
    return redirect(request.path)


def _answer_from(post):
    return _without_nhs_numbers(post).get("message", "")


def _reply_refused(request, submission, answer, refusal, status=409):
    """The status page with the answer that was not stored, in a box to copy it from."""
    form = StatusReplyForm(initial={"message": answer})
    form.fields["message"].label = "Your answer (not sent)"
    return _status_page(
        request, submission, form, status=status, can_reply=False, reply_refused=refusal
    )


def _status_page(request, submission, form, status=200, can_reply=None, **flags):
    if can_reply is None:
        can_reply = submission.status == SubmissionStatus.MORE_INFO_REQUESTED
    response = render(
        request,
        "ideas/status.html",
        {
            "submission": submission,
            "messages_to_submitter": submission.public_messages().select_related("actor"),
            "form": form,
            "can_reply": can_reply,
            "rate_limited": status == RATE_LIMITED_STATUS,
            **flags,
        },
        status=status,
    )
    # The token is in this page's address: do not pass it on to other sites, or to indexes.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _status_csrf_failure(request, reason=""):
    """The status page again after a failed CSRF check: nothing stored, the answer kept."""
    token = resolve(request.path_info).kwargs.get("token")
    submission = selectors.submission_for_status_token(token)
    if submission is None:
        raise Http404("Unknown status link")
    refusal = services.reply_refusal(submission)
    if refusal:
        return _reply_refused(request, submission, _answer_from(request.POST), refusal, status=403)
    form = StatusReplyForm(initial=_initial_from(_without_nhs_numbers(request.POST)))
    return _status_page(request, submission, form, status=403, can_reply=True, csrf_expired=True)


status.csrf_failure_response = _status_csrf_failure


@require_GET
def similar(request):
    """Published ideas and case studies like a title being typed, as JSON for the form."""
    items = selectors.similar_content(request.GET.get("title", ""))
    response = JsonResponse({"results": [item.as_dict() for item in items]})
    # The query is what someone is typing into a private form: keep it out of every cache.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
def endorse(request, page_id, kind):
    if kind not in ENDORSEMENT_FORMS:
        raise Http404("Unknown kind of endorsement")
    idea = get_object_or_404(IdeaPage.objects.live().public(), pk=page_id)
    forms = endorsement_forms(request.POST, kind)
    form = forms[kind]
    if ratelimits.over_limit(request, ratelimits.ENDORSE):
        forms[kind] = _endorsement_form_from(request, kind)
        return _idea_page(request, idea, forms, kind, status=RATE_LIMITED_STATUS)
    if form.is_bot:
        return redirect(idea.url)
    if not form.is_valid():
        form.data = _without_nhs_numbers(form.data)
        return _idea_page(request, idea, forms, kind)
    _, created = services.endorse(
        idea, kind, form.cleaned_data["email"], form.cleaned_data.get("organisation", "")
    )
    if not created:
        form.add_error("email", _ALREADY[kind])
        return _idea_page(request, idea, forms, kind)
    messages.success(request, _THANKS[kind])
    return redirect(f"{idea.url}#endorse")


_THANKS = {
    Endorsement.Kind.SUPPORT: "Thank you for supporting this idea.",
    Endorsement.Kind.ADOPTED: "Thank you for telling us you have adopted this idea.",
}
_ALREADY = {
    Endorsement.Kind.SUPPORT: "You have already supported this idea with this email address",
    Endorsement.Kind.ADOPTED: "You have already told us you adopted this idea with this email "
    "address",
}


def _endorsement_form_from(request, kind):
    """An unbound endorsement form holding what was posted, less any NHS number."""
    return ENDORSEMENT_FORMS[kind](
        initial={
            name.removeprefix(f"{kind}-"): value
            for name, value in _initial_from(_without_nhs_numbers(request.POST)).items()
        },
        prefix=kind,
    )


def _endorse_csrf_failure(request, reason=""):
    """The idea page again after a failed CSRF check: nothing stored, the answers kept."""
    kwargs = resolve(request.path_info).kwargs
    kind = kwargs.get("kind")
    if kind not in ENDORSEMENT_FORMS:
        raise Http404("Unknown kind of endorsement")
    idea = get_object_or_404(IdeaPage.objects.live().public(), pk=kwargs.get("page_id"))
    forms = endorsement_forms()
    forms[kind] = _endorsement_form_from(request, kind)
    # Rendered here: a failure view's answer may not pass through template-response handling.
    return _idea_page(request, idea, forms, kind, status=403, csrf_expired=True).render()


endorse.csrf_failure_response = _endorse_csrf_failure


def _idea_page(request, idea, forms, kind, status=200, csrf_expired=False):
    """The idea page again, with the endorsement form the person sent and its errors."""
    context = idea.get_context(request)
    context.update(
        endorsement_forms=forms,
        endorsement_errors=bool(forms[kind].errors)
        or status == RATE_LIMITED_STATUS
        or csrf_expired,
        rate_limited=status == RATE_LIMITED_STATUS,
        csrf_expired=csrf_expired,
    )
    response = TemplateResponse(request, idea.get_template(request), context, status=status)
    add_never_cache_headers(response)
    return response
