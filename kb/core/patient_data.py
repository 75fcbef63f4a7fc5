"""Patient data guard: the one rule for NHS numbers (refused) and likely identifiers (flagged).

Pure functions on text, no Django. Every door that stores free text (public forms, moderators'
messages, the page editor, snippets, Markdown import, the stored-data scan) asks this module, on
exactly the text it will store.

The rule for NHS numbers:

- Ten digits with a correct Modulus 11 check digit are an NHS number, however they are grouped:
  `9434765919`, `943 476 5919`, `94 34 76 59 19`, `943.476.5919`, `943/476/5919`,
  `943-476-5919`, one digit a line, and so on.
- Between the groups may stand any amount of white space (spaces, tabs, line breaks: a page
  shows them all as one space), up to three dots, slashes or hyphens (any dash), and any number
  of invisible characters: control and format characters (zero-width space, soft hyphen, word
  joiner, byte-order mark), combining marks, the Markdown emphasis and escape characters
  (`*`, `_`, `~`, backtick, backslash) and HTML tags or entities, none of which a reader sees.
- A digit is anything that reads as one: full-width `９`, Arabic-Indic `٩`, superscript `⁹`.
- Ten digits inside a longer unbroken number (an 11-digit phone number, a long reference) are not
  an NHS number, nor are digits written after `+` (an international phone number, up to 13
  digits) or after `(0)`.
- Numbers that fail the check digit pass: phone numbers, order numbers, most numeric lists.

The price of "any grouping" is that about one run of small numbers in eleven that add up to ten
digits ("beds 12 14 16 18 20") passes the check by chance and is refused too; the person is told
where, and rewording it (a comma, a word) lets it through. A safety rule errs that way.

Dates of birth and a postcode next to a name are only likely identifiers: they are flagged for
moderators rather than refused.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

REDACTED = "[NHS number removed]"
NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

DATE_OF_BIRTH = "date-of-birth"
POSTCODE_AND_NAME = "postcode-and-name"
# No longer raised (every grouping is now refused); kept so flags stored earlier still read well.
UNUSUAL_NHS_NUMBER = "possible-nhs-number"
FLAG_LABELS = {
    DATE_OF_BIRTH: "Possible date of birth",
    POSTCODE_AND_NAME: "Possible postcode next to a name",
    UNUSUAL_NHS_NUMBER: "Possible NHS number in an unusual grouping",
}

# Visible punctuation allowed between digit groups, and how many of it in one gap.
_PUNCTUATION = frozenset("./-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d")
_MAX_PUNCTUATION_IN_GAP = 3
# Markdown characters a reader never sees between digits ("943**476**5919").
_MARKUP = frozenset("*_~`\\")
# An HTML tag or entity between digits (rich text, Markdown's inline HTML).
_TAG_OR_ENTITY = re.compile(
    r"<[^<>\n]{0,300}>|&(?:[a-zA-Z][a-zA-Z0-9]{1,30}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
)
# A phone number, not an NHS number: after a `+`, up to this many digits belong to it.
_PHONE_DIGITS = 13
_NATIONAL_PREFIX = re.compile(r"\(0\)\s*$")
_INTERNATIONAL_PREFIX = re.compile(r"\+\s*$")

DIGIT, GAP, PUNCT, OTHER = "digit", "gap", "punct", "other"


@dataclass(frozen=True)
class NhsNumberFound:
    """Where an NHS number was found (a span of the scanned text); the number is not kept."""

    start: int
    end: int


def is_valid_nhs_number(digits):
    """True if `digits` (exactly ten ASCII digits) has a correct Modulus 11 check digit."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], NHS_NUMBER_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


@lru_cache(maxsize=8192)
def _digit_value(ch):
    """The ASCII digit a character reads as, or None."""
    if "0" <= ch <= "9":
        return ch
    if ch.isascii():
        return None
    value = unicodedata.decimal(ch, None)
    if value is not None:
        return str(value)
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and "0" <= folded <= "9":
        return folded
    return None


