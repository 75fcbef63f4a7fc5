"""Turning what a person typed into a safe, expanded full-text query.

Pure functions, no database: the input is cleaned (control characters, engine syntax, length),
split into clauses that must all match, and each clause widened with its synonyms and other
spellings. `fts5_match` writes the result in SQLite FTS5 syntax with every word quoted, so no
input can reach the engine as an operator.
"""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200
MAX_CLAUSES = 12
# Words that carry no meaning on their own; dropped unless they are all the query has.
STOP_WORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "into", "is",
     "it", "of", "on", "or", "our", "the", "their", "to", "was", "what", "when", "where",
     "which", "who", "why", "with"]
)  # fmt: skip
_WORD = re.compile(r"[^\W_]+(?:[-&'’][^\W_]+)*")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")


def clean_text(raw):
    """Normalise unicode, drop control characters, collapse spaces and cap the length."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    return text[:MAX_QUERY_LENGTH].strip()


def words(text):
    """Lowercase words, keeping A&E, T&O, co-design and children's whole."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


@dataclass
class Clause:
    """One part of the query: any of its alternatives (each a phrase of words) may match."""

    alternatives: list  # [tuple of words]
    typed: str = ""

    def phrases(self):
        return [" ".join(alternative) for alternative in self.alternatives]


@dataclass
class ParsedQuery:
    text: str  # the cleaned query, as shown back to the user
    clauses: list = field(default_factory=list)
    truncated: bool = False
    # Any clause may match instead of every one: for suggestions while someone types a title.
    match_any: bool = False

    @property
    def is_empty(self):
        return not self.clauses

    def terms(self):
        """Every word or phrase that can match, for highlighting."""
        return sorted({p for clause in self.clauses for p in clause.phrases()}, key=len)


class SynonymIndex:
    """Finds synonym phrases in a word sequence (longest match first)."""

    def __init__(self, groups, spelling=None):
        self.groups = []
        self.by_first_word = {}
        for group in groups:
            phrases = []
            for item in group:
                item_words = tuple(words(item))
                if item_words and item_words not in phrases:
                    phrases.append(item_words)
            if len(phrases) < 2:
                continue
            index = len(self.groups)
            self.groups.append(phrases)
            for phrase in phrases:
                self.by_first_word.setdefault(phrase[0], []).append((phrase, index))
        for entries in self.by_first_word.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        self.spelling = spelling or (lambda word: [])

    def match_at(self, tokens, start):
        """(length, [alternatives]) of the longest synonym phrase starting at tokens[start]."""
        best = None
        for phrase, index in self.by_first_word.get(tokens[start], ()):
            end = start + len(phrase)
            if tuple(tokens[start:end]) == phrase and (best is None or len(phrase) > best[0]):
                best = (len(phrase), index)
        if best is None:
            return None
        length, index = best
        merged = list(self.groups[index])
        # A phrase can belong to several groups (a vocabulary term and a clinical group).
        for other_phrase, other in self.by_first_word.get(tokens[start], ()):
            if other != index and other_phrase == tuple(tokens[start : start + length]):
                merged.extend(p for p in self.groups[other] if p not in merged)
        return length, merged


def parse_query(raw, synonyms=None):
    """Clean and expand a query. `synonyms` is a SynonymIndex (or None for none)."""
    cleaned = clean_text(raw)
    truncated = len(" ".join((raw or "").split())) > MAX_QUERY_LENGTH
    parsed = ParsedQuery(text=cleaned, truncated=truncated)
    synonyms = synonyms or SynonymIndex([])

    # Balanced double quotes mark exact phrases; an odd quote is just ignored.
    segments = []
    if cleaned.count('"') >= 2:
        for index, part in enumerate(cleaned.split('"')):
            segments.append((part, index % 2 == 1 and cleaned.count('"') % 2 == 0))
    else:
        segments.append((cleaned.replace('"', " "), False))

    clauses = []
    for text, is_phrase in segments:
        tokens = words(text)
        if not tokens:
            continue
        if is_phrase:
            alternatives = [tuple(tokens)]
            found = synonyms.match_at(tokens, 0)
            if found and found[0] == len(tokens):
                alternatives += [p for p in found[1] if p not in alternatives]
            clauses.append(Clause(alternatives, typed=" ".join(tokens)))
            continue
        position = 0
        while position < len(tokens):
            found = synonyms.match_at(tokens, position)
            if found:
                length, alternatives = found
                typed = " ".join(tokens[position : position + length])
                ordered = [tuple(tokens[position : position + length])]
                ordered += [p for p in alternatives if p not in ordered]
                clauses.append(Clause(ordered, typed=typed))
                position += length
                continue
            word = tokens[position]
            alternatives = [(word,)] + [(w,) for w in synonyms.spelling(word)]
            clauses.append(Clause(alternatives, typed=word))
            position += 1

    meaningful = [c for c in clauses if not (len(c.alternatives) == 1 and c.typed in STOP_WORDS)]
    parsed.clauses = (meaningful or clauses)[:MAX_CLAUSES]
    return parsed


def fts5_match(parsed):
    """SQLite FTS5 MATCH expression: every clause required (any, with match_any), alternatives
    ORed, all quoted."""
    parts = []
    for clause in parsed.clauses:
        quoted = [f'"{phrase}"' for phrase in clause.phrases()]
        parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return (" OR " if parsed.match_any else " AND ").join(parts)
