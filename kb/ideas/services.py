"""Writes for the ideas service: submit, moderate, publish, endorse and promote.

Each function is one transaction: the change and its entry in the status log land together or
not at all, and the submitter's email goes out only after the commit.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from kb.core.patient_data import likely_identifiers

from . import notifications
from .models import (
    RESERVED_SLUGS,
    Endorsement,
    IdeaIndexPage,
    IdeaPage,
    IdeaPromotion,
    IdeaStatusChange,
    IdeaSubmission,
    Stage,
    SubmissionFormToken,
    SubmissionStatus,
)
from .tokens import hash_token, new_reference, new_status_nonce, status_token

logger = logging.getLogger(__name__)

REFERENCE_ATTEMPTS = 8
FLAGGED_FIELDS = ("title", "problem", "proposal", "organisation", "role")


class ModerationError(Exception):
    """A moderation step that does not apply to the submission as it now stands."""


class ReplyNotAccepted(ModerationError):
    """The submitter's answer cannot be added: nothing was stored, and they must be told."""


@dataclass(frozen=True)
class SubmitResult:
    """What became of a sent form.

    created: this request stored a new idea.
    changed: the form token had been used already, by a version of the form with different
    answers. The idea stored then is `submission`; this version was NOT stored.
    """

    submission: IdeaSubmission
    created: bool
    changed: bool = False


# The answers a submission is stored with, compared when a form token comes back.
CONTENT_FIELDS = (
    "title",
    "problem",
    "proposal",
    "waste_type",
    "pathway",
    "organisation",
    "role",
    "email",
    "consent_to_publish",
    "estimated_saving_hours",
    "estimated_saving_money",
    "stage",
)


def submit_idea(data, form_token_hash, user=None):
    """Store a new idea from the form's cleaned data, once per form token (and, when `user` is
    a signed-in member, as theirs).

    The form token is consumed in the same transaction as the insert, and its unique index
    settles two requests that race. When a consumed token comes back:

    - with the same answers (a double click, a browser retry, a lost response): nothing is
      stored again, and the result is the idea it created (created=False), so the person sees
      the same reference;
    - with different answers (the person edited the form and sent it again): nothing is stored
      either, but the result says so (changed=True). The view then tells the person that the
      earlier version was already received, under its reference, and gives them their edited
      text back on a fresh form, to send as a new idea if they want to. Storing the edit as a
      second idea unasked would put near-duplicates in the moderators' queue and send a second
      email; dropping it silently would lose what they wrote.
    """
    existing = _submission_for_form_token(form_token_hash)
    if existing is not None:
        return _repeat(existing, data)
    from .selectors import matching_organisation

    organisation = matching_organisation(data["organisation"])
    flags = [
        {"kind": kind, "field": field}
        for field in FLAGGED_FIELDS
        for kind in likely_identifiers(data.get(field, ""))
    ]
    nonce = new_status_nonce()
    try:
        with transaction.atomic():
            submission = _insert_with_unique_reference(
                title=data["title"],
                problem=data["problem"],
                proposal=data["proposal"],
                waste_type=data["waste_type"],
                pathway=data.get("pathway"),
                organisation=data["organisation"],
                matched_organisation=organisation,
                region=organisation.region if organisation else None,
                role=data["role"],
                email=data["email"],
                consent_to_publish=data["consent_to_publish"],
                estimated_saving_hours=data.get("estimated_saving_hours"),
                estimated_saving_money=data.get("estimated_saving_money"),
                stage=data.get("stage") or Stage.IDEA,
                identifier_flags=flags,
                flagged=bool(flags),
                status_token_nonce=nonce,
                status_token_hash=hash_token(status_token(nonce)),
                submitted_by=user if getattr(user, "is_authenticated", False) else None,
            )
            SubmissionFormToken.objects.create(token_hash=form_token_hash, submission=submission)
            IdeaStatusChange.objects.create(
                submission=submission,
                by_submitter=True,
                from_status="",
                to_status=SubmissionStatus.NEW,
                public=False,
            )
            notifications.idea_received(submission)
    except IntegrityError:
        # Another request with the same form token committed first: show its idea.
        existing = _submission_for_form_token(form_token_hash)
        if existing is None:
            raise
        return _repeat(existing, data)
    return SubmitResult(submission, created=True)


def _repeat(existing, data):
    return SubmitResult(existing, created=False, changed=not _same_answers(existing, data))


def _same_answers(submission, data):
    """True if `data` (the form's cleaned data) is what `submission` was stored with."""

    def key(value):
        return getattr(value, "pk", value)

    sent = {name: data.get(name) for name in CONTENT_FIELDS}
    sent["stage"] = sent["stage"] or Stage.IDEA
    sent["consent_to_publish"] = bool(sent["consent_to_publish"])
    stored = {name: getattr(submission, name) for name in CONTENT_FIELDS}
    return all(key(sent[name]) == key(stored[name]) for name in CONTENT_FIELDS)


