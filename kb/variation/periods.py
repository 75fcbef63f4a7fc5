"""Reporting periods of variation data: `2025-04` (a month), `2025-Q2` (a quarter), `2025`.

A period is stored three ways: the canonical string (what people read and what files give),
its kind (month, quarter or year) and the date it starts on (for ordering and for charts).
Within one kind the canonical strings also sort in time order, which the queries rely on.
"""

import datetime
import re

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
FIRST_YEAR, LAST_YEAR = 1900, 2100

_PERIOD = re.compile(r"([0-9]{4})(?:-(?:([0-9]{1,2})|[Qq]([1-4])))?", re.ASCII)


def parse_period(text):
    """(canonical, kind, start date) for `2025-04`, `2025-4`, `2025-Q2`, `2025-q2` or `2025`;
    None for anything else (a day, a range, a year outside 1900-2100, month 13...)."""
    match = _PERIOD.fullmatch(text.strip())
    if not match:
        return None
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    month, quarter = match.group(2), match.group(3)
    if month is not None:
        number = int(month)
        if not 1 <= number <= 12:
            return None
        return f"{year}-{number:02d}", MONTH, datetime.date(year, number, 1)
    if quarter is not None:
        number = int(quarter)
        return f"{year}-Q{number}", QUARTER, datetime.date(year, 3 * number - 2, 1)
    return str(year), YEAR, datetime.date(year, 1, 1)
