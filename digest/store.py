"""The SQLite store: schema migrations, upserts and queries; the only module that writes SQL."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from digest.errors import StoreError
from digest.models import ChangelogEntry, Commit, Release
from digest.sources.trailers import cross_references

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
            files TEXT NOT NULL DEFAULT '[]',
            hg_rev TEXT, backport_of TEXT,
            change_key TEXT NOT NULL, duplicate_of TEXT,
            release TEXT,
            components TEXT, severity TEXT, kind TEXT, tickets TEXT, rule TEXT,
            PRIMARY KEY (project, sha)
        );
        CREATE INDEX commits_change_key ON commits(change_key);
        CREATE INDEX commits_author_date ON commits(author_date);
        CREATE INDEX commits_hg_rev ON commits(hg_rev) WHERE hg_rev IS NOT NULL;
        CREATE INDEX commits_backport_of ON commits(backport_of) WHERE backport_of IS NOT NULL;
        -- Files are written once with their commit (a JSON list of [added, deleted, path]);
        -- this view presents them as rows.
        CREATE VIEW commit_files AS
            SELECT c.project, c.sha, json_extract(f.value, '$[2]') AS path,
                json_extract(f.value, '$[0]') AS added, json_extract(f.value, '$[1]') AS deleted
            FROM commits c, json_each(c.files) f;
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
        conn.execute("PRAGMA cache_size=-65536")  # 64 MB: a first fetch touches every page
        conn.execute("PRAGMA wal_autocheckpoint=20000")  # fewer, larger checkpoints in bulk loads
        db = Database(conn)
        migrations.apply(db)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"database {path}: {exc}") from exc
    return db


@contextlib.contextmanager
def checkpointing(db: Database) -> Iterator[None]:
    """Copy the write-ahead log into the database file from a second thread meanwhile.

    A first fetch leaves tens of MB in the log; copying them and syncing the file then
    overlaps other work instead of delaying the exit (SQLite would do it when closing).
    """
    path = db.execute("PRAGMA database_list").fetchone()[2]
    worker = threading.Thread(target=_checkpoint, args=(path,))
    worker.start()
    try:
        yield
    finally:
        worker.join()


def _checkpoint(path: str) -> None:
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error:
        pass  # a checkpoint is an optimisation: closing the database does it anyway
    finally:
        conn.close()


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


def save_commits(
    db: Database,
    project: str,
    commits: Iterable[Commit],
    releases: Mapping[str, str | None] | None = None,
) -> int:
    """Upsert commits (with their files) in batched transactions; returns how many were read.

    `releases` (sha -> first release, filled while the commits arrive) sets the release of new
    rows; a commit stored before keeps its release.
    """
    first = releases if releases is not None else {}
    total = 0
    for batch in _batches(commits, BATCH):
        rows = [_commit_row(project, c, first.get(c.sha)) for c in batch]
        with db.conn:
            db.conn.executemany(_UPSERT_COMMIT, rows)
        total += len(batch)
    return total


_UPSERT_COMMIT = """
INSERT INTO commits (project, sha, parents, author, author_email, author_date, committer,
    committer_email, commit_date, subject, body, files, hg_rev, backport_of, change_key, release)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(project, sha) DO UPDATE SET parents=excluded.parents, author=excluded.author,
    author_email=excluded.author_email, author_date=excluded.author_date,
    committer=excluded.committer, committer_email=excluded.committer_email,
    commit_date=excluded.commit_date, subject=excluded.subject, body=excluded.body,
    files=excluded.files, hg_rev=excluded.hg_rev, backport_of=excluded.backport_of,
    change_key=excluded.change_key
"""


def _commit_row(project: str, commit: Commit, release: str | None) -> tuple[Any, ...]:
    hg_rev, backport_of = cross_references(commit.message)
    subject, _, body = commit.message.partition("\n")
    subject = subject.strip()
    return (
        project,
        commit.sha,
        _to_json(commit.parents),
        commit.author,
        commit.author_email,
        commit.author_date,
        commit.committer,
        commit.committer_email,
        commit.commit_date,
        subject,
        body.strip(),
        _to_json(commit.files),
        hg_rev,
        backport_of,
        change_key(commit.author_date, subject),
        release,
    )


# One encoder for every row: json.dumps with options builds a new one on each call.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def commit_graph(db: Database, project: str) -> Iterator[tuple[str, tuple[str, ...], str, str]]:
    """(sha, parent shas, subject, commit date) of every commit of a project, newest first."""
    rows = db.execute(
        "SELECT sha, parents, subject, commit_date FROM commits WHERE project = ? "
        "ORDER BY commit_date DESC",
        [project],
    )
    for sha, parents, subject, date in rows:
        yield sha, tuple(json.loads(parents)), subject, date


def set_commit_releases(db: Database, project: str, assignment: dict[str, str | None]) -> None:
    """Store, for each commit, the first release that contains it."""
    with db.conn:
        db.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS first_release (sha TEXT PRIMARY KEY, v TEXT)"
        )
        db.conn.execute("DELETE FROM first_release")
        db.conn.executemany("INSERT INTO first_release VALUES (?, ?)", assignment.items())
        # One joined UPDATE walks commits in table order: far faster than one UPDATE per sha.
        db.conn.execute(
            "UPDATE commits SET release = f.v FROM first_release f "
            "WHERE commits.project = ? AND commits.sha = f.sha AND commits.release IS NOT f.v",
            [project],
        )
        db.conn.execute(
            "UPDATE commits SET release = NULL WHERE project = ? AND release IS NOT NULL "
            "AND sha NOT IN (SELECT sha FROM first_release)",
            [project],
        )


def mark_duplicates(db: Database, project_order: list[str]) -> int:
    """Point each commit that repeats another project's change (same change_key) at it."""
    known = [row[0] for row in db.execute("SELECT id FROM projects")]
    if sum(has_commits(db, project) for project in known) < 2:
        return 0  # a change can only repeat in another project's history
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


