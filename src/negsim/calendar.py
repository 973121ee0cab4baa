"""Calendar months: the model's clock runs one step per month."""

from __future__ import annotations

import datetime as dt
import re

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
FIRST_YEAR, LAST_YEAR = 1000, 3000  # plausible diplomacy, and within what dates can plot


def parse_month(text: str | dt.date) -> int:
    """Return the absolute month index (year * 12 + month - 1) of a date.

    Accepts ``YYYY-MM`` or ``YYYY-MM-DD`` (the day is dropped: one step is a month).
    """
    if isinstance(text, dt.date):
        return text.year * 12 + text.month - 1
    match = _MONTH_RE.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM or YYYY-MM-DD")
    year, month = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{text!r}: years run {FIRST_YEAR}-{LAST_YEAR}")
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} has month {month}; months run 01-12")
    if match.group(3) is not None:
        dt.date(year, month, int(match.group(3)))  # raises on 1965-02-30
    return year * 12 + month - 1


def format_month(index: int) -> str:
    """Return ``YYYY-MM`` for an absolute month index."""
    year, month0 = divmod(int(index), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def month_to_date(index: int) -> dt.date:
    """Return the first day of the month, for plotting on a date axis."""
    year, month0 = divmod(int(index), 12)
    return dt.date(year, month0 + 1, 1)
