"""Announcement change items tied to the commits they describe (after each git fetch too)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from digest import store
from digest.linking import SubjectIndex, link_entries
from digest.models import ChangelogEntry

MATCH_WINDOW_DAYS = 400


def relink_announcements(db: Database) -> int:
    """Match announcement items to commits again (after a git fetch); returns items changed."""
    changed = 0
    for row in store.announcements(db):
        items = [i["text"] for i in store.announcement_items(db, row["item_id"])]
        matched = match_items(db, row["project"], items, row["date"] or "")
        changed += store.relink_announcement_items(db, row["item_id"], matched)
    return changed


def match_items(
    db: Database, project: str, items: list[str], when: str
) -> list[tuple[str, str | None, str | None]]:
    """Each item with the commit it describes (exact, normalised or fuzzy subject match)."""
    if not items:
        return []
    commits = store.commit_subjects_dates(db, project)
    index = SubjectIndex((sha, subject) for sha, subject, _ in commits)
    window = _window(when)
    recent = {
        sha
        for sha, _, stamp in commits
        if window is None or window[0] <= (stamp or "")[:10] <= window[1]
    }
    entries = [ChangelogEntry(position=i, text=t, raw=t) for i, t in enumerate(items, 1)]
    return [(e.text, sha, method) for e, sha, method in link_entries(entries, index, recent)]


def _window(when: str) -> tuple[str, str] | None:
    try:
        day = datetime.fromisoformat(when).date()
    except ValueError:
        return None
    return (day - timedelta(days=MATCH_WINDOW_DAYS)).isoformat(), (
        day + timedelta(days=2)
    ).isoformat()
