"""The SQLite store: schema migrations, upserts and queries; the only module that writes SQL."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from digest.errors import StoreError
from digest.models import ChangelogEntry, Commit, Release

migrations = Migrations("digest")
BATCH = 2000


@migrations()
def m001_core(db: Database) -> None:
    """Projects, fetch state, commits, files, releases and ChangeLog entries."""
    db.executescript(
        """
        CREATE TABLE projects (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, web TEXT, commit_url TEXT NOT NULL
        );
        CREATE TABLE fetch_state (
            source TEXT PRIMARY KEY, cursor TEXT, etag TEXT, last_modified TEXT,
            fetched_at TEXT, last_error TEXT
        );
        CREATE TABLE commits (
            project TEXT NOT NULL REFERENCES projects(id),
            sha TEXT NOT NULL,
            parents TEXT NOT NULL,
            author TEXT, author_email TEXT, author_date TEXT,
            committer TEXT, committer_email TEXT, commit_date TEXT,
            subject TEXT NOT NULL, body TEXT NOT NULL,
            hg_rev TEXT, backport_of TEXT,
            change_key TEXT NOT NULL, duplicate_of TEXT,
            release TEXT,
            components TEXT, severity TEXT, kind TEXT, tickets TEXT, rule TEXT,
            PRIMARY KEY (project, sha)
        );
        CREATE INDEX commits_change_key ON commits(change_key);
        CREATE INDEX commits_author_date ON commits(author_date);
        CREATE INDEX commits_hg_rev ON commits(hg_rev);
        CREATE INDEX commits_backport_of ON commits(backport_of);
        CREATE TABLE commit_files (
            project TEXT NOT NULL, sha TEXT NOT NULL, path TEXT NOT NULL,
            added INTEGER, deleted INTEGER,
            PRIMARY KEY (project, sha, path)
        );
        CREATE TABLE releases (
            project TEXT NOT NULL REFERENCES projects(id),
            version TEXT NOT NULL,
            tag TEXT, commit_sha TEXT NOT NULL, date TEXT NOT NULL,
            is_rc INTEGER NOT NULL DEFAULT 0,
            previous_version TEXT, changelog_path TEXT, announcement TEXT,
            PRIMARY KEY (project, version)
        );
        CREATE TABLE changelog_entries (
            id TEXT PRIMARY KEY,
            project TEXT NOT NULL, version TEXT NOT NULL, position INTEGER NOT NULL,
            category TEXT, severity TEXT, raw_component TEXT, text TEXT NOT NULL,
            raw TEXT NOT NULL, commit_sha TEXT, match_method TEXT,
            components TEXT, kind TEXT, tickets TEXT, rule TEXT
        );
        CREATE INDEX changelog_entries_release ON changelog_entries(project, version, position);
        """
    )


def open_db(path: Path) -> Database:
    """Open (creating if needed) the database and bring its schema up to date."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        db = Database(conn)
        migrations.apply(db)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"database {path}: {exc}") from exc
    return db


def change_key(author_date: str, subject: str) -> str:
    """Identity of a change across repositories: its author date (UTC) and subject."""
    try:
        stamp = datetime.fromisoformat(author_date).astimezone(UTC).isoformat()
    except ValueError:
        stamp = author_date
    return hashlib.sha1(f"{stamp}\0{subject.strip()}".encode()).hexdigest()[:20]


# -- projects and fetch state -------------------------------------------------------------


def save_project(db: Database, project_id: str, name: str, web: str, commit_url: str) -> None:
    """Insert or update one project row."""
    _write(
        db,
        "INSERT INTO projects (id, name, web, commit_url) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name=excluded.name, web=excluded.web, "
        "commit_url=excluded.commit_url",
        [project_id, name, web, commit_url],
    )


def get_state(db: Database, source: str) -> dict[str, Any]:
    """The stored fetch state of a source (empty dict if never fetched)."""
    row = db.execute(
        "SELECT cursor, etag, last_modified, fetched_at, last_error FROM fetch_state "
        "WHERE source = ?",
        [source],
    ).fetchone()
    if row is None:
        return {}
    return {
        "cursor": json.loads(row[0]) if row[0] else {},
        "etag": row[1],
        "last_modified": row[2],
        "fetched_at": row[3],
        "last_error": row[4],
    }


