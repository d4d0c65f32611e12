"""The translation memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from digest.store.db import BATCH, batches, dicts, write

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
    for batch in batches(rows, BATCH):
        records = [{"match_source": None, "score": None, "updated_at": now, **r} for r in batch]
        with db.conn:
            changed += db.conn.executemany(_UPSERT_TRANSLATION, records).rowcount
    return changed


def set_translation_state(db: Database, source_norm: str, lang: str, state: str) -> None:
    """Change the review state of one TM row (e.g. an editor approved a machine text)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    write(
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
        found.update((row["source_norm"], row) for row in dicts(cursor))
    return found


def reviewed_translations(db: Database, lang: str) -> list[dict[str, Any]]:
    """TM rows a person wrote or approved: the candidates for fuzzy matching."""
    return dicts(
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
    return dicts(
        db.execute(
            "SELECT lang, origin, state, COUNT(*) AS count FROM translations "
            "GROUP BY lang, origin, state ORDER BY lang, origin, state"
        )
    )


def search_translations(db: Database, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Full-text (trigram) search over TM sources and texts, English or Japanese."""
    phrase = '"' + text.replace('"', '""') + '"'
    return dicts(
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


# -- term candidates learned from the editors' translations ---------------------------------


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
    return dicts(
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
