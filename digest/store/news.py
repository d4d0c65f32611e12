"""Mailing-list messages, feed entries and release announcements."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from digest.store.db import batches, dicts, in_, where_clause, write


def message_digests(db: Database, list_id: str, ids: Iterable[str]) -> dict[str, str]:
    """message_id -> content digest of the given messages already stored for a list."""
    return _message_column(db, list_id, ids, "digest")


def message_threads(db: Database, list_id: str, ids: Iterable[str]) -> dict[str, str]:
    """message_id -> thread of the given messages already stored for a list."""
    return _message_column(db, list_id, ids, "thread")


def _message_column(db: Database, list_id: str, ids: Iterable[str], column: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for batch in batches(ids, 500):
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
    write(
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
    where, params = where_clause(
        in_("list", lists) if lists else None,
        ("date >= ?", [since]) if since else None,
        ("substr(date, 1, 10) <= ?", [until]) if until else None,
        ("project IS NOT NULL", []) if announcements else None,
    )
    sql = (
        "SELECT message_id, list, date, sender, subject, url, thread, in_reply_to, project, "
        f"version FROM messages WHERE {where} ORDER BY date, list, message_id"
    )
    return dicts(db.execute(sql, params))


def announcement_items(db: Database, message_id: str) -> list[dict[str, Any]]:
    """The change items of one announcement, in order, with their commits."""
    return announcement_items_of(db, [message_id]).get(message_id, [])


def announcement_items_of(db: Database, message_ids: Iterable[str]) -> dict[str, list[dict]]:
    """The change items of many announcements (by message id), in one query."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    where, params = in_("message_id", ids)
    cursor = db.execute(
        "SELECT message_id, position, text, commit_sha, match_method FROM announcement_items "
        f"WHERE {where} ORDER BY message_id, position",
        params,
    )
    found: dict[str, list[dict]] = {}
    for row in dicts(cursor):
        found.setdefault(row.pop("message_id"), []).append(row)
    return found


def announcements(db: Database) -> list[dict[str, Any]]:
    """Every stored announcement (mail or feed entry) with its release and date."""
    return dicts(
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


def release_announcement_items(db: Database, project: str, version: str) -> list[dict[str, Any]]:
    """The change items of the first announcement of a release, in order."""
    return dicts(
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
    return dicts(
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
