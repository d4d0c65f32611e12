"""Projects, fetch state and commits: upserts, the commit graph, classification rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from digest.models import Commit, split_message
from digest.store.db import BATCH, batches, dicts, to_json, write

Classes = tuple[str, str | None, str, str, str]  # components, severity, kind, tickets, rule


def change_key(author_date: str, subject: str) -> str:
    """Identity of a change across repositories: its author date (UTC) and subject."""
    try:
        stamp = datetime.fromisoformat(author_date).astimezone(UTC).isoformat()
    except ValueError:
        stamp = author_date
    return hashlib.sha1(f"{stamp}\0{subject.strip()}".encode()).hexdigest()[:20]


def save_project(db: Database, project_id: str, name: str, web: str, commit_url: str) -> None:
    """Insert or update one project row."""
    write(
        db,
        "INSERT INTO projects (id, name, web, commit_url) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET name=excluded.name, web=excluded.web, "
        "commit_url=excluded.commit_url",
        [project_id, name, web, commit_url],
    )


def save_projects(db: Database, projects: Iterable[Any]) -> None:
    """Insert or update the configured projects (config.Project: id, name, web, commit_url)."""
    for project in projects:
        save_project(db, project.id, project.name, project.web, project.commit_url)


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
        write(
            db,
            "INSERT INTO fetch_state (source, fetched_at, last_error) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET fetched_at=excluded.fetched_at, "
            "last_error=excluded.last_error",
            [source, now, error],
        )
        return
    write(
        db,
        "INSERT INTO fetch_state (source, cursor, etag, last_modified, fetched_at, last_error) "
        "VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT(source) DO UPDATE SET cursor=excluded.cursor, "
        "etag=excluded.etag, last_modified=excluded.last_modified, "
        "fetched_at=excluded.fetched_at, last_error=NULL",
        [source, json.dumps(cursor or {}, sort_keys=True), etag, last_modified, now],
    )


def save_commits(
    db: Database, project: str, commits: Iterable[tuple[Commit, str | None, Classes | None]]
) -> int:
    """Upsert (commit, first release, classes) in batched transactions; returns how many were read.

    The release is set on new rows only; a commit stored before keeps its release. Classes
    (components, severity, kind, tickets, rule) are set when given; None keeps the stored ones.
    """
    total = 0
    for batch in batches(commits, BATCH):
        rows = [
            (*_commit_row(project, c, release), *(classes or _UNCLASSIFIED))
            for c, release, classes in batch
        ]
        with db.conn:
            db.conn.executemany(_UPSERT_COMMIT, rows)
        total += len(batch)
    return total


_UNCLASSIFIED = (None,) * 5
_CLASS_COLUMNS = ("components", "severity", "kind", "tickets", "rule")
_UPSERT_COMMIT = """
INSERT INTO commits (project, sha, parents, author, author_email, author_date, committer,
    committer_email, commit_date, subject, body, files, hg_rev, backport_of, change_key, release,
    components, severity, kind, tickets, rule)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(project, sha) DO UPDATE SET parents=excluded.parents, author=excluded.author,
    author_email=excluded.author_email, author_date=excluded.author_date,
    committer=excluded.committer, committer_email=excluded.committer_email,
    commit_date=excluded.commit_date, subject=excluded.subject, body=excluded.body,
    files=excluded.files, hg_rev=excluded.hg_rev, backport_of=excluded.backport_of,
    change_key=excluded.change_key, """ + ", ".join(
    f"{c}=CASE WHEN excluded.rule IS NULL THEN commits.{c} ELSE excluded.{c} END"
    for c in _CLASS_COLUMNS
)


def _commit_row(project: str, commit: Commit, release: str | None) -> tuple[Any, ...]:
    subject, body = split_message(commit.message)
    return (
        project,
        commit.sha,
        to_json(commit.parents),
        commit.author,
        commit.author_email,
        commit.author_date,
        commit.committer,
        commit.committer_email,
        commit.commit_date,
        subject,
        body,
        to_json(commit.files),
        commit.hg_rev,
        commit.backport_of,
        change_key(commit.author_date, subject),
        release,
    )


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


def classify_projects(db: Database) -> dict[str, str]:
    """Every stored project with its commit URL template (for ticket links to its repository)."""
    return dict(db.execute("SELECT id, commit_url FROM projects ORDER BY rowid").fetchall())


def commits_to_classify(
    db: Database, project: str, *, after: str = "", limit: int = BATCH, only_new: bool = False
) -> list[dict[str, Any]]:
    """A page (by sha, after `after`) of commits with their text, paths and current class."""
    where = "AND rule IS NULL" if only_new else ""
    rows = dicts(
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
    rows = dicts(db.execute(sql + " ORDER BY project, sha LIMIT 10", params))
    for row in rows:
        row["paths"] = [f[2] for f in json.loads(row.pop("files") or "[]") if len(f) > 2]
    return rows


# -- issue 12: pull request merges for linking ChangeLog entries --------------------------------


def pull_request_merges(db: Database, project: str) -> dict[str, tuple[str, str]]:
    """Merge commits of pull requests: sha -> (subject, body); the body carries the PR title."""
    rows = db.execute(
        "SELECT sha, subject, body FROM commits WHERE project = ? "
        "AND subject LIKE 'Merge pull request #%' AND parents LIKE '%,%'",
        [project],
    )
    return {sha: (subject, body) for sha, subject, body in rows}


# Linking by commit bodies (issue 12, round 3)


def commit_bodies(db: Database, project: str) -> dict[str, str]:
    """sha -> body of every commit of a project that has one (merges of pull requests aside)."""
    rows = db.execute(
        "SELECT sha, body FROM commits WHERE project = ? AND body != '' "
        "AND NOT (subject LIKE 'Merge pull request #%' AND parents LIKE '%,%')",
        [project],
    )
    return dict(rows)
