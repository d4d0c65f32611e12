"""Forgetting what upstream removed (a force-push): commits, releases, entries and links."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from digest.store.commits import get_state, set_state


def drop_commits(db: Database, project: str, shas: Iterable[str]) -> int:
    """Remove commits (and their search rows); links to them become unlinked. Returns count."""
    with db.conn:
        _temp(db, "dropped_commits", shas)
        rows = db.conn.execute(
            "SELECT rowid, subject, body FROM commits WHERE project = ? "
            "AND sha IN (SELECT v FROM dropped_commits)",
            [project],
        ).fetchall()
        indexed = int((get_state(db, "search-index").get("cursor") or {}).get("rowid", 0))
        db.conn.executemany(
            "INSERT INTO commits_fts (commits_fts, rowid, subject, body) "
            "VALUES ('delete', ?, ?, ?)",
            [row for row in rows if row[0] <= indexed],
        )
        db.conn.execute(
            "DELETE FROM commits WHERE project = ? AND sha IN (SELECT v FROM dropped_commits)",
            [project],
        )
        for table, scope in (("changelog_entries", "project = ? AND "), ("announcement_items", "")):
            db.conn.execute(
                f"UPDATE {table} SET commit_sha = NULL, match_method = NULL WHERE {scope}"
                "commit_sha IN (SELECT v FROM dropped_commits)",
                [project] if scope else [],
            )
    if rows:
        # Rowids above the last one kept may be handed out again: index them when they are.
        top = db.execute("SELECT coalesce(max(rowid), 0) FROM commits").fetchone()[0]
        set_state(db, "search-index", cursor={"rowid": min(indexed, top)})
    return len(rows)


def drop_releases(db: Database, project: str, versions: Iterable[str]) -> None:
    """Remove git releases with their ChangeLog entries; an announced one stays as announced."""
    with db.conn:
        _temp(db, "dropped_releases", versions)
        inside = "project = ? AND version IN (SELECT v FROM dropped_releases)"
        db.conn.execute(f"DELETE FROM changelog_entries WHERE {inside}", [project])
        db.conn.execute(
            "UPDATE releases SET tag = NULL, commit_sha = '', changelog_path = NULL "
            f"WHERE {inside} AND announcement IS NOT NULL",
            [project],
        )
        db.conn.execute(f"DELETE FROM releases WHERE {inside} AND announcement IS NULL", [project])
        db.conn.execute(
            "UPDATE commits SET release = NULL WHERE project = ? "
            "AND release IN (SELECT v FROM dropped_releases)",
            [project],
        )


def _temp(db: Database, name: str, values: Iterable[str]) -> None:
    db.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (v TEXT PRIMARY KEY)")
    db.conn.execute(f"DELETE FROM {name}")
    db.conn.executemany(f"INSERT OR IGNORE INTO {name} VALUES (?)", [(v,) for v in values])
