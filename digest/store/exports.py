"""Reads for exports (Perceval items, OpenSearch bulk, datasette): streamed row by row."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from digest.store.db import Condition, in_, where_clause


def sync_entry_keys(db: Database, tm_key: Callable[[str], str]) -> int:
    """Give ChangeLog entries without one their TM key (for the views); returns how many."""
    rows = db.execute("SELECT rowid, raw FROM changelog_entries WHERE tm_key IS NULL").fetchall()
    if rows:
        with db.conn:
            db.conn.executemany(
                "UPDATE changelog_entries SET tm_key = ? WHERE rowid = ?",
                [(tm_key(raw), rowid) for rowid, raw in rows],
            )
    return len(rows)


def release_tags(db: Database, projects: Sequence[str] = ()) -> dict[tuple[str, str], list[str]]:
    """(project, commit sha) -> the release tags pointing at it (one small row per release)."""
    where, params = where_clause(in_("project", projects) if projects else None)
    tags: dict[tuple[str, str], list[str]] = {}
    for project, sha, tag in db.execute(
        f"SELECT project, commit_sha, tag FROM releases WHERE tag IS NOT NULL AND {where} "
        "ORDER BY date, version",
        params,
    ):
        tags.setdefault((project, sha), []).append(tag)
    return tags


def export_commits(
    db: Database, projects: Sequence[str] = (), since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every stored commit (of these projects, committed since a date) with its
    classification and Japanese, in the order they were stored."""
    where, params = where_clause(
        in_("c.project", projects) if projects else None, _since("c.commit_date", since)
    )
    yield from _rows(
        db,
        "SELECT c.project, c.sha, c.parents, c.author, c.author_email, c.author_date, "
        "c.committer, c.committer_email, c.commit_date, c.subject, c.body, c.files, "
        "c.release, c.components, c.severity, c.kind, c.tickets, c.duplicate_of, "
        "replace(p.commit_url, '{sha}', c.sha) AS url, t.text AS japanese, "
        "t.state AS japanese_state, t.origin AS japanese_origin "
        "FROM commits c JOIN projects p ON p.id = c.project "
        "LEFT JOIN translations t ON t.source_norm = c.tm_key AND t.lang = 'ja' "
        f"WHERE {where} ORDER BY c.rowid",
        params,
    )


def export_messages(
    db: Database, lists: Sequence[str] = (), since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Stored mailing-list messages (of these lists, dated since a date), oldest first;
    those without a Message-ID or a readable date are left out, as Perceval's mbox does."""
    where, params = where_clause(
        in_("list", lists) if lists else None,
        _since("date", since),
        ("synthetic_id = 0 AND date != ''", []),  # Perceval skips these too
    )
    yield from _rows(
        db,
        "SELECT list, message_id, subject, sender, date, in_reply_to, refs, thread, body, url, "
        f"project, version FROM messages WHERE {where} ORDER BY date, rowid",
        params,
    )


def export_releases(
    db: Database, projects: Sequence[str] = (), since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every release (of these projects, dated since a date) with its ChangeLog size."""
    where, params = where_clause(
        in_("r.project", projects) if projects else None, _since("r.date", since)
    )
    yield from _rows(
        db,
        "SELECT r.project, r.version, r.tag, r.commit_sha, r.date, r.is_rc, r.previous_version, "
        "r.changelog_path, r.announcement, (SELECT COUNT(*) FROM changelog_entries e "
        "WHERE e.project = r.project AND e.version = r.version) AS entries "
        f"FROM releases r WHERE {where} ORDER BY r.date, r.project, r.version",
        params,
    )


def export_entries(
    db: Database, projects: Sequence[str] = (), since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every ChangeLog entry (of releases of these projects dated since a date) with its
    classification, linked commit and Japanese."""
    where, params = where_clause(
        in_("e.project", projects) if projects else None, _since("r.date", since)
    )
    yield from _rows(
        db,
        "SELECT e.id, e.project, e.version AS release, r.date AS release_date, e.position, "
        "e.category, e.severity, e.raw_component, e.text, e.raw, e.commit_sha, e.match_method, "
        "e.components, e.kind, e.tickets, t.text AS japanese, t.state AS japanese_state, "
        "t.origin AS japanese_origin FROM changelog_entries e "
        "JOIN releases r ON r.project = e.project AND r.version = e.version "
        "LEFT JOIN translations t ON t.source_norm = e.tm_key AND t.lang = 'ja' "
        f"WHERE {where} ORDER BY r.date, e.project, e.position",
        params,
    )


def _since(column: str, since: str | None) -> Condition | None:
    """Rows dated at or after `since` (dates with any UTC offset compare as instants)."""
    if not since:
        return None
    return f"julianday({column}) >= julianday(?)", [since]


def _rows(db: Database, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    """Stream a query's rows as dicts, one at a time, straight from the cursor."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))