@lru_cache(maxsize=8192)
def _kind(ch):
    if _digit_value(ch) is not None:
        return DIGIT
    if ch.isspace() or ch in _MARKUP:
        return GAP
    if ch in _PUNCTUATION:
        return PUNCT
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Co", "Cn"):
        return GAP
    folded = unicodedata.normalize("NFKC", ch)
    if folded and all(c.isspace() for c in folded):
        return GAP
    if len(folded) == 1 and folded in _PUNCTUATION:
        return PUNCT
    return OTHER


@dataclass
class _Group:
    start: int
    end: int
    digits: str


def _runs(text):
    """Runs of digit groups a reader would see as one number, as lists of _Group, each run with
    a flag saying whether it is a phone number's (after `+` or `(0)`)."""
    runs, run, group = [], [], None
    punctuation_in_gap = 0
    i, length = 0, len(text)
    while i < length:
        ch = text[i]
        if ch in "<&":
            tag = _TAG_OR_ENTITY.match(text, i)
            if tag:
                if group is not None:
                    run.append(group)
                    group = None
                i = tag.end()
                continue
        kind = _kind(ch)
        if kind == DIGIT:
            if group is None:
                if not run:
                    run_prefix = text[max(0, i - 12) : i]
                group = _Group(i, i + 1, _digit_value(ch))
                punctuation_in_gap = 0
            else:
                group.end = i + 1
                group.digits += _digit_value(ch)
        else:
            if group is not None:
                run.append(group)
                group = None
            if kind == PUNCT and run:
                punctuation_in_gap += 1
                if punctuation_in_gap > _MAX_PUNCTUATION_IN_GAP:
                    runs.append((run, run_prefix))
                    run = []
            elif kind == OTHER and run:
                runs.append((run, run_prefix))
                run = []
        i += 1
    if group is not None:
        run.append(group)
    if run:
        runs.append((run, run_prefix))
    return runs


def _phone_groups(run, prefix):
    """How many groups at the start of a run belong to a phone number."""
    if _INTERNATIONAL_PREFIX.search(prefix):
        limit = _PHONE_DIGITS
    elif _NATIONAL_PREFIX.search(prefix):
        limit = 10
    else:
        return 0
    count, total = 0, 0
    for group in run:
        total += len(group.digits)
        if total > limit:
            break
        count += 1
    return max(count, 1)


def find_nhs_numbers(text):
    """Every valid NHS number in `text`, in any grouping, as NhsNumberFound spans of `text`
    itself (so a caller can replace exactly those characters). Overlapping finds are merged."""
    text = str(text or "")
    if text.isascii() and sum(text.count(digit) for digit in "0123456789") < 10:
        return []  # too few digits for a number (other scripts' digits take the full scan)
    spans = []
    for run, prefix in _runs(text):
        first = _phone_groups(run, prefix)
        for i in range(first, len(run)):
            digits = ""
            for j in range(i, len(run)):
                digits += run[j].digits
                if len(digits) > 10:
                    break
                if len(digits) == 10:
                    if is_valid_nhs_number(digits):
                        spans.append((run[i].start, run[j].end))
                    break
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [NhsNumberFound(start, end) for start, end in merged]


def contains_nhs_number(text):
    return bool(find_nhs_numbers(text))


def redact_nhs_numbers(text):
    """The text with each NHS number replaced by "[NHS number removed]"; otherwise unchanged."""
    if not text:
        return text
    text = str(text)
    for span in reversed(find_nhs_numbers(text)):
        text = text[: span.start] + REDACTED + text[span.end :]
    return text


def texts_in(value):
    """Every string inside a value: a str, a list or dict of them (JSON), or an object that
    knows its stored form (a StreamField value's `get_prep_value()`, rich text's `source`)."""
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "id":  # a StreamField block's UUID, not anyone's words
                yield from texts_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts_in(item)
    elif hasattr(value, "get_prep_value"):
        yield from texts_in(value.get_prep_value())
    elif hasattr(value, "source"):
        yield from texts_in(value.source)


def holds_nhs_number(value):
    """True if any string inside `value` (see `texts_in`) holds a valid NHS number."""
    return any(contains_nhs_number(text) for text in texts_in(value))


