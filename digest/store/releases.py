"""Releases and their ChangeLog entries: upserts, listings, link rates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from digest.models import ChangelogEntry, Release
from digest.store.db import decode_json, dicts, in_, where_clause


def save_releases(db: Database, releases: Iterable[tuple[Release, str | None]]) -> None:
    """Upsert releases, each with its predecessor's version."""
    rows = [
        (r.project, r.version, r.tag, r.commit, r.date, int(r.is_rc), previous)
        for r, previous in releases
    ]
    with db.conn:
        db.conn.executemany(
            "INSERT INTO releases (project, version, tag, commit_sha, date, is_rc, "
            "previous_version) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(project, version) DO "
            "UPDATE SET tag=excluded.tag, commit_sha=excluded.commit_sha, date=excluded.date, "
            "is_rc=excluded.is_rc, previous_version=excluded.previous_version",
            rows,
        )


def releases_of(db: Database, project: str) -> list[dict[str, Any]]:
    """Stored releases of a project, oldest first."""
    return dicts(
        db.execute("SELECT * FROM releases WHERE project = ? ORDER BY date, version", [project])
    )


def entry_id(project: str, version: str, raw: str, occurrence: int) -> str:
    """Natural key of a ChangeLog line: its release, text and occurrence in that release."""
    text = f"{project}\0{version}\0{raw.strip()}\0{occurrence}"
    return hashlib.sha1(text.encode()).hexdigest()[:24]


# (entry, sha, method, score); the score may be left out (None)
LinkedEntry = (
    tuple[ChangelogEntry, str | None, str | None, float | None]
    | tuple[ChangelogEntry, str | None, str | None]
)

ReleaseEntries = tuple[str, str, list[LinkedEntry]]


def save_changelogs(db: Database, project: str, releases: Iterable[ReleaseEntries]) -> None:
    """Replace the ChangeLog entries of releases: (version, file path, [(entry, sha, method)]).

    An empty path records that the release has no ChangeLog section, so it is not looked up
    again.
    """
    with db.conn:
        for version, path, entries in releases:
            db.conn.execute(
                "DELETE FROM changelog_entries WHERE project = ? AND version = ?",
                [project, version],
            )
            db.conn.executemany(_INSERT_ENTRY, _entry_rows(project, version, entries))
            db.conn.execute(
                "UPDATE releases SET changelog_path = ? WHERE project = ? AND version = ?",
                [path, project, version],
            )


