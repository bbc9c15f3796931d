"""Date arithmetic the programme needs (months, programme length)."""

from __future__ import annotations

import calendar
from datetime import date

PROGRAMME_MONTHS = 9


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of the target month."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def default_end(start: date) -> date:
    """The default end of a cohort that starts on ``start``: nine months later."""
    return add_months(start, PROGRAMME_MONTHS)
