"""Reads for the ideas service: vocabularies for the form, status lookups, similar content."""

import logging
import re
from dataclasses import dataclass

from django.db.models import Q

from kb.search.service import SearchParams, search_documents

from .models import IdeaIndexPage, IdeaSubmission
from .tokens import hash_token

logger = logging.getLogger(__name__)

SIMILAR_LIMIT = 5
SIMILAR_MIN_LENGTH = 4
SIMILAR_MAX_LENGTH = 150
# Characters that are syntax to a full-text engine (FTS5 raises on an unbalanced quote), and
# control characters.
_QUERY_SYNTAX = re.compile(r"[\"'*^(){}\[\]:+\-~<>|\\/!?.,;&%$#@=`]|[\x00-\x1f\x7f]")
# Words too common in ideas to say anything about similarity.
_STOP_WORDS = frozenset(
    (  # noqa: SIM905
        "a an and are as at be by for from in into is it of on or our the this to use using we "
        "with without more less reduce reducing cut cutting improve improving better"
    ).split()
)


@dataclass(frozen=True)
class SimilarItem:
    title: str
    url: str
    kind: str
    summary: str

    def as_dict(self):
        return {"title": self.title, "url": self.url, "kind": self.kind, "summary": self.summary}


def form_vocabularies():
    """(waste types, pathways) for the submission form, in display order."""
    from kb.taxonomy.models import Pathway, WasteType

    return list(WasteType.objects.order_by("pk")), list(Pathway.objects.all())


def submission_for_status_token(token):
    """The submission a status link opens, or None. Looked up by the token's hash only."""
    if not token or len(token) > 100:
        return None
    return (
        IdeaSubmission.objects.select_related("idea_page", "merged_into", "waste_type")
        .filter(status_token_hash=hash_token(token))
        .first()
    )


def idea_index():
    return IdeaIndexPage.objects.first()


def matching_organisation(name):
    """The known organisation a typed name (or ODS code) refers to, if exactly one does."""
    from kb.taxonomy.models import Organisation

    name = (name or "").strip()
    if not name:
        return None
    found = list(Organisation.objects.filter(Q(name__iexact=name) | Q(ods_code__iexact=name))[:2])
    return found[0] if len(found) == 1 else None


def organisation_names():
    from kb.taxonomy.models import Organisation

    return list(Organisation.objects.values_list("name", flat=True))


def search_words(text):
    """The words of `text` worth searching for: engine syntax and stop words removed."""
    text = _QUERY_SYNTAX.sub(" ", str(text or "")[:SIMILAR_MAX_LENGTH])
    # Numbers never help find a similar idea and may be patient identifiers: leave them out.
    return [
        w
        for w in text.split()
        if w.lower() not in _STOP_WORDS and len(w) > 1 and not any(c.isdigit() for c in w)
    ]


# What a suggestion is called, by the search document's kind: someone about to share an idea
# should see the ideas, case studies and guidance that already cover it.
SIMILAR_KINDS = {
    "idea": "Idea",
    "case-study": "Case study",
    "improvement-guide": "Improvement guide",
    "girft-standard": "GIRFT standard",
    "blueprint": "Blueprint",
}


def similar_content(text, limit=SIMILAR_LIMIT):
    """Published ideas, case studies and guidance like `text` (a title being typed), best first.

    The site's own search (kb.search), any word matching, of the kinds in SIMILAR_KINDS: ideas
    first, alternating with the rest. If search fails the form must still work, so an error
    gives no suggestions, not an error page.
    """
    words = search_words(text)
    if not words or len(" ".join(words)) < SIMILAR_MIN_LENGTH:
        return []
    params = SearchParams(q=" ".join(words), filters={"type": set(SIMILAR_KINDS)}, match_any=True)
    try:
        result, _ = search_documents(params, page_size=limit * 2)
    except Exception:  # a search failure must not break the form
        logger.exception("Similar-content search failed")
        return []
    ideas = [hit for hit in result.hits if hit.type == "idea"]
    cases = [hit for hit in result.hits if hit.type != "idea"]
    return [
        SimilarItem(
            title=hit.title,
            url=hit.url,
            kind=SIMILAR_KINDS.get(hit.type, "Page"),
            summary=hit.summary,
        )
        for hit in _interleave(ideas, cases)[:limit]
    ]


def _interleave(first, second):
    """Ideas first, then case studies, alternating: backing an idea beats repeating it."""
    merged = []
    for pair in zip(first, second, strict=False):
        merged.extend(pair)
    longer = first if len(first) > len(second) else second
    merged.extend(longer[min(len(first), len(second)) :])
    return merged