_INSERT_ENTRY = (
    "INSERT INTO changelog_entries (id, project, version, position, category, severity, "
    "raw_component, text, raw, commit_sha, match_method, match_score) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _entry_rows(project: str, version: str, entries: list[LinkedEntry]) -> list[tuple[Any, ...]]:
    rows, seen = [], {}
    for entry, sha, method, *score in entries:
        occurrence = seen.get(entry.raw.strip(), 0)
        seen[entry.raw.strip()] = occurrence + 1
        key = entry_id(project, version, entry.raw, occurrence)
        rows.append(
            (
                key,
                project,
                version,
                entry.position,
                entry.category,
                entry.severity,
                entry.component,
                entry.text,
                entry.raw,
                sha,
                method,
                score[0] if score else None,
            )
        )
    return rows


def releases_with_changelog(db: Database, project: str) -> set[str]:
    """Versions of a project whose ChangeLog entries are already stored."""
    rows = db.execute(
        "SELECT version FROM releases WHERE project = ? AND changelog_path IS NOT NULL", [project]
    )
    return {row[0] for row in rows}


def query_releases(
    db: Database,
    *,
    projects: list[str] | None = None,
    since: str | None = None,
    version: str | None = None,
) -> list[dict[str, Any]]:
    """Releases filtered by project, date and version, newest first."""
    where, params = where_clause(
        in_("r.project", projects) if projects else None,
        ("r.date >= ?", [since]) if since else None,
        ("r.version = ?", [version]) if version else None,
    )
    sql = (
        "SELECT r.*, (SELECT COUNT(*) FROM changelog_entries e WHERE e.project = r.project "
        "AND e.version = r.version) AS entries, (SELECT COUNT(*) FROM changelog_entries e "
        "WHERE e.project = r.project AND e.version = r.version AND e.commit_sha IS NOT NULL) "
        f"AS linked FROM releases r WHERE {where} ORDER BY r.date DESC, r.version"
    )
    return dicts(db.execute(sql, params))


def changelog_entries(db: Database, project: str, version: str) -> list[dict[str, Any]]:
    """The ChangeLog entries of one release in file order, with their classification."""
    return changelog_entries_of(db, [(project, version)]).get((project, version), [])


def changelog_entries_of(
    db: Database, releases: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The ChangeLog entries of many releases (project, version), in one query."""
    wanted = set(releases)
    projects = sorted({project for project, _ in wanted})
    if not projects:
        return {}
    where, params = in_("e.project", projects)
    cursor = db.execute(
        "SELECT e.project, e.version, e.id, e.position, e.category, e.severity, "
        "e.raw_component AS component, e.text, e.raw, e.commit_sha, e.match_method, "
        "e.match_score, e.components, e.kind, e.tickets, c.change_key "
        "FROM changelog_entries e LEFT JOIN commits c "
        f"ON c.project = e.project AND c.sha = e.commit_sha WHERE {where} "
        "ORDER BY e.project, e.version, e.position",
        params,
    )
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in dicts(cursor):
        key = (row.pop("project"), row.pop("version"))
        if key in wanted:
            found.setdefault(key, []).append(decode_json(row, "components", "tickets"))
    return found


def releases_between(db: Database, start: str, end: str) -> list[dict[str, Any]]:
    """Releases dated in [start, end), oldest first."""
    return dicts(
        db.execute(
            "SELECT * FROM releases WHERE date >= ? AND date < ? ORDER BY date, project",
            [start, end],
        )
    )


def release_commits(db: Database, project: str, version: str) -> list[dict[str, Any]]:
    """Non-merge commits first released in a version, oldest first, with classification."""
    rows = dicts(
        db.execute(
            "SELECT sha, subject, author, author_date, change_key, components, kind, severity, "
            "tickets FROM commits WHERE project = ? AND release = ? AND parents NOT LIKE '%,%' "
            "AND duplicate_of IS NULL ORDER BY commit_date, sha",
            [project, version],
        )
    )
    return [decode_json(row, "components", "tickets") for row in rows]


def project_stats(db: Database) -> list[dict[str, Any]]:
    """Per project: commits, releases, ChangeLog entries and how many are linked."""
    return dicts(
        db.execute(
            """
            SELECT p.id AS project,
                (SELECT COUNT(*) FROM commits c WHERE c.project = p.id) AS commits,
                (SELECT COUNT(*) FROM commits c WHERE c.project = p.id
                    AND c.duplicate_of IS NOT NULL) AS duplicates,
                (SELECT COUNT(*) FROM releases r WHERE r.project = p.id) AS releases,
                (SELECT COUNT(*) FROM changelog_entries e WHERE e.project = p.id) AS entries,
                (SELECT COUNT(*) FROM changelog_entries e WHERE e.project = p.id
                    AND e.commit_sha IS NOT NULL) AS linked
            FROM projects p ORDER BY p.rowid
            """
        )
    )


def entries_to_classify(
    db: Database, project: str, *, only_new: bool = False
) -> list[dict[str, Any]]:
    """ChangeLog entries of a project with their release date and linked commit's paths."""
    where = "AND e.rule IS NULL" if only_new else ""
    rows = dicts(
        db.execute(
            "SELECT e.id, e.raw, e.text, e.category, e.severity, e.components, e.kind, "
            "e.tickets, e.rule, r.date, c.files FROM changelog_entries e "
            "LEFT JOIN releases r ON r.project = e.project AND r.version = e.version "
            "LEFT JOIN commits c ON c.project = e.project AND c.sha = e.commit_sha "
            f"WHERE e.project = ? {where} ORDER BY e.id",
            [project],
        )
    )
    for row in rows:
        row["paths"] = [f[2] for f in json.loads(row.pop("files") or "[]") if len(f) > 2]
    return rows


def save_entry_classes(db: Database, rows: Iterable[tuple[Any, ...]]) -> int:
    """Store (id, components, severity, kind, tickets, rule) rows of ChangeLog entries.

    The severity the ChangeLog parser found is kept; the classifier's only fills a gap.
    """
    batch = [(c, s, k, t, r, entry) for entry, c, s, k, t, r in rows]
    with db.conn:
        db.conn.executemany(
            "UPDATE changelog_entries SET components = ?, severity = COALESCE(severity, ?), "
            "kind = ?, tickets = ?, rule = ? WHERE id = ?",
            batch,
        )
    return len(batch)
