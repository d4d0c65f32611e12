"""The one date grammar of every command, as click parameter types (bad values exit 2).

`YYYY-MM-DD` is a day; where a range is asked for, `YYYY-MM` is the whole month: `--since
2011-11` starts on November 1st and `--until 2011-11` ends on November 30th. `--month` takes
`YYYY-MM` only. Anything else is a usage error.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

import click

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 1, 9998  # a month's issue date (the month after) must exist


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of `YYYY-MM`; ValueError with the reason otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a month (YYYY-MM)")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}': month must be 01-12")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"'{text}': year must be {FIRST_YEAR:04d}-{LAST_YEAR}")
    return year, month


def parse_day(text: str, *, end: bool = False) -> str:
    """`YYYY-MM-DD` as is (validated); `YYYY-MM` as its first day, or its last when `end`."""
    value = text.strip()
    match = _DAY.fullmatch(value)
    if match:
        try:
            date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a valid date: {exc}") from None
        return value
    try:
        year, month = parse_month(value)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD, or YYYY-MM for a month)") from None
    day = calendar.monthrange(year, month)[1] if end else 1
    return f"{year:04d}-{month:02d}-{day:02d}"


class DayParam(click.ParamType):
    """A date option: YYYY-MM-DD, or YYYY-MM for the first (since) or last (until) day."""

    name = "date"

    def __init__(self, *, end: bool = False) -> None:
        self.end = end

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The date as YYYY-MM-DD, or a usage error."""
        try:
            return parse_day(str(value), end=self.end)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class MonthParam(click.ParamType):
    """A month option: YYYY-MM."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The month as YYYY-MM, or a usage error."""
        try:
            year, month = parse_month(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return f"{year:04d}-{month:02d}"


SINCE = DayParam()
UNTIL = DayParam(end=True)
MONTH = MonthParam()