def redact_value(value):
    """A JSON-like value (str, list, dict) with every NHS number in its strings replaced."""
    if isinstance(value, str):
        return redact_nhs_numbers(value)
    if isinstance(value, dict):
        return {redact_value(key): redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return value


# Likely identifiers: flagged for moderators, not refused.

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_NUMERIC_DATE = re.compile(
    r"(?<![0-9])(?P<day>[0-3]?[0-9])[/.\-](?P<month>[01]?[0-9])[/.\-](?P<year>[0-9]{4}|[0-9]{2})"
    r"(?![0-9])"
)
_WORDED_DATE = re.compile(
    rf"(?<![0-9])(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?\s+(?P<month>{_MONTHS})\.?,?\s+"
    r"(?P<year>[0-9]{4})(?![0-9])",
    re.IGNORECASE,
)
_DOB_KEYWORD = re.compile(r"\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?)\b", re.I)
# Dates this many years old or more are more likely a birth than a service change.
_BIRTH_YEAR_AGE = 5

# UK postcode, outward and inward code (SW1A 1AA, LS1 4AP, M1 1AE); also in lower case.
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-Z][a-z]+(?:['\u2019\-][A-Z]?[a-z]+)?"
_TITLED_NAME = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+{_NAME_WORD}")
_TWO_NAME_WORDS = re.compile(rf"\b({_NAME_WORD})\s+({_NAME_WORD})\b")
# Capitalised words that make an address or a service, not a person, when next to a postcode.
_NOT_NAME_WORDS = frozenset(
    word.lower()
    # A word list reads better as prose than as eighty quoted strings.
    for word in (  # noqa: SIM905
        "Hospital Infirmary General Royal University Trust Foundation Health Care Centre Center "
        "Clinic Practice Surgery Medical Ward Unit House Street Road Lane Avenue Way Close "
        "Court Drive Place Park Square Hill Green Gardens Building Campus Site Community "
        "Mental Services Service Emergency Department Integrated Board Primary Network The "
        "North South East West Central New Old Saint St Upper Lower Great Little Memorial "
        "County City District Borough Council Team Theatre Theatres Outpatients Maternity "
        "Children Day Urgent Treatment Our We My This That In At On Of And For To"
    ).split()
)
_NAME_WINDOW = 60


def likely_identifiers(text, today=None):
    """The kinds of likely (not certain) identifiers in `text`: a list of flag codes."""
    text = _normalise(text)
    flags = []
    if _has_date_of_birth(text, today or datetime.date.today()):
        flags.append(DATE_OF_BIRTH)
    if _has_postcode_next_to_name(text):
        flags.append(POSTCODE_AND_NAME)
    return flags


def _normalise(text):
    """NFKC, minus invisible format characters, so that look-alike characters do not slip past
    the date and postcode patterns."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.replace("\t", " ")


def _dates(text):
    for pattern in (_NUMERIC_DATE, _WORDED_DATE):
        for match in pattern.finditer(text):
            year = int(match.group("year"))
            if pattern is _NUMERIC_DATE:
                day, month = int(match.group("day")), int(match.group("month"))
                if not (1 <= day <= 31 and 1 <= month <= 12):
                    continue
            yield match, year


def _has_date_of_birth(text, today):
    for match, year in _dates(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if _DOB_KEYWORD.search(before):
            return True
        # A full four-digit year well in the past reads like a birth date on its own.
        if len(match.group("year")) == 4 and 1900 <= year <= today.year - _BIRTH_YEAR_AGE:
            return True
    return False


def _has_postcode_next_to_name(text):
    for match in _POSTCODE.finditer(text):
        window = text[max(0, match.start() - _NAME_WINDOW) : match.end() + _NAME_WINDOW]
        if _TITLED_NAME.search(window):
            return True
        for pair in _TWO_NAME_WORDS.finditer(window):
            if not {pair.group(1).lower(), pair.group(2).lower()} & _NOT_NAME_WORDS:
                return True
    return False
