"""Exports of the store for the wider ecosystem: Perceval items (GrimoireLab), OpenSearch
bulk NDJSON and datasette metadata. Every export streams: rows come from a cursor and go to
the output one at a time."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlite_utils import Database

from digest import store
from digest.config import Config
from digest.errors import DigestError
from digest.export import opensearch, perceval

CATEGORIES = ("commit", "message", "release", "entry")
FORMATS = ("perceval", "opensearch-bulk")


@dataclass(frozen=True)
class ExportRequest:
    """What `digest export` asks for."""

    fmt: str = "perceval"
    category: str = "commit"
    projects: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    since: str | None = None
    index: str | None = None


def check_request(db: Database, request: ExportRequest) -> None:
    """Refuse a request that cannot be right, naming the option."""
    if request.fmt not in FORMATS or request.category not in CATEGORIES:
        raise DigestError(f"export: unknown format/category {request.fmt}/{request.category}")
    if request.fmt == "opensearch-bulk" and not request.index:
        raise DigestError("export: --format opensearch-bulk needs --index NAME")
    if request.since:
        try:
            datetime.fromisoformat(request.since)
        except ValueError:
            raise DigestError(f"export: --since '{request.since}' is not an ISO date") from None
    if request.category == "message" and request.projects:
        raise DigestError("export: messages are chosen with --list, not --project")
    known = {row["id"] for row in store.site_projects(db)}
    unknown = [p for p in request.projects if p not in known]
    if unknown:
        raise DigestError(f"export: no project '{unknown[0]}' in the store")


def origins(db: Database, config: Config, category: str) -> Mapping[str, str]:
    """Perceval origin per project (its git URL) or per list (its archive URL)."""
    if category == "message":
        rows = db.execute("SELECT DISTINCT list FROM messages")
        found = {row[0]: f"mbox:{row[0]}" for row in rows}
        return found | {mailing.id: mailing.url for mailing in config.lists}
    found = {row["id"]: row["web"] or f"digest:{row['id']}" for row in store.site_projects(db)}
    return found | {p.id: p.sources[0].url for p in config.projects if p.sources}


def items(db: Database, config: Config, request: ExportRequest) -> Iterator[dict[str, Any]]:
    """The Perceval items a request selects, streamed from the store."""
    from digest.translate.lines import tm_key

    store.sync_search(db, tm_key)
    store.sync_entry_keys(db, tm_key)
    category, since = request.category, request.since
    tags = None
    if category == "commit":
        rows = store.export_commits(db, request.projects, since)
        tags = store.release_tags(db, request.projects)
    elif category == "message":
        rows = store.export_messages(db, request.lists, since)
    elif category == "release":
        rows = store.export_releases(db, request.projects, since)
    else:
        rows = store.export_entries(db, request.projects, since)
    yield from perceval.items(rows, category, origins(db, config, category), tags)


def write_export(db: Database, config: Config, request: ExportRequest, out: TextIO) -> int:
    """Write the selected items in the requested format; returns how many items."""
    check_request(db, request)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    selected = items(db, config, request)
    if request.fmt == "perceval":
        for item in selected:
            out.write(encode(item) + "\n")
            count += 1
        return count
    for number, line in enumerate(opensearch.bulk_lines(selected, request.index or "")):
        out.write(line + "\n")
        count += number % 2
    return count


def export_to_file(db: Database, config: Config, request: ExportRequest, path: Path) -> int:
    """Write the export next to `path` and move it into place only once it is complete."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8") as out:
            count = write_export(db, config, request, out)
        os.replace(partial, path)
    except OSError as exc:
        raise DigestError(f"export: {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):  # nothing to remove where nothing could be written
            partial.unlink(missing_ok=True)
    return count