def _submission_for_form_token(form_token_hash):
    token = (
        SubmissionFormToken.objects.select_related("submission")
        .filter(token_hash=form_token_hash)
        .first()
    )
    return token.submission if token else None


def _insert_with_unique_reference(**fields):
    for _ in range(REFERENCE_ATTEMPTS):
        reference = new_reference()
        try:
            # A savepoint, so a clash of references does not spoil the outer transaction.
            with transaction.atomic():
                return IdeaSubmission.objects.create(reference=reference, **fields)
        except IntegrityError:
            if not IdeaSubmission.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("Could not find an unused idea reference")


def add_reply(submission, message):
    """The submitter answers a request for more information, from their status page.

    Checked under the row lock, against the status as it is now (not as the page showed it):

    - more information requested: the answer is stored and the idea goes back to the queue;
    - back in the queue because an answer already arrived (a second tab, a second thought, two
      replies racing): this answer is stored beside the first and the idea stays in the queue,
      where the moderator reads both. The very same text again (a double click) is stored once;
    - otherwise (never asked, or already accepted, declined or merged): ReplyNotAccepted, and
      nothing is stored. The caller must tell the person and give them their text back.
    """
    with transaction.atomic():
        submission = _lock(submission)
        refusal = reply_refusal(submission)
        if refusal:
            raise ReplyNotAccepted(refusal)
        if submission.status == SubmissionStatus.MORE_INFO_REQUESTED or (
            _last_reply(submission) != message
        ):
            _move(submission, SubmissionStatus.NEW, None, message, by_submitter=True)
    return submission


def reply_refusal(submission):
    """Why an answer from the submitter cannot be added to `submission` now, or "" if it can."""
    if submission.status == SubmissionStatus.MORE_INFO_REQUESTED:
        return ""
    if submission.status == SubmissionStatus.NEW and _was_asked(submission):
        return ""
    if submission.is_open:
        return (
            "The campaign team has not asked you a question about this idea. If they do, we "
            "will email you."
        )
    return (
        "The campaign team made a decision on your idea before your answer arrived: it is now "
        f"“{submission.get_status_display()}”."
    )


def _was_asked(submission):
    return submission.changes.filter(to_status=SubmissionStatus.MORE_INFO_REQUESTED).exists()


def _last_reply(submission):
    last = submission.changes.order_by("-created_at", "-pk").first()
    return last.message if last is not None and last.by_submitter else None


def accept_idea(submission, moderator, *, page_fields, pathways=(), message=""):
    """Publish the submission as an idea page under the ideas index, and link the two."""
    with transaction.atomic():
        submission = _lock(submission)
        _check_transition(submission, SubmissionStatus.ACCEPTED)
        if not submission.consent_to_publish:
            raise ModerationError("The submitter did not agree to publication.")
        # A site set up before ideas existed gets its ideas index now.
        index = IdeaIndexPage.ensure()
        page = IdeaPage(
            slug=_free_slug(index, page_fields["title"]), owner=moderator, **page_fields
        )
        page.pathways = list(pathways)
        index.add_child(instance=page)
        page.save_revision(user=moderator, log_action=True).publish(user=moderator)
        page.refresh_from_db()
        submission.idea_page = page
        if page.organisation_id is not None:
            # The moderator knows the organisation now: the queue's region filter should too.
            submission.matched_organisation_id = page.organisation_id
            submission.region_id = page.region_id
        _move(submission, SubmissionStatus.ACCEPTED, moderator, message)
    return page


def request_more_information(submission, moderator, message):
    with transaction.atomic():
        submission = _lock(submission)
        _check_transition(submission, SubmissionStatus.MORE_INFO_REQUESTED)
        _move(submission, SubmissionStatus.MORE_INFO_REQUESTED, moderator, message)
    return submission


def decline_idea(submission, moderator, reason):
    with transaction.atomic():
        submission = _lock(submission)
        _check_transition(submission, SubmissionStatus.DECLINED)
        _move(submission, SubmissionStatus.DECLINED, moderator, reason)
    return submission


def merge_idea(submission, moderator, into, message=""):
    """Point the submission at an existing published idea that says the same thing.

    The idea must be one anyone can read: live, and with no view restriction on it or above it.
    The person who sent the submission is sent its link, and told to back it.
    """
    with transaction.atomic():
        submission = _lock(submission)
        _check_transition(submission, SubmissionStatus.MERGED)
        refusal = merge_target_refusal(into)
        if refusal:
            raise ModerationError(refusal)
        submission.merged_into = into
        _move(submission, SubmissionStatus.MERGED, moderator, message)
    return submission


