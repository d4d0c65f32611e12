"""`digest query`: changes by project, component (any alias), release, date and text."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.errors import DigestError
from digest.store import ChangeFilter
from digest.taxonomy import load_taxonomy
from digest.translate.lines import normalise as tm_key

COLUMNS = (
    "project",
    "date",
    "release",
    "components",
    "severity",
    "kind",
    "english",
    "japanese",
    "url",
    "tickets",
)


def resolve_components(names: list[str]) -> tuple[str, ...]:
    """Canonical component ids for names given in any era's spelling (pengine, fencer, ...)."""
    taxonomy = load_taxonomy()
    found: list[str] = []
    for name in names:
        if name in taxonomy.components:
            found.append(name)
            continue
        aliases = taxonomy.aliases(name, None, None)
        if not aliases:
            known = ", ".join(sorted(taxonomy.components))
            raise DigestError(f"unknown component '{name}' (known: {known})")
        found.extend(dict.fromkeys(a.component for a in aliases))
    return tuple(dict.fromkeys(found))


def run_query(db: Database, query: ChangeFilter) -> list[dict[str, Any]]:
    """Bring the search index up to date, then run the query."""
    store.sync_search(db, tm_key)
    return store.query_changes(db, query)


def render_rows(rows: list[dict[str, Any]], fmt: str) -> str:
    """Rows as json, csv or markdown text."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    flat = [_flat(row) for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(flat)
        return out.getvalue().rstrip("\n")
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |" for row in flat]
    return "\n".join(lines)


def plain_table(rows: list[dict[str, Any]]) -> str:
    """One line per change, for pipes and cron mail."""
    out = []
    for row in map(_flat, rows):
        out.append(
            f"{row['date']}  {row['project']:<13} {row['release'] or '-':<10} "
            f"{row['components'] or '-':<12} {row['severity'] or '-':<6} {row['english']}"
        )
        if row["japanese"]:
            out.append(f"{'':>12}{row['japanese']}")
    return "\n".join(out)


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    tickets = " ".join(t["url"] for t in row.get("tickets") or [])
    return {**row, "components": ",".join(row.get("components") or []), "tickets": tickets}


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")
