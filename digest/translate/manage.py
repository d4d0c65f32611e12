"""TM management: learn from posts and drafts, export and import TSV / JSON lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.errors import ParseError
from digest.posts import ExplainedChange, explained_changes
from digest.translate.base import ORIGINS, STATES
from digest.translate.lines import clean, tm_key
from digest.translate.markdown import from_markdown

TABLE_FIELDS = ("source", "text", "origin", "state", "lang")
TABLE_SUFFIXES = {".tsv", ".jsonl"}


@dataclass(frozen=True)
class LearnSummary:
    """What a post import or draft harvest did."""

    entries: int
    learned: int
    approved: int = 0
    unchanged: int = 0

    def line(self, what: str) -> str:
        """One summary line for the CLI."""
        extra = f", {self.approved} approved" if self.approved else ""
        return (
            f"{what}: {self.entries} entries, {self.learned} learned{extra}, "
            f"{self.unchanged} unchanged"
        )


def read_text(path: Path) -> str:
    """Read a UTF-8 file or raise ParseError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc


def import_post(db: Database, path: Path, lang: str = "ja") -> LearnSummary:
    """Learn every (change link, explanation) pair of a published post as human + approved."""
    entries = _entries(path)
    rows = [_row(e.source, e.text, "human", "approved", lang) for e in entries]
    changed = store.save_translations(db, rows)
    return LearnSummary(len(entries), changed, unchanged=len(entries) - changed)


def learn_draft(db: Database, path: Path, lang: str = "ja") -> LearnSummary:
    """Harvest an edited draft: changed texts become human + approved; state=approved approves."""
    entries = _entries(path)
    stored = store.get_translations(db, [tm_key(e.source) for e in entries], lang)
    rows, approved, unchanged = [], 0, 0
    for entry in entries:
        key = tm_key(entry.source)
        row = stored.get(key)
        if row is not None and row["text"] == entry.text:
            if entry.state == "approved" and row["state"] != "approved":
                store.set_translation_state(db, key, lang, "approved")
                approved += 1
            else:
                unchanged += 1
            continue
        rows.append(_row(entry.source, entry.text, "human", "approved", lang))
    learned = store.save_translations(db, rows)
    return LearnSummary(len(entries), learned, approved, unchanged + len(rows) - learned)


def _entries(path: Path) -> list[ExplainedChange]:
    """A post's or draft's entries with Markdown escapes and review markers undone."""
    entries = [e for e in explained_changes(read_text(path)) if e.text]
    return [replace(e, text=from_markdown(e.text)) for e in entries]


def align_terms(db: Database, lang: str = "ja") -> str:
    """Re-align term candidates from every reviewed TM pair; one summary line."""
    from digest.translate.terms import realign

    return f"{realign(db, lang)} term candidates (digest tm terms lists and approves them)"


def export_table(db: Database, path: Path, lang: str | None = None) -> int:
    """Write the TM as TSV or JSON lines (chosen by the file extension)."""
    kind = _kind(path)
    rows = [{k: row[k] for k in TABLE_FIELDS} for row in store.iter_translations(db, lang)]
    if kind == ".jsonl":
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    else:
        lines = ["\t".join(TABLE_FIELDS)] + [
            "\t".join(_escape(r[k]) for k in TABLE_FIELDS) for r in rows
        ]
    try:
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    except OSError as exc:
        raise ParseError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return len(rows)


def import_table(db: Database, path: Path, lang: str = "ja") -> int:
    """Read TSV or JSON lines written by export_table (or by hand) into the TM."""
    rows = [_checked(record, path, number, lang) for number, record in _records(path)]
    return store.save_translations(db, rows)


def is_table(path: Path) -> bool:
    """True for files `tm import` reads as a table rather than a post."""
    return path.suffix.lower() in TABLE_SUFFIXES


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    kind = _kind(path)
    lines = read_text(path).splitlines()
    if kind == ".jsonl":
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield number, _json(line, path, number)
        return
    if not lines:
        return
    header = lines[0].split("\t")
    for number, line in enumerate(lines[1:], 2):
        if line.strip():
            values = [_unescape(v) for v in line.split("\t")]
            yield number, dict(zip(header, values, strict=False))


def _json(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{path}:{number}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ParseError(f"{path}:{number}: expected a JSON object")
    return data


def _checked(record: dict[str, Any], path: Path, number: int, lang: str) -> dict[str, Any]:
    source, text = str(record.get("source") or ""), str(record.get("text") or "")
    if not source.strip() or not text.strip():
        raise ParseError(f"{path}:{number}: source and text are required")
    origin = str(record.get("origin") or "human")
    state = str(record.get("state") or "approved")
    if origin not in ORIGINS:
        raise ParseError(f"{path}:{number}: origin '{origin}' must be one of {', '.join(ORIGINS)}")
    if state not in STATES:
        raise ParseError(f"{path}:{number}: state '{state}' must be one of {', '.join(STATES)}")
    return _row(source, text, origin, state, str(record.get("lang") or lang))


def _row(source: str, text: str, origin: str, state: str, lang: str) -> dict[str, Any]:
    return {
        "source_norm": tm_key(source),
        "lang": lang,
        "source": clean(source),
        "text": text,
        "origin": origin,
        "state": state,
    }


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ParseError(f"{path}: unknown table format (use .tsv or .jsonl)")
    return suffix


def _escape(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append({"t": "\t", "n": "\n", "\\": "\\"}.get(value[i + 1], value[i + 1]))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)
