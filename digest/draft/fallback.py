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
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.fetch.releases import final_of

Row = dict[str, Any]

__all__ = ["backport_order", "claim", "commit_keys", "final_of", "rc_entries", "sibling_of"]


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


def claim(
    db: Database, releases: list[Row], picks: list[list[Any]], noise: re.Pattern[str]
) -> tuple[dict[int, list[Any]], dict[str, int]]:
    """Each change shown once: the changes each release keeps, and which release shows each
    change key. Releases claim their changes in draft order, a backport after its sibling."""
    keys = [commit_keys(db, r, noise) for r in releases]
    kept: dict[int, list[Any]] = {}
    shown_in: dict[str, int] = {}
    for i in backport_order(keys):
        kept[i] = [c for c in picks[i] if c.key not in shown_in]
        shown_in.update((c.key, i) for c in kept[i] if c.key not in shown_in)
    return kept, shown_in


def commit_keys(db: Database, release: Row, noise: re.Pattern[str]) -> frozenset[str]:
    """The change keys of a release's own commits (its range), noise left out."""
    commits = store.release_commits(db, release["project"], release["version"])
    return frozenset(
        c["change_key"] for c in commits if c["change_key"] and not noise.match(c["subject"])
    )


def backport_order(keys: list[frozenset[str]]) -> list[int]:
    """Indexes in the order their changes are claimed: a backport after the release it copies.

    Release i is a backport of release j (same month) when its commit keys are a non-empty
    subset of j's and j has more of them (or as many and comes first). Backports are claimed
    last, so the changes they share are shown under the release they were copied from.
    """
    backports = {i for i in range(len(keys)) if sibling_of(keys, i) is not None}
    return [i for i in range(len(keys)) if i not in backports] + sorted(backports)


def sibling_of(keys: list[frozenset[str]], i: int) -> int | None:
    """The release that release i is a backport of, or None (the largest superset wins)."""
    mine = keys[i]
    if not mine:
        return None
    best = None
    for j, theirs in enumerate(keys):
        if j == i or not mine <= theirs:
            continue
        if len(theirs) == len(mine) and j > i:
            continue
        if best is None or len(theirs) > len(keys[best]):
            best = j
    return best
