"""Never an empty release section: the fallbacks behind a release's own ChangeLog section.

Order: the release's own ChangeLog entries; the entries of its rc sections (resource-agents
writes a final's changes under `- release candidate 4.18.0 rc1` and leaves the final's section
empty); the items of its announcement; the commits of its release range. A maintenance release
whose commits are all in a sibling release of the same month (corosync 1.3.4 and 1.4.2, tagged
the same day) is drafted after that sibling, so the changes are shown once, under the sibling,
and the backport's section says so (「1.4.2と同じ修正を含みます」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.fetch.releases import final_of

Row = dict[str, Any]
SAME_DAY = timedelta(days=1)  # a backport and its sibling are tagged within a day
Picked = tuple[list[Any], str, tuple[str, ...]]  # changes, how they were chosen, rc sections

__all__ = [
    "Claims",
    "Picked",
    "backport_order",
    "claim",
    "commit_keys",
    "rc_entries",
    "sibling_of",
]


def rc_entries(db: Database, project: str, version: str) -> tuple[tuple[str, ...], list[Row]]:
    """The rc versions of a final release with ChangeLog entries, and those entries (newest
    rc first, as in the file)."""
    rcs = [
        r["version"]
        for r in store.releases_of(db, project)
        if r["is_rc"] and r["version"] != version and final_of(r["version"]) == version
    ]
    found = store.changelog_entries_of(db, [(project, rc) for rc in rcs])
    used = tuple(rc for rc in rcs if found.get((project, rc)))
    return used, [entry for rc in reversed(used) for entry in found[(project, rc)]]


@dataclass(frozen=True)
class Claims:
    """Which release shows which change: each release's kept changes, the release showing each
    change key, and for each backport the release it copies."""

    kept: dict[int, list[Any]]
    shown_in: dict[str, int]
    copies: dict[int, int]


def claim(db: Database, releases: list[Row], picks: list[Picked], noise: re.Pattern[str]) -> Claims:
    """Each change shown once, releases claiming theirs in draft order, a backport after the
    release it copies. A backport whose changes come from its commits shows none: its section
    points at the sibling (its commits are the sibling's, even those the sibling's cut left
    out)."""
    keys = [commit_keys(db, r, noise) for r in releases]
    copies = _copies(keys, release_days(releases))
    kept: dict[int, list[Any]] = {}
    shown_in: dict[str, int] = {}
    for i in _claim_order(len(keys), copies):
        changes, how, _ = picks[i]
        mine = [] if how == "commits" and i in copies else changes
        kept[i] = [c for c in mine if c.key not in shown_in]
        shown_in.update((c.key, i) for c in kept[i] if c.key not in shown_in)
    return Claims(kept, shown_in, copies)


def commit_keys(db: Database, release: Row, noise: re.Pattern[str]) -> frozenset[str]:
    """The change keys of a release's own commits (its range), noise left out."""
    commits = store.release_commits(db, release["project"], release["version"])
    return frozenset(
        c["change_key"] for c in commits if c["change_key"] and not noise.match(c["subject"])
    )


def backport_order(keys: list[frozenset[str]], days: list[date] | None = None) -> list[int]:
    """Indexes in the order their changes are claimed: a backport after the release it copies.

    Release i is a backport of release j when both are released within a day of each other
    (corosync 1.3.4 and 1.4.2, 2.0.3 and 2.1.1: the same day), its commit keys are a non-empty
    subset of j's and j has more of them (or as many and comes first). Backports are claimed
    last, so the changes they share are shown under the release they were copied from.
    """
    return _claim_order(len(keys), _copies(keys, days))


def _copies(keys: list[frozenset[str]], days: list[date] | None) -> dict[int, int]:
    """Each backport's index -> the index of the release it copies."""
    return {i: j for i in range(len(keys)) if (j := sibling_of(keys, i, days)) is not None}


def _claim_order(count: int, copies: dict[int, int]) -> list[int]:
    """Other releases first, in draft order, then the backports."""
    return [i for i in range(count) if i not in copies] + sorted(copies)


def sibling_of(keys: list[frozenset[str]], i: int, days: list[date] | None = None) -> int | None:
    """The release that release i is a backport of, or None (the largest superset wins)."""
    mine = keys[i]
    if not mine:
        return None
    best = None
    for j, theirs in enumerate(keys):
        if j == i or not mine <= theirs or (days and abs(days[i] - days[j]) > SAME_DAY):
            continue
        if len(theirs) == len(mine) and j > i:
            continue
        if best is None or len(theirs) > len(keys[best]):
            best = j
    return best


def release_days(releases: list[Row]) -> list[date]:
    """The UTC day of each release (tags carry their own time zones)."""
    return [datetime.fromisoformat(r["date"]).astimezone(UTC).date() for r in releases]
