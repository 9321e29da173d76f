"""Time zones, in one place: checking IANA names, a person's "today", a pair's clock.

People's zones come from their Slack profile or an HR file and are stored as IANA names; a name
the machine's zone database doesn't know is treated as absent, never as an error mid-run.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for an IANA name; ValueError for an unknown or empty name."""
    if not name:
        raise ValueError("no time zone given")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def valid_zone(name: str | None) -> str | None:
    """The name if it is a zone this machine knows, else None."""
    try:
        zone(name)
    except ValueError:
        return None
    return name


def pair_zone(mentee_tz: str | None, mentor_tz: str | None) -> str:
    """A pair's clock: the mentee's zone, else the mentor's, else UTC."""
    return valid_zone(mentee_tz) or valid_zone(mentor_tz) or "UTC"


def local_today(now: datetime, tz: str | None) -> date:
    """The date it is now where the person is (UTC's date when their zone is unknown)."""
    try:
        return now.astimezone(zone(tz)).date()
    except ValueError:
        return now.date()


@cache
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def iana_name(raw: str) -> str | None:
    """`raw` as a known IANA name: as given, or properly spelled when only its case is off
    ("europe/london" -> "Europe/London"); None when it is no zone at all."""
    value = raw.strip()
    if not value:
        return None
    return valid_zone(value) or _by_folded_name().get(value.casefold())


def closest_name(raw: str) -> str | None:
    """The known zone name closest to a misspelt one, for a "did you mean" hint."""
    value = raw.strip().casefold()
    hint = difflib.get_close_matches(value, list(_by_folded_name()), n=1, cutoff=0.6) if value else []
    return _by_folded_name()[hint[0]] if hint else None


def unknown_zone_problem(label: str, raw: str) -> str:
    """What to tell someone who typed a zone name this machine doesn't know (command line, CSV)."""
    value = raw.strip()
    hint = closest_name(value)
    return (f"{label} '{value}' isn't an IANA time zone"
            + (f" (did you mean '{hint}'?)" if hint else " (use a name such as Europe/London)"))