def has_commits(db: Database, project: str) -> bool:
    """True when any commit of the project is stored."""
    found = db.execute("SELECT 1 FROM commits WHERE project = ? LIMIT 1", [project]).fetchone()
    return found is not None


def commits_touching(db: Database, project: str, paths: list[str]) -> dict[str, str]:
    """sha -> commit date of the non-merge commits of a project that touched any of paths."""
    if not paths:
        return {}
    marks = ",".join("?" * len(paths))
    likes = " OR ".join("c.files LIKE ?" for _ in paths)
    rows = db.execute(
        "SELECT DISTINCT c.sha, c.commit_date FROM commits c, json_each(c.files) f "
        f"WHERE c.project = ? AND ({likes}) AND json_extract(f.value, '$[2]') IN ({marks}) "
        "AND c.parents NOT LIKE '%,%'",
        [project, *(f'%"{path}"%' for path in paths), *paths],
    )
    return dict(rows.fetchall())


def commit_subjects_dates(db: Database, project: str) -> list[tuple[str, str, str]]:
    """(sha, subject, commit date) of every commit of a project, newest first."""
    rows = db.execute(
        "SELECT sha, subject, commit_date FROM commits WHERE project = ? ORDER BY commit_date DESC",
        [project],
    )
    return rows.fetchall()


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


LinkedEntry = tuple[ChangelogEntry, str | None, str | None]
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
    "raw_component, text, raw, commit_sha, match_method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _entry_rows(project: str, version: str, entries: list[LinkedEntry]) -> list[tuple[Any, ...]]:
    rows, seen = [], {}
    for entry, sha, method in entries:
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
    where, params = _where(
        _in("r.project", projects) if projects else None,
        ("r.date >= ?", [since]) if since else None,
        ("r.version = ?", [version]) if version else None,
    )
    sql = (
        "SELECT r.*, (SELECT COUNT(*) FROM changelog_entries e WHERE e.project = r.project "
        "AND e.version = r.version) AS entries, (SELECT COUNT(*) FROM changelog_entries e "
        "WHERE e.project = r.project AND e.version = r.version AND e.commit_sha IS NOT NULL) "
        f"AS linked FROM releases r WHERE {where} ORDER BY r.date DESC, r.version"
    )
    return _dicts(db.execute(sql, params))


def changelog_entries(db: Database, project: str, version: str) -> list[dict[str, Any]]:
    """The ChangeLog entries of one release in file order, with their classification."""
    rows = _dicts(
        db.execute(
            "SELECT e.id, e.position, e.category, e.severity, e.raw_component AS component, "
            "e.text, e.commit_sha, e.match_method, e.components, e.kind, e.tickets, "
            "c.change_key FROM changelog_entries e LEFT JOIN commits c "
            "ON c.project = e.project AND c.sha = e.commit_sha "
            "WHERE e.project = ? AND e.version = ? ORDER BY e.position",
            [project, version],
        )
    )
    return [_decode_json(row, "components", "tickets") for row in rows]


def releases_between(db: Database, start: str, end: str) -> list[dict[str, Any]]:
    """Releases dated in [start, end), oldest first."""
    return _dicts(
        db.execute(
            "SELECT * FROM releases WHERE date >= ? AND date < ? ORDER BY date, project",
            [start, end],
        )
    )


def release_commits(db: Database, project: str, version: str) -> list[dict[str, Any]]:
    """Non-merge commits first released in a version, oldest first, with classification."""
    rows = _dicts(
        db.execute(
            "SELECT sha, subject, author, author_date, change_key, components, kind, severity, "
            "tickets FROM commits WHERE project = ? AND release = ? AND parents NOT LIKE '%,%' "
            "AND duplicate_of IS NULL ORDER BY commit_date, sha",
            [project, version],
        )
    )
    return [_decode_json(row, "components", "tickets") for row in rows]


def release_announcement_items(db: Database, project: str, version: str) -> list[dict[str, Any]]:
    """The change items of the first announcement of a release, in order."""
    return _dicts(
        db.execute(
            "SELECT i.position, i.text, i.commit_sha, c.change_key FROM announcement_items i "
            "JOIN (SELECT message_id FROM messages WHERE project = ? AND version = ? "
            "UNION ALL SELECT entry_id FROM feed_entries WHERE project = ? AND version = ? "
            "LIMIT 1) a ON a.message_id = i.message_id "
            "LEFT JOIN commits c ON c.project = ? AND c.sha = i.commit_sha ORDER BY i.position",
            [project, version, project, version, project],
        )
    )


