"""Opening the store, checkpointing, and the small SQL helpers every store module shares."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from digest.errors import StoreError
from digest.store.schema import migrations


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


BATCH = 2000

# One encoder for every row: json.dumps with options builds a new one on each call.
to_json = json.JSONEncoder(ensure_ascii=False).encode


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


Condition = tuple[str, list[Any]]


def where_clause(*conditions: Condition | None) -> tuple[str, list[Any]]:
    """AND of the given (clause, params) conditions; None (a filter not set) is skipped."""
    chosen = [c for c in conditions if c is not None]
    clause = " AND ".join(text for text, _ in chosen) or "1=1"
    return clause, [value for _, values in chosen for value in values]


def in_(column: str, values: Iterable[Any]) -> Condition:
    """`column IN (?, ...)` for the given values."""
    items = list(values)
    return f"{column} IN ({','.join('?' * len(items))})", items


def write(db: Database, sql: str, params: list[Any]) -> None:
    with db.conn:
        db.conn.execute(sql, params)


def dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def decode_json(row: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        row[name] = json.loads(row[name]) if row.get(name) else None
    return row