def mergeable_ideas():
    """The ideas a submission may be merged into: published, and readable by anyone."""
    return IdeaPage.objects.live().public()


def merge_target_refusal(page):
    """Why a submission cannot be merged into `page`, or "" if it can. Read fresh from the
    database: the page may have been unpublished or made private since the form was shown."""
    current = IdeaPage.objects.filter(pk=page.pk).first()
    if current is None:
        return "That idea no longer exists. Choose a published idea that anyone can read."
    if not current.live:
        return (
            f"“{current.title}” is not published (it is a draft, unpublished or expired), so the "
            "person who sent this idea could not read it. Choose a published idea that anyone "
            "can read."
        )
    if not mergeable_ideas().filter(pk=current.pk).exists():
        return (
            f"“{current.title}” is private (it, or a page above it, has view restrictions), so "
            "the person who sent this idea could not read it. Choose a published idea that "
            "anyone can read."
        )
    return ""


def _lock(submission):
    # Re-read under a row lock (SQLite: the IMMEDIATE transaction already holds the write lock),
    # so two moderators acting at once cannot both move it from the same status.
    return IdeaSubmission.objects.select_for_update().get(pk=submission.pk)


def _check_transition(submission, status):
    if not submission.can_move_to(status):
        raise ModerationError(
            f"{submission.reference} is {submission.get_status_display().lower()}; it cannot "
            f"be moved to “{SubmissionStatus(status).label.lower()}”."
        )


def _move(submission, status, actor, message, by_submitter=False):
    change = IdeaStatusChange.objects.create(
        submission=submission,
        actor=actor,
        by_submitter=by_submitter,
        from_status=submission.status,
        to_status=status,
        message=message or "",
        public=True,
    )
    submission.status = status
    submission.save()
    if not by_submitter:
        notifications.status_changed(submission, change)
        if submission.submitted_by_id and submission.submitted_by_id != getattr(actor, "pk", None):
            _tell_member(submission, change)
    return change


def _tell_member(submission, change):
    """The member who sent the idea while signed in sees the decision among their
    notifications. The link is the idea's public page once there is one, never the private
    status link (a copy of the database must not open anyone's status page)."""
    from kb.following.direct import notify_member

    page = submission.idea_page or submission.merged_into
    notify_member(
        submission.submitted_by_id,
        f"Your idea {submission.reference}: {change.get_to_status_display().lower()}",
        url=page.url if page is not None and page.live else "",
        text=change.message,
        reason="It is about an idea you shared",
    )


def _free_slug(parent, title):
    base = (slugify(title) or "idea")[:70].strip("-") or "idea"
    if base in RESERVED_SLUGS:
        base = f"{base}-idea"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def endorse(idea, kind, email, organisation=""):
    """Record an endorsement; (endorsement, created). A second one per email is refused."""
    email = email.strip().lower()
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(
                idea=idea, kind=kind, email=email, organisation=organisation
            )
    except IntegrityError:
        return Endorsement.objects.get(idea=idea, kind=kind, email__iexact=email), False
    return endorsement, True


def promote_to_case_study(idea, user, organisation=None, region=None):
    """A draft case study from a published idea, carrying its fields; the idea links to it.

    Case studies need an organisation: the idea's, or the one the moderator chose.
    """
    from kb.cases.models import CaseStudyIndexPage, CaseStudyPage, EvidenceStrength

    with transaction.atomic():
        idea = IdeaPage.objects.select_for_update().get(pk=idea.pk)
        promotion = IdeaPromotion.objects.filter(idea=idea).select_related("case_study").first()
        if promotion is not None and promotion.case_study is not None:
            return promotion.case_study
        organisation = organisation or idea.organisation
        if organisation is None:
            raise ModerationError("Choose the organisation the case study is about.")
        index = CaseStudyIndexPage.objects.first()
        if index is None:
            raise ModerationError("There is no case study library to add the draft to.")
        case = CaseStudyPage(
            title=idea.title,
            slug=_free_slug(index, idea.title),
            summary=idea.summary,
            problem=idea.problem,
            what_we_did=idea.proposal,
            organisation=organisation,
            region=region or idea.region or organisation.region,
            # An idea reports what its team saw; measures come with the case study.
            evidence_strength=EvidenceStrength.ANECDOTAL,
            content_owner=idea.content_owner,
            owner=user,
            live=False,
        )
        case.pathways = list(idea.pathways.all())
        case.methods = list(idea.methods.all())
        case.specialties = list(idea.specialties.all())
        index.add_child(instance=case)
        case.save_revision(user=user, log_action=True)
        IdeaPromotion.objects.update_or_create(
            idea=idea, defaults={"case_study": case, "promoted_by": user}
        )
    return case
