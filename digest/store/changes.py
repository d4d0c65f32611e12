"""Changes as readers see them: the query, full-text search, site and component rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from digest.store.commits import get_state, set_state
from digest.store.db import decode_json, dicts, in_, where_clause


def site_projects(db: Database) -> list[dict[str, Any]]:
    """Every project (id, name, web, commit_url) in the order they were configured."""
    return dicts(db.execute("SELECT id, name, web, commit_url FROM projects ORDER BY rowid"))


@dataclass(frozen=True)
class TicketLink:
    """A ticket a change cites, as classified: label and URL."""

    label: str
    url: str | None


@dataclass(frozen=True)
class ReleaseChange:
    """One change of a release as stored and classified: a ChangeLog entry, or a commit of a
    release without one. JSON columns are decoded here, once."""

    project: str
    version: str
    release_date: str
    english: str
    severity: str | None
    kind: str | None
    components: tuple[str, ...]
    tickets: tuple[TicketLink, ...]
    sha: str | None
    duplicate: bool = False


def release_changes(db: Database) -> Iterator[ReleaseChange]:
    """Every release's changes, newest release first: its entries, else its non-merge commits."""
    entries = db.execute(
        "SELECT e.project, e.version, r.date, "
        "COALESCE(NULLIF(trim(e.raw, ' ' || char(9, 10, 13)), ''), e.text), e.severity, e.kind, "
        "e.components, e.tickets, e.commit_sha, NULL FROM changelog_entries e "
        "JOIN releases r ON r.project = e.project AND r.version = e.version "
        "ORDER BY r.date DESC, e.project, e.version, e.position"
    )
    commits = db.execute(
        "SELECT c.project, c.release, r.date, c.subject, c.severity, c.kind, c.components, "
        "c.tickets, c.sha, c.duplicate_of FROM commits c "
        "JOIN releases r ON r.project = c.project AND r.version = c.release "
        "WHERE c.parents NOT LIKE '%,%' AND NOT EXISTS (SELECT 1 FROM changelog_entries e "
        "WHERE e.project = c.project AND e.version = c.release) "
        "ORDER BY r.date DESC, c.project, c.release, c.author_date DESC, c.sha"
    )
    for cursor in (entries, commits):
        for row in cursor:
            yield _release_change(*row)


def _release_change(
    project: str,
    version: str,
    date: str,
    english: str,
    severity: str | None,
    kind: str | None,
    components: str | None,
    tickets: str | None,
    sha: str | None,
    duplicate_of: str | None,
) -> ReleaseChange:
    cited = [t for t in json.loads(tickets or "[]") if isinstance(t, dict)]
    return ReleaseChange(
        project=project,
        version=version,
        release_date=date,
        english=english,
        severity=severity,
        kind=kind,
        components=tuple(str(c) for c in json.loads(components or "[]")),
        tickets=tuple(TicketLink(str(t.get("label") or t.get("url")), t.get("url")) for t in cited),
        sha=sha,
        duplicate=duplicate_of is not None,
    )


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
    where, params = where_clause(*_change_clauses(db, query))
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
        rows = dicts(db.execute(sql, [query.lang, *params, fetch]))
        changes = _one_per_change(rows)
        if len(changes) >= query.limit or len(rows) < fetch:
            return [decode_json(row, "components", "tickets") for row in changes[: query.limit]]
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
        yield in_("c.project", query.projects)
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


# -- first hour (issue 13): counts for "N of M shown" ----------------------------------------


def count_changes(db: Database, query: ChangeFilter) -> int:
    """How many distinct changes match a filter, ignoring its limit."""
    where, params = where_clause(*_change_clauses(db, query))
    sql = f"SELECT COUNT(DISTINCT c.change_key) FROM commits c WHERE {where}"
    return int(db.execute(sql, params).fetchone()[0])


def release_versions(db: Database, projects: tuple[str, ...] = ()) -> list[str]:
    """Every stored release version (of the given projects), oldest first."""
    where, params = where_clause(in_("project", projects) if projects else None)
    sql = f"SELECT version FROM releases WHERE {where} GROUP BY version ORDER BY MIN(date)"
    return [row[0] for row in db.execute(sql, params)]


def failed_sources(db: Database, keys: list[str]) -> list[tuple[str, str]]:
    """(key, error) of the fetch-state keys whose last fetch failed, in the given order."""
    if not keys:
        return []
    where, params = where_clause(in_("source", keys), ("last_error IS NOT NULL", []))
    found = dict(db.execute(f"SELECT source, last_error FROM fetch_state WHERE {where}", params))
    return [(key, found[key]) for key in keys if key in found]


def stored_counts(db: Database, project: str) -> tuple[int, int, int]:
    """How many commits, releases and ChangeLog entries a project has stored."""
    row = db.execute(
        "SELECT (SELECT COUNT(*) FROM commits WHERE project = ?), "
        "(SELECT COUNT(*) FROM releases WHERE project = ?), "
        "(SELECT COUNT(*) FROM changelog_entries WHERE project = ?)",
        [project, project, project],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def stored_kinds(db: Database) -> list[str]:
    """Every kind a classified commit carries (fix, feature, ...), sorted."""
    rows = db.execute("SELECT DISTINCT kind FROM commits WHERE kind IS NOT NULL ORDER BY kind")
    return [row[0] for row in rows]
