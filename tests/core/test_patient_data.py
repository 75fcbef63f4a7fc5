"""The patient data guard: NHS numbers are found (and refused), likely identifiers flagged."""

import datetime

import pytest

from kb.core.patient_data import (
    DATE_OF_BIRTH,
    POSTCODE_AND_NAME,
    contains_nhs_number,
    find_nhs_numbers,
    is_valid_nhs_number,
    likely_identifiers,
)

# Valid Modulus 11 check digits (943 476 5919 is the NHS's own example of a valid number).
VALID = ["9434765919", "4010232137", "4505577104", "9990001111"]


@pytest.mark.parametrize("number", VALID)
def test_valid_check_digits_are_recognised(number):
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # check digit should be 9
        "9434765910",
        "4010232138",
        "1234567890",  # the check digit would have to be 10: never a valid NHS number
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943476591a",
        "",
    ],
)
def test_invalid_numbers_are_rejected(number):
    assert not is_valid_nhs_number(number)


def test_the_check_digit_arithmetic():
    # 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 % 11 = 2; 11 - 2 = 9.
    assert is_valid_nhs_number("9434765919")
    # A remainder of 0 makes the check digit 11, written as 0.
    assert is_valid_nhs_number("0000000000")


@pytest.mark.parametrize(
    "text",
    [
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "943 - 476 - 5919".replace(" - ", "-"),
        "943\u00a0476\u00a05919",  # non-breaking spaces
        "943\u2013476\u20135919",  # en dashes
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # full-width digits
        "943\u200b476\u200b5919",  # zero-width spaces, as pasted from some systems
        "9434\u00ad765919",  # a soft hyphen, as pasted from a word processor
        "943\u2060476\u20605919",  # word joiners
        "943\t476\t5919",  # tabs, as pasted from a spreadsheet
        "The patient (NHS no. 943 476 5919) waited four hours.",
        "nhs:9434765919,",
        "Seen twice: 9434765919 and then 123.",
        "first line\n943 476 5919\nlast line",
    ],
)
def test_nhs_numbers_are_found_spaced_hyphenated_unspaced_and_embedded(text):
    assert contains_nhs_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5918",  # wrong check digit
        "Call 07700 900123 for theatres",  # an 11-digit mobile number
        "01632 960 001",  # an 11-digit landline number
        "01632960001",
        "020 7946 0123",
        "+44 7700 900123",
        "+44 300 961 8123",  # an international 3-3-4 number
        "(0) 943 476 5919",  # a national number written after (0)
        "beds 12, 14, 16, 18, 20",  # a list written with commas is not one number
        "We saved 1,234,567,890 pounds",
        "Order 12345678901234",  # a long reference
        "Between 2019 and 2024 we saw 3000 patients",
        "",
    ],
)
def test_other_numbers_pass(text):
    assert not contains_nhs_number(text)


def test_spans_point_at_the_number_without_keeping_it():
    text = "NHS number 943 476 5919 here"
    [found] = find_nhs_numbers(text)
    assert text[found.start : found.end] == "943 476 5919"
    assert not hasattr(found, "number")


TODAY = datetime.date(2026, 6, 1)


@pytest.mark.parametrize(
    "text",
    [
        "DOB 12/03/1956",
        "D.O.B: 1/2/45",
        "date of birth 12-03-1956",
        "born 3 March 1987",
        "Mr X, 12/03/1956, was admitted",  # a full date decades ago reads like a birth
        "born on 4th July 2001",
    ],
)
def test_dates_of_birth_are_flagged(text):
    assert DATE_OF_BIRTH in likely_identifiers(text, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "Since 01/04/2024 the clinic starts at 8",
        "The pilot ran from 3 March 2025 to June",
        "We cut waits by 12/03 of an hour",  # not a date with a year
    ],
)
def test_recent_dates_are_not_flagged(text):
    assert DATE_OF_BIRTH not in likely_identifiers(text, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "Mrs Jones, LS1 4AP, waited six hours",
        "John Smith lives at SW1A 1AA",
        "M1 1AE: Dr Patel saw her",
        "ls1 4ap - Ms Brown",
    ],
)
def test_a_postcode_next_to_a_name_is_flagged(text):
    assert POSTCODE_AND_NAME in likely_identifiers(text, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "Leeds General Infirmary, LS1 3EX",  # an address, not a person
        "The postcode LS1 4AP has good transport links",
        "Mrs Jones was very helpful",  # a name without a postcode
    ],
)
def test_postcodes_alone_or_in_addresses_are_not_flagged(text):
    assert POSTCODE_AND_NAME not in likely_identifiers(text, today=TODAY)


def test_flags_are_codes_not_the_matched_text():
    assert likely_identifiers("DOB 12/03/1956, Mrs Jones, LS1 4AP", today=TODAY) == [
        DATE_OF_BIRTH,
        POSTCODE_AND_NAME,
    ]


@pytest.mark.parametrize(
    "text", ["94 34 76 59 19", "9 4 3 4 7 6 5 9 1 9", "beds 12 14 16 18 20", "9434 765 919"]
)
def test_every_grouping_of_a_valid_nhs_number_is_refused(text):
    # Since issue 11: any grouping is refused, not flagged. A run of small numbers that happens
    # to pass the check digit ("beds 12 14 16 18 20") is refused too; a comma lets it through.
    assert contains_nhs_number(text)
    assert "possible-nhs-number" not in likely_identifiers(text, today=TODAY)
