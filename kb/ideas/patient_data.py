"""Patient data guard: find NHS numbers (refused) and other likely identifiers (flagged).

Pure functions on text, no Django: staff must not paste patient-identifiable information into an
idea. A valid NHS number anywhere refuses the submission. Dates of birth and a postcode next to a
name are only likely, so they are flagged for moderators rather than refused.

Text is NFKC-normalised before scanning so that full-width digits and non-breaking spaces do not
slip past the patterns.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

# Separators people put inside an NHS number: space, hyphen and their typographic cousins
# (non-breaking hyphen, en dash). NFKC already turns non-breaking spaces into spaces.
_SEP = "[ \\-\u2010\u2011\u2012\u2013]"
# The printed form 3-3-4 (e.g. 943 476 5919), or ten digits in a row. Digits either side mean
# a longer number (an 11-digit phone number contains ten-digit runs), which is not a match.
_NHS_CANONICAL = re.compile(rf"(?<![0-9])[0-9]{{3}}{_SEP}?[0-9]{{3}}{_SEP}?[0-9]{{4}}(?![0-9])")
# Any grouping (94 34 76 59 19): a maximal run of digits joined by single separators.
_DIGIT_RUN = re.compile(rf"(?<![0-9])[0-9](?:{_SEP}?[0-9])*(?![0-9])")
# A number straight after an international dialling code is a phone number (+44 300 961 8123).
_INTERNATIONAL_PREFIX = re.compile(r"(?:\+\s?\d{1,3}|\(0\))[ \-]?$")

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

DATE_OF_BIRTH = "date-of-birth"
POSTCODE_AND_NAME = "postcode-and-name"
UNUSUAL_NHS_NUMBER = "possible-nhs-number"
FLAG_LABELS = {
    DATE_OF_BIRTH: "Possible date of birth",
    POSTCODE_AND_NAME: "Possible postcode next to a name",
    UNUSUAL_NHS_NUMBER: "Possible NHS number in an unusual grouping",
}

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


@dataclass(frozen=True)
class NhsNumberFound:
    """Where an NHS number was found; the number itself is deliberately not kept."""

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


def find_nhs_numbers(text):
    """Every valid NHS number written as one is (943 476 5919, 943-476-5919, 9434765919),
    as NhsNumberFound spans in the normalised text."""
    text = _normalise(text)
    return [
        NhsNumberFound(*match.span())
        for match in _NHS_CANONICAL.finditer(text)
        if is_valid_nhs_number(re.sub(r"[^0-9]", "", match.group()))
        and not _INTERNATIONAL_PREFIX.search(text[: match.start()])
    ]


def _has_unusual_nhs_number(text):
    """Ten digits in another grouping (94 34 76 59 19) that pass the check digit test.

    About one in eleven runs of small numbers ("beds 12 14 16 18 20") also pass, so these are
    flagged to moderators rather than refused."""
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())
        if is_valid_nhs_number(digits) and not _INTERNATIONAL_PREFIX.search(text[: match.start()]):
            return True
    return False


REDACTED = "[NHS number removed]"


def redact_nhs_numbers(text):
    """The text with each NHS number replaced by a marker; unchanged if it has none."""
    found = find_nhs_numbers(text)
    if not found:
        return text
    normalised = _normalise(text)
    for span in reversed(found):
        normalised = normalised[: span.start] + REDACTED + normalised[span.end :]
    return normalised


def contains_nhs_number(text):
    return bool(find_nhs_numbers(text))


def likely_identifiers(text, today=None):
    """The kinds of likely (not certain) identifiers in `text`: a list of flag codes."""
    text = _normalise(text)
    flags = []
    if _has_date_of_birth(text, today or datetime.date.today()):
        flags.append(DATE_OF_BIRTH)
    if _has_postcode_next_to_name(text):
        flags.append(POSTCODE_AND_NAME)
    if _has_unusual_nhs_number(text):
        flags.append(UNUSUAL_NHS_NUMBER)
    return flags


def _normalise(text):
    """NFKC, minus invisible format characters (zero-width space, soft hyphen, word joiner,
    byte-order mark), which would otherwise hide an NHS number from the patterns."""
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
