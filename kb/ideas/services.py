"""Writes for the ideas service: submit, moderate, publish, endorse and promote.

Each function is one transaction: the change and its entry in the status log land together or
not at all, and the submitter's email goes out only after the commit.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from . import notifications
from .models import (
    RESERVED_SLUGS,
    Endorsement,
    IdeaPage,
    IdeaPromotion,
    IdeaStatusChange,
    IdeaSubmission,
    Stage,
    SubmissionFormToken,
    SubmissionStatus,
)
from .patient_data import likely_identifiers
from .tokens import hash_token, new_reference, new_status_nonce, status_token

logger = logging.getLogger(__name__)

REFERENCE_ATTEMPTS = 8
FLAGGED_FIELDS = ("title", "problem", "proposal", "organisation", "role")


class ModerationError(Exception):
    """A moderation step that does not apply to the submission as it now stands."""


@dataclass(frozen=True)
class SubmitResult:
    submission: IdeaSubmission
    created: bool


def submit_idea(data, form_token_hash):
    """Store a new idea from the form's cleaned data, once per form token.

    A token already consumed returns the idea it created (created=False): a double click or a
    browser retry shows the same reference and stores nothing twice. The token is consumed in
    the same transaction as the insert, and its unique index settles two requests that race.
    """
    existing = _submission_for_form_token(form_token_hash)
    if existing is not None:
        return SubmitResult(existing, created=False)
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
        return SubmitResult(existing, created=False)
    return SubmitResult(submission, created=True)


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
    """The submitter answers a request for more information: back to the moderation queue."""
    with transaction.atomic():
        submission = _lock(submission)
        if submission.status != SubmissionStatus.MORE_INFO_REQUESTED:
            raise ModerationError("This idea is not waiting for more information.")
        _move(submission, SubmissionStatus.NEW, None, message, by_submitter=True)
    return submission


def accept_idea(submission, moderator, *, page_fields, pathways=(), message=""):
    """Publish the submission as an idea page under the ideas index, and link the two."""
    from kb.core.site_structure import ensure_site_structure

    with transaction.atomic():
        submission = _lock(submission)
        _check_transition(submission, SubmissionStatus.ACCEPTED)
        if not submission.consent_to_publish:
            raise ModerationError("The submitter did not agree to publication.")
        # A site set up before ideas existed gets its ideas index now.
        index = ensure_site_structure()[3]
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
    """Point the submission at an existing published idea that says the same thing."""
    with transaction.atomic():
        submission = _lock(submission)
        _check_transition(submission, SubmissionStatus.MERGED)
        if not into.live:
            raise ModerationError("Merge into a published idea.")
        submission.merged_into = into
        _move(submission, SubmissionStatus.MERGED, moderator, message)
    return submission


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
    return change


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