def set_state(
    db: Database,
    source: str,
    *,
    cursor: dict[str, Any] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    error: str | None = None,
) -> None:
    """Record the outcome of fetching one source; a failure keeps the previous cursor."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if error is not None:
        _write(
            db,
            "INSERT INTO fetch_state (source, fetched_at, last_error) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET fetched_at=excluded.fetched_at, "
            "last_error=excluded.last_error",
            [source, now, error],
        )
        return
    _write(
        db,
        "INSERT INTO fetch_state (source, cursor, etag, last_modified, fetched_at, last_error) "
        "VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT(source) DO UPDATE SET cursor=excluded.cursor, "
        "etag=excluded.etag, last_modified=excluded.last_modified, "
        "fetched_at=excluded.fetched_at, last_error=NULL",
        [source, json.dumps(cursor or {}, sort_keys=True), etag, last_modified, now],
    )


# -- commits ---------------------------------------------------------------------------------


def save_commits(db: Database, project: str, commits: Iterable[Commit]) -> int:
    """Upsert commits and their files in batched transactions; returns how many were read."""
    total = 0
    for batch in _batches(commits, BATCH):
        rows, files = [], []
        for commit in batch:
            rows.append(_commit_row(project, commit))
            files.extend((project, commit.sha, f.path, f.added, f.deleted) for f in commit.files)
        with db.conn:
            db.conn.executemany(_UPSERT_COMMIT, rows)
            db.conn.executemany(
                "INSERT OR REPLACE INTO commit_files (project, sha, path, added, deleted) "
                "VALUES (?, ?, ?, ?, ?)",
                files,
            )
        total += len(batch)
    return total


_UPSERT_COMMIT = """
INSERT INTO commits (project, sha, parents, author, author_email, author_date, committer,
    committer_email, commit_date, subject, body, hg_rev, backport_of, change_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(project, sha) DO UPDATE SET parents=excluded.parents, author=excluded.author,
    author_email=excluded.author_email, author_date=excluded.author_date,
    committer=excluded.committer, committer_email=excluded.committer_email,
    commit_date=excluded.commit_date, subject=excluded.subject, body=excluded.body,
    hg_rev=excluded.hg_rev, backport_of=excluded.backport_of, change_key=excluded.change_key
"""


def _commit_row(project: str, commit: Commit) -> tuple[Any, ...]:
    from digest.sources.git import cross_references

    hg_rev, backport_of = cross_references(commit.message)
    subject = commit.subject
    body = commit.message.split("\n", 1)[1].strip() if "\n" in commit.message else ""
    return (
        project,
        commit.sha,
        json.dumps(list(commit.parents)),
        commit.author,
        commit.author_email,
        commit.author_date,
        commit.committer,
        commit.committer_email,
        commit.commit_date,
        subject,
        body,
        hg_rev,
        backport_of,
        change_key(commit.author_date, subject),
    )


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def existing_shas(db: Database, project: str) -> set[str]:
    """Every commit sha stored for a project."""
    rows = db.execute("SELECT sha FROM commits WHERE project = ?", [project])
    return {row[0] for row in rows}


def commit_parents(db: Database, project: str) -> dict[str, list[str]]:
    """The commit graph of a project: sha -> parent shas."""
    rows = db.execute("SELECT sha, parents FROM commits WHERE project = ?", [project])
    return {sha: json.loads(parents) for sha, parents in rows}


def set_commit_releases(db: Database, project: str, assignment: dict[str, str | None]) -> None:
    """Store, for each commit, the first release that contains it."""
    with db.conn:
        db.conn.execute("UPDATE commits SET release = NULL WHERE project = ?", [project])
        db.conn.executemany(
            "UPDATE commits SET release = ? WHERE project = ? AND sha = ?",
            [(version, project, sha) for sha, version in assignment.items() if version],
        )


def mark_duplicates(db: Database, project_order: list[str]) -> int:
    """Point each commit that repeats another project's change (same change_key) at it."""
    order = {project: i for i, project in enumerate(project_order)}
    rows = db.execute(
        "SELECT change_key, project, sha FROM commits WHERE change_key IN ("
        "SELECT change_key FROM commits GROUP BY change_key "
        "HAVING COUNT(DISTINCT project) > 1) ORDER BY change_key"
    ).fetchall()
    updates: list[tuple[str | None, str, str]] = []
    by_key: dict[str, list[tuple[str, str]]] = {}
    for key, project, sha in rows:
        by_key.setdefault(key, []).append((project, sha))
    for members in by_key.values():
        members.sort(key=lambda m: (order.get(m[0], len(order)), m[1]))
        first_project, first_sha = members[0]
        for project, sha in members[1:]:
            if project != first_project:
                updates.append((f"{first_project}:{first_sha}", project, sha))
    with db.conn:
        db.conn.execute("UPDATE commits SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL")
        db.conn.executemany(
            "UPDATE commits SET duplicate_of = ? WHERE project = ? AND sha = ?", updates
        )
    return len(updates)


def commit_subjects(db: Database, project: str) -> dict[str, str]:
    """sha -> subject for every commit of a project."""
    rows = db.execute("SELECT sha, subject FROM commits WHERE project = ?", [project])
    return dict(rows.fetchall())


# -- releases and ChangeLog entries ----------------------------------------------------------


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
    return _dicts(
        db.execute("SELECT * FROM releases WHERE project = ? ORDER BY date, version", [project])
    )


def entry_id(project: str, version: str, raw: str, occurrence: int) -> str:
    """Natural key of a ChangeLog line: its release, text and occurrence in that release."""
    text = f"{project}\0{version}\0{raw.strip()}\0{occurrence}"
    return hashlib.sha1(text.encode()).hexdigest()[:24]


def save_changelog(
    db: Database,
    project: str,
    version: str,
    path: str,
    entries: Iterable[tuple[ChangelogEntry, str | None, str | None]],
) -> int:
    """Replace the ChangeLog entries of one release; each comes with its commit and method."""
    rows, seen = [], {}
    for entry, sha, method in entries:
        occurrence = seen.get(entry.raw.strip(), 0)
        seen[entry.raw.strip()] = occurrence + 1
        rows.append(
            (
                entry_id(project, version, entry.raw, occurrence),
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
            )
        )
    with db.conn:
        db.conn.execute(
            "DELETE FROM changelog_entries WHERE project = ? AND version = ?", [project, version]
        )
        db.conn.executemany(
            "INSERT INTO changelog_entries (id, project, version, position, category, severity, "
            "raw_component, text, raw, commit_sha, match_method) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.conn.execute(
            "UPDATE releases SET changelog_path = ? WHERE project = ? AND version = ?",
            [path, project, version],
        )
    return len(rows)


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
    where, params = ["1=1"], []
    if projects:
        where.append(f"r.project IN ({','.join('?' * len(projects))})")
        params.extend(projects)
    if since:
        where.append("r.date >= ?")
        params.append(since)
    if version:
        where.append("r.version = ?")
        params.append(version)
    sql = (
        "SELECT r.*, (SELECT COUNT(*) FROM changelog_entries e WHERE e.project = r.project "
        "AND e.version = r.version) AS entries, (SELECT COUNT(*) FROM changelog_entries e "
        "WHERE e.project = r.project AND e.version = r.version AND e.commit_sha IS NOT NULL) "
        f"AS linked FROM releases r WHERE {' AND '.join(where)} ORDER BY r.date DESC, r.version"
    )
    return _dicts(db.execute(sql, params))


def changelog_entries(db: Database, project: str, version: str) -> list[dict[str, Any]]:
    """The ChangeLog entries of one release in file order."""
    return _dicts(
        db.execute(
            "SELECT position, category, severity, raw_component AS component, text, commit_sha, "
            "match_method FROM changelog_entries WHERE project = ? AND version = ? "
            "ORDER BY position",
            [project, version],
        )
    )


def project_stats(db: Database) -> list[dict[str, Any]]:
    """Per project: commits, releases, ChangeLog entries and how many are linked."""
    return _dicts(
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


def _write(db: Database, sql: str, params: list[Any]) -> None:
    with db.conn:
        db.conn.execute(sql, params)


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