def month_news(db: Database, start: str, end: str) -> list[dict[str, Any]]:
    """Thread-starting messages and feed entries in [start, end) that announce no release."""
    return _dicts(
        db.execute(
            "SELECT subject AS title, url, substr(date, 1, 10) AS date, list AS source "
            "FROM messages WHERE date >= ? AND date < ? AND project IS NULL "
            "AND in_reply_to IS NULL "
            "UNION ALL SELECT title, link, substr(COALESCE(published, updated), 1, 10), feed "
            "FROM feed_entries WHERE COALESCE(published, updated) >= ? "
            "AND COALESCE(published, updated) < ? AND project IS NULL ORDER BY 3, 1",
            [start, end, start, end],
        )
    )


def _decode_json(row: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        row[name] = json.loads(row[name]) if row.get(name) else None
    return row


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


Condition = tuple[str, list[Any]]


def _where(*conditions: Condition | None) -> tuple[str, list[Any]]:
    """AND of the given (clause, params) conditions; None (a filter not set) is skipped."""
    chosen = [c for c in conditions if c is not None]
    clause = " AND ".join(text for text, _ in chosen) or "1=1"
    return clause, [value for _, values in chosen for value in values]


def _in(column: str, values: Iterable[Any]) -> Condition:
    """`column IN (?, ...)` for the given values."""
    items = list(values)
    return f"{column} IN ({','.join('?' * len(items))})", items


def _write(db: Database, sql: str, params: list[Any]) -> None:
    with db.conn:
        db.conn.execute(sql, params)


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# -- mail and feeds --------------------------------------------------------------------------


@migrations()
def m002_news(db: Database) -> None:
    """Mailing-list messages, feed entries and the change items of release announcements."""
    db.executescript(
        """
        CREATE TABLE messages (
            list TEXT NOT NULL, message_id TEXT NOT NULL,
            subject TEXT NOT NULL, sender TEXT NOT NULL, date TEXT NOT NULL,
            in_reply_to TEXT, refs TEXT NOT NULL DEFAULT '[]', thread TEXT NOT NULL,
            body TEXT NOT NULL, url TEXT, synthetic_id INTEGER NOT NULL DEFAULT 0,
            digest TEXT NOT NULL, project TEXT, version TEXT,
            PRIMARY KEY (list, message_id)
        );
        CREATE INDEX messages_date ON messages(date);
        CREATE INDEX messages_thread ON messages(thread);
        CREATE INDEX messages_message_id ON messages(message_id);
        CREATE INDEX messages_release ON messages(project, version) WHERE project IS NOT NULL;
        CREATE TABLE feed_entries (
            feed TEXT NOT NULL, entry_id TEXT NOT NULL,
            title TEXT NOT NULL, link TEXT, published TEXT, updated TEXT,
            summary TEXT NOT NULL, digest TEXT NOT NULL, project TEXT, version TEXT,
            PRIMARY KEY (feed, entry_id)
        );
        CREATE INDEX feed_entries_published ON feed_entries(published);
        CREATE TABLE announcement_items (
            message_id TEXT NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL,
            commit_sha TEXT, match_method TEXT,
            PRIMARY KEY (message_id, position)
        );
        """
    )


def message_digests(db: Database, list_id: str, ids: Iterable[str]) -> dict[str, str]:
    """message_id -> content digest of the given messages already stored for a list."""
    return _message_column(db, list_id, ids, "digest")


def message_threads(db: Database, list_id: str, ids: Iterable[str]) -> dict[str, str]:
    """message_id -> thread of the given messages already stored for a list."""
    return _message_column(db, list_id, ids, "thread")


def _message_column(db: Database, list_id: str, ids: Iterable[str], column: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for batch in _batches(ids, 500):
        rows = db.execute(
            f"SELECT message_id, {column} FROM messages WHERE list = ? "
            f"AND message_id IN ({','.join('?' * len(batch))})",
            [list_id, *batch],
        )
        found.update(rows.fetchall())
    return found


def save_messages(db: Database, list_id: str, rows: Iterable[dict[str, Any]]) -> int:
    """Upsert messages of a list (dicts with the column names); returns how many were given."""
    records = [
        (
            list_id,
            r["message_id"],
            r["subject"],
            r["sender"],
            r["date"],
            r["in_reply_to"],
            json.dumps(list(r["references"])),
            r["thread"],
            r["body"],
            r["url"],
            int(r["synthetic_id"]),
            r["digest"],
        )
        for r in rows
    ]
    with db.conn:
        db.conn.executemany(
            "INSERT INTO messages (list, message_id, subject, sender, date, in_reply_to, refs, "
            "thread, body, url, synthetic_id, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(list, message_id) DO UPDATE SET subject=excluded.subject, "
            "sender=excluded.sender, date=excluded.date, in_reply_to=excluded.in_reply_to, "
            "refs=excluded.refs, thread=excluded.thread, body=excluded.body, url=excluded.url, "
            "synthetic_id=excluded.synthetic_id, digest=excluded.digest",
            records,
        )
    return len(records)


def set_message_url(db: Database, list_id: str, message_id: str, url: str | None) -> None:
    """Point a stored message at a better archive URL (its own page)."""
    _write(
        db,
        "UPDATE messages SET url = ? WHERE list = ? AND message_id = ?",
        [url, list_id, message_id],
    )


def feed_digests(db: Database, feed: str) -> dict[str, str]:
    """entry_id -> content digest of every stored entry of a feed."""
    rows = db.execute("SELECT entry_id, digest FROM feed_entries WHERE feed = ?", [feed])
    return dict(rows.fetchall())


def save_feed_entries(db: Database, feed: str, rows: Iterable[dict[str, Any]]) -> int:
    """Upsert feed entries (dicts with the column names); returns how many were given."""
    records = [
        (
            feed,
            r["entry_id"],
            r["title"],
            r["link"],
            r["published"],
            r["updated"],
            r["summary"],
            r["digest"],
        )
        for r in rows
    ]
    with db.conn:
        db.conn.executemany(
            "INSERT INTO feed_entries (feed, entry_id, title, link, published, updated, summary, "
            "digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(feed, entry_id) DO UPDATE SET "
            "title=excluded.title, link=excluded.link, published=excluded.published, "
            "updated=excluded.updated, summary=excluded.summary, digest=excluded.digest",
            records,
        )
    return len(records)


def save_announcement(
    db: Database,
    *,
    table: str,
    source: str,
    item_id: str,
    release: tuple[str, str],
    items: list[tuple[str, str | None, str | None]],
) -> None:
    """Mark a message (table 'messages') or feed entry as announcing a release, with its items."""
    key = {"messages": ("list", "message_id"), "feed_entries": ("feed", "entry_id")}[table]
    with db.conn:
        db.conn.execute(
            f"UPDATE {table} SET project = ?, version = ? WHERE {key[0]} = ? AND {key[1]} = ?",
            [*release, source, item_id],
        )
        db.conn.execute("DELETE FROM announcement_items WHERE message_id = ?", [item_id])
        db.conn.executemany(
            "INSERT INTO announcement_items (message_id, position, text, commit_sha, "
            "match_method) VALUES (?, ?, ?, ?, ?)",
            [(item_id, i, text, sha, method) for i, (text, sha, method) in enumerate(items, 1)],
        )


def link_release_announcement(
    db: Database,
    release: tuple[str, str],
    *,
    url: str,
    date: str,
    is_rc: bool,
    previous: str | None,
) -> bool:
    """Point a release at its announcement, creating it (commit_sha '') if git has none."""
    project, version = release
    with db.conn:
        row = db.conn.execute(
            "SELECT announcement FROM releases WHERE project = ? AND version = ?",
            [project, version],
        ).fetchone()
        if row is None:
            db.conn.execute(
                "INSERT INTO releases (project, version, tag, commit_sha, date, is_rc, "
                "previous_version, announcement) VALUES (?, ?, NULL, '', ?, ?, ?, ?)",
                [project, version, date, int(is_rc), previous, url],
            )
            return True
        if not row[0]:
            db.conn.execute(
                "UPDATE releases SET announcement = ? WHERE project = ? AND version = ?",
                [url, project, version],
            )
    return False


def query_messages(
    db: Database,
    *,
    lists: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    announcements: bool = False,
) -> list[dict[str, Any]]:
    """Messages filtered by list, date range ([since, until] days) and announcement, by date."""
    where, params = _where(
        _in("list", lists) if lists else None,
        ("date >= ?", [since]) if since else None,
        ("substr(date, 1, 10) <= ?", [until]) if until else None,
        ("project IS NOT NULL", []) if announcements else None,
    )
    sql = (
        "SELECT message_id, list, date, sender, subject, url, thread, in_reply_to, project, "
        f"version FROM messages WHERE {where} ORDER BY date, list, message_id"
    )
    return _dicts(db.execute(sql, params))


def announcement_items(db: Database, message_id: str) -> list[dict[str, Any]]:
    """The change items of one announcement, in order, with their commits."""
    return _dicts(
        db.execute(
            "SELECT position, text, commit_sha, match_method FROM announcement_items "
            "WHERE message_id = ? ORDER BY position",
            [message_id],
        )
    )


# -- translation memory ----------------------------------------------------------------------

TRANSLATION_ORIGINS = ("human", "memory", "rules", "llm")
TRANSLATION_STATES = ("machine", "needs_review", "approved")


@migrations()
def m003_translations(db: Database) -> None:
    """Translation memory: normalised English source + language -> text, origin and state."""
    db.executescript(
        """
        CREATE TABLE translations (
            source_norm TEXT NOT NULL, lang TEXT NOT NULL, source TEXT NOT NULL,
            text TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('human', 'memory', 'rules', 'llm')),
            state TEXT NOT NULL CHECK (state IN ('machine', 'needs_review', 'approved')),
            match_source TEXT, score REAL, updated_at TEXT NOT NULL,
            PRIMARY KEY (source_norm, lang)
        );
        CREATE VIRTUAL TABLE translations_fts USING fts5(
            source, text, content='translations', content_rowid='rowid', tokenize='trigram'
        );
        CREATE TRIGGER translations_ai AFTER INSERT ON translations BEGIN
            INSERT INTO translations_fts (rowid, source, text)
            VALUES (new.rowid, new.source, new.text);
        END;
        CREATE TRIGGER translations_ad AFTER DELETE ON translations BEGIN
            INSERT INTO translations_fts (translations_fts, rowid, source, text)
            VALUES ('delete', old.rowid, old.source, old.text);
        END;
        CREATE TRIGGER translations_au AFTER UPDATE ON translations BEGIN
            INSERT INTO translations_fts (translations_fts, rowid, source, text)
            VALUES ('delete', old.rowid, old.source, old.text);
            INSERT INTO translations_fts (rowid, source, text)
            VALUES (new.rowid, new.source, new.text);
        END;
        """
    )


_UPSERT_TRANSLATION = """
INSERT INTO translations (source_norm, lang, source, text, origin, state, match_source, score,
    updated_at)
VALUES (:source_norm, :lang, :source, :text, :origin, :state, :match_source, :score, :updated_at)
ON CONFLICT(source_norm, lang) DO UPDATE SET source=excluded.source, text=excluded.text,
    origin=excluded.origin, state=excluded.state, match_source=excluded.match_source,
    score=excluded.score, updated_at=excluded.updated_at
WHERE (excluded.state = 'approved' OR translations.state != 'approved')
    AND (translations.text IS NOT excluded.text OR translations.origin IS NOT excluded.origin
        OR translations.state IS NOT excluded.state)
"""


def save_translations(db: Database, rows: Iterable[dict[str, Any]]) -> int:
    """Upsert TM rows; approved rows are only replaced by approved ones. Returns rows changed."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    changed = 0
    for batch in _batches(rows, BATCH):
        records = [{"match_source": None, "score": None, "updated_at": now, **r} for r in batch]
        with db.conn:
            changed += db.conn.executemany(_UPSERT_TRANSLATION, records).rowcount
    return changed


def set_translation_state(db: Database, source_norm: str, lang: str, state: str) -> None:
    """Change the review state of one TM row (e.g. an editor approved a machine text)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    _write(
        db,
        "UPDATE translations SET state = ?, updated_at = ? "
        "WHERE source_norm = ? AND lang = ? AND state != ?",
        [state, now, source_norm, lang, state],
    )


def get_translations(db: Database, norms: Iterable[str], lang: str) -> dict[str, dict[str, Any]]:
    """TM rows for these normalised sources, keyed by source_norm."""
    keys = list(dict.fromkeys(norms))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        cursor = db.execute(
            f"SELECT * FROM translations WHERE lang = ? AND source_norm IN ({marks})",
            [lang, *chunk],
        )
        found.update((row["source_norm"], row) for row in _dicts(cursor))
    return found


def reviewed_translations(db: Database, lang: str) -> list[dict[str, Any]]:
    """TM rows a person wrote or approved: the candidates for fuzzy matching."""
    return _dicts(
        db.execute(
            "SELECT * FROM translations WHERE lang = ? AND (origin = 'human' OR state = 'approved')"
            " ORDER BY source_norm",
            [lang],
        )
    )


def iter_translations(db: Database, lang: str | None = None) -> Iterator[dict[str, Any]]:
    """Every TM row (of one language, if given) in key order."""
    sql = "SELECT * FROM translations"
    params: list[Any] = []
    if lang:
        sql += " WHERE lang = ?"
        params.append(lang)
    cursor = db.execute(sql + " ORDER BY lang, source_norm", params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def translation_stats(db: Database) -> list[dict[str, Any]]:
    """TM row counts per language, origin and state."""
    return _dicts(
        db.execute(
            "SELECT lang, origin, state, COUNT(*) AS count FROM translations "
            "GROUP BY lang, origin, state ORDER BY lang, origin, state"
        )
    )


def search_translations(db: Database, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Full-text (trigram) search over TM sources and texts, English or Japanese."""
    phrase = '"' + text.replace('"', '""') + '"'
    return _dicts(
        db.execute(
            "SELECT t.* FROM translations_fts f JOIN translations t ON t.rowid = f.rowid "
            "WHERE translations_fts MATCH ? ORDER BY rank LIMIT ?",
            [phrase, limit],
        )
    )


def month_lines(db: Database, month: str) -> list[str]:
    """English lines of releases dated in a month (YYYY-MM): ChangeLog entries, then subjects."""
    entries = db.execute(
        "SELECT e.raw FROM changelog_entries e JOIN releases r "
        "ON r.project = e.project AND r.version = e.version "
        "WHERE substr(r.date, 1, 7) = ? ORDER BY r.date, e.project, e.position",
        [month],
    ).fetchall()
    subjects = db.execute(
        "SELECT c.subject FROM commits c JOIN releases r "
        "ON r.project = c.project AND r.version = c.release "
        "WHERE substr(r.date, 1, 7) = ? AND c.duplicate_of IS NULL "
        "ORDER BY r.date, c.project, c.author_date",
        [month],
    ).fetchall()
    return list(dict.fromkeys(row[0] for row in [*entries, *subjects] if row[0].strip()))


# -- static site -----------------------------------------------------------------------------


def site_projects(db: Database) -> list[dict[str, Any]]:
    """Every project (id, name, web, commit_url) in the order they were configured."""
    return _dicts(db.execute("SELECT id, name, web, commit_url FROM projects ORDER BY rowid"))


def site_entries(db: Database) -> Iterator[dict[str, Any]]:
    """ChangeLog entries of every release with their classification, newest release first."""
    cursor = db.execute(
        "SELECT e.project, e.version, r.date AS release_date, e.position, e.severity, e.raw, "
        "e.text, e.commit_sha, e.components, e.kind, e.tickets FROM changelog_entries e "
        "JOIN releases r "
        "ON r.project = e.project AND r.version = e.version "
        "ORDER BY r.date DESC, e.project, e.version, e.position"
    )
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def site_release_commits(db: Database) -> Iterator[dict[str, Any]]:
    """Non-merge commits of releases that have no ChangeLog entries, newest release first.

    `files` (the JSON path list) is only given for commits not yet classified.
    """
    cursor = db.execute(
        "SELECT c.project, c.release AS version, r.date AS release_date, c.sha, c.subject, "
        "c.author_date, c.severity, "
        "c.components, c.kind, c.tickets, c.duplicate_of, "
        "CASE WHEN c.components IS NULL THEN c.files END AS files "
        "FROM commits c JOIN releases r ON r.project = c.project AND r.version = c.release "
        "WHERE c.parents NOT LIKE '%,%' AND NOT EXISTS (SELECT 1 FROM changelog_entries e "
        "WHERE e.project = c.project AND e.version = c.release) "
        "ORDER BY r.date DESC, c.project, c.release, c.author_date DESC, c.sha"
    )
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


# -- classification --------------------------------------------------------------------------


def classify_projects(db: Database) -> dict[str, str]:
    """Every stored project with its commit URL template (for ticket links to its repository)."""
    return dict(db.execute("SELECT id, commit_url FROM projects ORDER BY rowid").fetchall())


def commits_to_classify(
    db: Database, project: str, *, after: str = "", limit: int = BATCH, only_new: bool = False
) -> list[dict[str, Any]]:
    """A page (by sha, after `after`) of commits with their text, paths and current class."""
    where = "AND rule IS NULL" if only_new else ""
    rows = _dicts(
        db.execute(
            "SELECT sha, subject, body, author_date, files, components, severity, kind, "
            f"tickets, rule FROM commits WHERE project = ? AND sha > ? {where} "
            "ORDER BY sha LIMIT ?",
            [project, after, limit],
        )
    )
    for row in rows:
        row["paths"] = [f[2] for f in json.loads(row.pop("files") or "[]") if len(f) > 2]
    return rows


def save_commit_classes(db: Database, project: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """Store (sha, components, severity, kind, tickets, rule) rows; JSON lists as text."""
    batch = [(c, s, k, t, r, project, sha) for sha, c, s, k, t, r in rows]
    with db.conn:
        db.conn.executemany(
            "UPDATE commits SET components = ?, severity = ?, kind = ?, tickets = ?, rule = ? "
            "WHERE project = ? AND sha = ?",
            batch,
        )
    return len(batch)


def entries_to_classify(
    db: Database, project: str, *, only_new: bool = False
) -> list[dict[str, Any]]:
    """ChangeLog entries of a project with their release date and linked commit's paths."""
    where = "AND e.rule IS NULL" if only_new else ""
    rows = _dicts(
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


def find_commits(db: Database, sha_prefix: str, project: str | None = None) -> list[dict[str, Any]]:
    """Commits whose sha starts with a prefix (any project unless one is given)."""
    sql = (
        "SELECT project, sha, subject, body, author_date, files, components, severity, kind, "
        "tickets, rule FROM commits WHERE sha >= ? AND sha < ?"
    )
    params: list[Any] = [sha_prefix.lower(), sha_prefix.lower() + "g"]
    if project:
        sql += " AND project = ?"
        params.append(project)
    rows = _dicts(db.execute(sql + " ORDER BY project, sha LIMIT 10", params))
    for row in rows:
        row["paths"] = [f[2] for f in json.loads(row.pop("files") or "[]") if len(f) > 2]
    return rows


def component_counts(db: Database, project: str | None = None) -> dict[str, dict[str, int]]:
    """Per component: commits and ChangeLog entries tagged with it, and with it first."""
    counts: dict[str, dict[str, int]] = {}
    for table, key in (("commits", "commits"), ("changelog_entries", "entries")):
        where = "AND t.project = ?" if project else ""
        rows = db.execute(
            f"SELECT j.value, SUM(j.key = 0), COUNT(*) FROM {table} t, json_each(t.components) j "
            f"WHERE t.components IS NOT NULL {where} GROUP BY j.value",
            [project] if project else [],
        )
        for name, first, total in rows:
            entry = counts.setdefault(name, {})
            entry[key] = total
            entry[f"{key}_first"] = first
        other = db.execute(
            f"SELECT COUNT(*) FROM {table} t WHERE t.components = '[]' {where}",
            [project] if project else [],
        ).fetchone()[0]
        counts.setdefault("other", {})[key] = other
    return counts


def announcements(db: Database) -> list[dict[str, Any]]:
    """Every stored announcement (mail or feed entry) with its release and date."""
    return _dicts(
        db.execute(
            "SELECT message_id AS item_id, project, version, date FROM messages "
            "WHERE project IS NOT NULL UNION ALL "
            "SELECT entry_id, project, version, published FROM feed_entries "
            "WHERE project IS NOT NULL ORDER BY 4"
        )
    )


def relink_announcement_items(
    db: Database, item_id: str, items: list[tuple[str, str | None, str | None]]
) -> int:
    """Store new commit matches for an announcement's items; returns how many changed."""
    changed = 0
    with db.conn:
        for position, (_, sha, method) in enumerate(items, 1):
            changed += db.conn.execute(
                "UPDATE announcement_items SET commit_sha = ?, match_method = ? "
                "WHERE message_id = ? AND position = ? AND commit_sha IS NOT ?",
                [sha, method, item_id, position, sha],
            ).rowcount
    return changed


# -- change queries --------------------------------------------------------------------------


@migrations()
def m004_change_search(db: Database) -> None:
    """Full-text search over commits (trigram: English and Japanese) and TM keys on commits."""
    db.executescript(
        """
        ALTER TABLE commits ADD COLUMN tm_key TEXT;
        CREATE INDEX commits_tm_key ON commits(tm_key) WHERE tm_key IS NOT NULL;
        CREATE INDEX commits_release ON commits(project, release);
        CREATE INDEX commits_kind ON commits(kind, severity);
        CREATE VIRTUAL TABLE commits_fts USING fts5(
            subject, body, content='commits', content_rowid='rowid', tokenize='trigram'
        );
        """
    )


def sync_search(db: Database, tm_key: Callable[[str], str]) -> int:
    """Index commits added since the last sync (FTS rows and TM keys); returns how many."""
    state = get_state(db, "search-index").get("cursor") or {}
    done = int(state.get("rowid", 0))
    rows = db.execute(
        "SELECT rowid, subject FROM commits WHERE rowid > ? ORDER BY rowid", [done]
    ).fetchall()
    if not rows:
        return 0
    with db.conn:
        db.conn.execute(
            "INSERT INTO commits_fts (rowid, subject, body) "
            "SELECT rowid, subject, body FROM commits WHERE rowid > ?",
            [done],
        )
        db.conn.executemany(
            "UPDATE commits SET tm_key = ? WHERE rowid = ?",
            [(tm_key(subject), rowid) for rowid, subject in rows],
        )
    set_state(db, "search-index", cursor={"rowid": rows[-1][0]})
    return len(rows)


@dataclass(frozen=True)
class ChangeFilter:
    """What `digest query` asks for; every field narrows the result."""

    projects: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    severity: str | None = None
    kind: str | None = None
    release: str | None = None
    since_release: str | None = None
    since: str | None = None
    until: str | None = None
    text: str | None = None
    lang: str = "ja"
    limit: int = 50


def query_changes(db: Database, query: ChangeFilter) -> list[dict[str, Any]]:
    """Changes matching a filter, newest first; a change in several branches or repositories
    (same author date and subject) is shown once."""
    where, params = _where(*_change_clauses(db, query))
    sql = f"""
        SELECT c.project, c.sha, substr(c.author_date, 1, 10) AS date, c.release, c.components,
            c.severity, c.kind, c.subject AS english, t.text AS japanese,
            replace(p.commit_url, '{{sha}}', c.sha) AS url, c.tickets, c.change_key,
            c.duplicate_of
        FROM commits c JOIN projects p ON p.id = c.project
        LEFT JOIN translations t ON t.source_norm = c.tm_key AND t.lang = ?
        WHERE {where} ORDER BY c.author_date DESC, c.sha LIMIT ?
    """
    fetch = query.limit * 2 + 10
    while True:
        rows = _dicts(db.execute(sql, [query.lang, *params, fetch]))
        changes = _one_per_change(rows)
        if len(changes) >= query.limit or len(rows) < fetch:
            return [_decode_json(row, "components", "tickets") for row in changes[: query.limit]]
        fetch *= 4


def _one_per_change(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep one row per change_key: the original (not a duplicate), released if possible."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row.pop("change_key")
        rank = (row.pop("duplicate_of") is not None, row["release"] is None)
        if key not in best or rank < best[key]["_rank"]:
            best[key] = {**row, "_rank": rank}
    return [{k: v for k, v in row.items() if k != "_rank"} for row in best.values()]


def _change_clauses(db: Database, query: ChangeFilter) -> Iterator[tuple[str, list[Any]]]:
    if query.projects:
        yield _in("c.project", query.projects)
    if query.components:
        likes = " OR ".join("c.components LIKE ?" for _ in query.components)
        yield f"({likes})", [f'%"{name}"%' for name in query.components]
    if query.severity:
        yield "c.severity = ?", [query.severity]
    if query.kind:
        yield "c.kind = ?", [query.kind]
    if query.release:
        yield "c.release = ?", [query.release]
    if query.since_release:
        yield _since_release(db, query.since_release, query.projects)
    if query.since:
        yield "c.author_date >= ?", [query.since]
    if query.until:
        yield "substr(c.author_date, 1, 10) <= ?", [query.until]
    if query.text:
        yield _text_clause(query.text), _text_params(query.text, query.lang)


def _since_release(db: Database, version: str, projects: tuple[str, ...]) -> tuple[str, list[Any]]:
    """Changes first released after a version (or not released yet), per project having it."""
    rows = db.execute("SELECT project, date FROM releases WHERE version = ?", [version])
    found = [(p, d) for p, d in rows if not projects or p in projects]
    if not found:
        return "0", []
    clauses, params = [], []
    for project, day in found:
        clauses.append(
            "(c.project = ? AND (c.release IN (SELECT version FROM releases "
            "WHERE project = ? AND date > ?) OR (c.release IS NULL AND c.commit_date > ?)))"
        )
        params += [project, project, day, day]
    return "(" + " OR ".join(clauses) + ")", params


def _text_clause(text: str) -> str:
    if len(text) >= 3:
        return (
            "(c.rowid IN (SELECT rowid FROM commits_fts WHERE commits_fts MATCH ?) OR c.tm_key IN "
            "(SELECT t2.source_norm FROM translations_fts f JOIN translations t2 "
            "ON t2.rowid = f.rowid WHERE translations_fts MATCH ? AND t2.lang = ?))"
        )
    return (
        "(c.subject LIKE ? OR c.tm_key IN (SELECT source_norm FROM translations "
        "WHERE text LIKE ? AND lang = ?))"
    )


def _text_params(text: str, lang: str) -> list[Any]:
    if len(text) >= 3:
        phrase = '"' + text.replace('"', '""') + '"'
        return [phrase, phrase, lang]
    return [f"%{text}%", f"%{text}%", lang]


# -- issue 11: term candidates learned from the editors' translations -----------------------


@migrations()
def m005_tm_terms(db: Database) -> None:
    """Term and phrase translations aligned from TM pairs, with counts, examples and state."""
    db.executescript(
        """
        CREATE TABLE tm_terms (
            term TEXT NOT NULL, lang TEXT NOT NULL, ja TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0, example_source TEXT, example_text TEXT,
            state TEXT NOT NULL DEFAULT 'candidate', updated_at TEXT,
            PRIMARY KEY (term, lang, ja)
        );
        """
    )


def save_term_counts(db: Database, lang: str, found: Iterable[tuple[str, str, str, str]]) -> int:
    """Add one sighting per (term, ja, example source, example text); returns rows touched."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [(term, lang, ja, src, text, now) for term, ja, src, text in found]
    with db.conn:
        db.conn.executemany(
            "INSERT INTO tm_terms (term, lang, ja, count, example_source, example_text, "
            "updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (term, lang, ja) DO UPDATE SET "
            "count = count + 1, updated_at = excluded.updated_at",
            rows,
        )
    return len(rows)


def clear_term_counts(db: Database, lang: str) -> None:
    """Forget candidate counts (approved terms stay) before a full re-alignment."""
    with db.conn:
        db.conn.execute("DELETE FROM tm_terms WHERE lang = ? AND state = 'candidate'", [lang])


def term_rows(db: Database, lang: str, min_count: int = 1) -> list[dict[str, Any]]:
    """Term candidates and approved terms, most frequent first."""
    return _dicts(
        db.execute(
            "SELECT * FROM tm_terms WHERE lang = ? AND (count >= ? OR state = 'approved') "
            "ORDER BY state = 'approved' DESC, count DESC, term, ja",
            [lang, min_count],
        )
    )


def approve_term(db: Database, term: str, lang: str, ja: str | None = None) -> int:
    """Approve a term's most frequent (or the given) Japanese; returns rows approved."""
    rows = db.execute(
        "SELECT ja FROM tm_terms WHERE term = ? AND lang = ? AND (? IS NULL OR ja = ?) "
        "ORDER BY count DESC, ja LIMIT 1",
        [term, lang, ja, ja],
    ).fetchall()
    if not rows:
        return 0
    with db.conn:
        db.conn.execute(
            "UPDATE tm_terms SET state = 'candidate' WHERE term = ? AND lang = ?", [term, lang]
        )
        db.conn.execute(
            "UPDATE tm_terms SET state = 'approved' WHERE term = ? AND lang = ? AND ja = ?",
            [term, lang, rows[0][0]],
        )
    return 1


def approved_terms(db: Database, lang: str) -> dict[str, str]:
    """Approved term -> Japanese."""
    if "tm_terms" not in db.table_names():
        return {}
    rows = db.execute("SELECT term, ja FROM tm_terms WHERE lang = ? AND state = 'approved'", [lang])
    return dict(rows.fetchall())
