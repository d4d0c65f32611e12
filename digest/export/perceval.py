"""Stored rows -> items in Perceval's envelope (the git and mbox backends' data, plus digest's).

GrimoireLab (ELK, dashboards) reads Perceval items; writing them from the store lets an
organisation feed digest's history and classification into an existing GrimoireLab
deployment without running Perceval over the repositories again.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from digest import __version__

# The Perceval release whose item format this follows, and its backends' versions
# (perceval/backends/core/git.py `Git.version`, mbox.py `MBox.version`).
PERCEVAL_VERSION = "1.6.1"
GIT_BACKEND_VERSION = "1.0.1"
MBOX_BACKEND_VERSION = "1.0.0"

# Perceval's GitParser.TRAILERS: message lines `Name: value` kept as lists under `Name`.
TRAILERS = frozenset(
    {
        "Acked-by",
        "Co-authored-by",
        "Helped-by",
        "Mentored-by",
        "Reported-by",
        "Reviewed-by",
        "Signed-off-by",
        "Suggested-by",
        "Tested-by",
    }
)
_TRAILER = re.compile(r"^(?P<name>[a-zA-z0-9\-]+)\:[ \t]+(?P<value>.+)$")


def uuid(*args: str) -> str:
    """SHA-1 of the ':'-joined non-empty strings, as `perceval.backend.uuid` computes it.

    Perceval 1.6.1, perceval/backend.py, `uuid(*args)`: every value must be a non-empty str
    (else ValueError), `s = ':'.join(args)`, then
    `hashlib.sha1(s.encode('utf-8', errors='surrogateescape')).hexdigest()`.
    """
    for value in args:
        if not isinstance(value, str):
            raise ValueError(f"{value} value is not a string instance")
        if not value:
            raise ValueError("value cannot be None or empty")
    joined = ":".join(args)
    return hashlib.sha1(joined.encode("utf-8", errors="surrogateescape")).hexdigest()


def envelope(
    *,
    backend: tuple[str, str],
    origin: str,
    item_id: str,
    updated_on: float,
    category: str,
    data: dict[str, Any],
    extra_search: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One item as `perceval.backend.Backend.metadata` builds it (same keys, same order)."""
    return {
        "backend_name": backend[0],
        "backend_version": backend[1],
        "perceval_version": PERCEVAL_VERSION,
        "timestamp": time.time(),
        "origin": origin,
        "uuid": uuid(origin, item_id),
        "updated_on": updated_on,
        "classified_fields_filtered": None,
        "category": category,
        "search_fields": {"item_id": item_id, **(extra_search or {})},
        "tag": origin,
        "data": data,
    }


def git_date(iso: str) -> str:
    """An ISO 8601 date as git's default format prints it (`Tue Aug 5 16:21:36 2025 +0200`)."""
    when = datetime.fromisoformat(iso)
    offset = when.strftime("%z") or "+0000"
    return f"{when:%a %b} {when.day} {when:%H:%M:%S %Y} {offset}"


def epoch(iso: str) -> float:
    """Seconds since the epoch of an ISO 8601 date (UTC when it has no offset)."""
    when = datetime.fromisoformat(iso)
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def trailers(message: str) -> dict[str, list[str]]:
    """Trailer lines of a message (Signed-off-by, ...) as Perceval's git parser keeps them."""
    found: dict[str, list[str]] = {}
    for line in message.split("\n"):
        match = _TRAILER.match(line)
        if match and match["name"].capitalize() in TRAILERS:
            found.setdefault(match["name"].capitalize(), []).append(match["value"])
    return found


def _json(value: str | None) -> Any:
    return json.loads(value) if value else None


def _person(name: str | None, email: str | None) -> str:
    return f"{name or ''} <{email or ''}>"


def _files(files: list[list[Any]]) -> list[dict[str, Any]]:
    """Store file rows [added, deleted, path] as Perceval file dicts (counts as strings)."""
    return [
        {
            "file": path,
            "added": "-" if added is None else str(added),
            "removed": "-" if deleted is None else str(deleted),
        }
        for added, deleted, path in sorted(files, key=lambda f: f[2])
    ]


def _japanese(row: Mapping[str, Any]) -> dict[str, Any] | None:
    if row["japanese"] is None:
        return None
    return {
        "text": row["japanese"],
        "state": row["japanese_state"],
        "origin": row["japanese_origin"],
    }


def commit_item(row: Mapping[str, Any], origin: str, refs: list[str]) -> dict[str, Any]:
    """A stored commit as the item Perceval's git backend yields for it, plus `digest`."""
    parents = _json(row["parents"]) or []
    message = row["subject"] + (f"\n\n{row['body']}" if row["body"] else "")
    data: dict[str, Any] = {
        "commit": row["sha"],
        "parents": parents,
        "refs": [f"tag: refs/tags/{tag}" for tag in refs],
    }
    if len(parents) > 1:
        data["Merge"] = " ".join(parent[:7] for parent in parents)
    data |= {
        "Author": _person(row["author"], row["author_email"]),
        "AuthorDate": git_date(row["author_date"]),
        "Commit": _person(row["committer"], row["committer_email"]),
        "CommitDate": git_date(row["commit_date"]),
        "message": message,
        **trailers(message),
        "files": _files(_json(row["files"]) or []),
        "digest": {
            "project": row["project"],
            "url": row["url"],
            "author_date": row["author_date"],
            "commit_date": row["commit_date"],
            "release": row["release"],
            "components": _json(row["components"]),
            "severity": row["severity"],
            "kind": row["kind"],
            "tickets": _json(row["tickets"]),
            "duplicate_of": row["duplicate_of"],
            "japanese": _japanese(row),
        },
    }
    item = envelope(
        backend=("Git", GIT_BACKEND_VERSION),
        origin=origin,
        item_id=row["sha"],
        updated_on=epoch(row["commit_date"]),
        category="commit",
        data=data,
    )
    item["offset"] = row["sha"]  # Git.metadata adds the commit as the resume offset
    return item


def message_item(row: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A stored mailing-list message as Perceval's mbox backend yields it, plus `digest`."""
    when = datetime.fromisoformat(row["date"])
    data: dict[str, Any] = {
        "Message-ID": row["message_id"],
        "Date": format_datetime(when),
        "From": row["sender"],
        "Subject": row["subject"],
    }
    if row["in_reply_to"]:
        data["In-Reply-To"] = row["in_reply_to"]
    references = _json(row["refs"]) or []
    if references:
        data["References"] = " ".join(references)
    data |= {
        "unixfrom": f"{_address(row['sender'])} {when:%a %b %d %H:%M:%S %Y}",
        "body": {"plain": row["body"]},
        "digest": {
            "list": row["list"],
            "url": row["url"],
            "date": row["date"],
            "thread": row["thread"],
            "project": row["project"],
            "release": row["version"],
        },
    }
    return envelope(
        backend=("MBox", MBOX_BACKEND_VERSION),
        origin=origin,
        item_id=row["message_id"],
        updated_on=when.timestamp(),
        category="message",
        data=data,
    )


def _address(sender: str) -> str:
    match = re.search(r"<([^>]+)>", sender)
    return match[1] if match else (sender.split() or ["-"])[0]


def release_item(row: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A release (digest's own category): version, tag, date, predecessor, ChangeLog size."""
    data = {
        "project": row["project"],
        "version": row["version"],
        "tag": row["tag"],
        "commit": row["commit_sha"],
        "date": row["date"],
        "is_rc": bool(row["is_rc"]),
        "previous_version": row["previous_version"],
        "changelog_path": row["changelog_path"],
        "announcement": row["announcement"],
        "changelog_entries": row["entries"],
    }
    return envelope(
        backend=("Digest", __version__),
        origin=origin,
        item_id=f"release:{row['version']}",
        updated_on=epoch(row["date"]),
        category="release",
        data={"digest": data},
        extra_search={"project": row["project"]},
    )


def entry_item(row: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A ChangeLog entry (digest's own category) with classification, commit and Japanese."""
    data = {
        "id": row["id"],
        "project": row["project"],
        "release": row["release"],
        "release_date": row["release_date"],
        "position": row["position"],
        "category": row["category"],
        "raw_component": row["raw_component"],
        "text": row["text"],
        "raw": row["raw"],
        "commit": row["commit_sha"],
        "match_method": row["match_method"],
        "components": _json(row["components"]),
        "severity": row["severity"],
        "kind": row["kind"],
        "tickets": _json(row["tickets"]),
        "japanese": _japanese(row),
    }
    return envelope(
        backend=("Digest", __version__),
        origin=origin,
        item_id=f"entry:{row['id']}",
        updated_on=epoch(row["release_date"]),
        category="entry",
        data={"digest": data},
        extra_search={"project": row["project"]},
    )


def items(
    rows: Iterator[Mapping[str, Any]], category: str, origins: Mapping[str, str], tags: Any = None
) -> Iterator[dict[str, Any]]:
    """Items of one category from the store's rows, one at a time."""
    for row in rows:
        if category == "commit":
            key = row["project"]
            yield commit_item(row, origins[key], tags.get((key, row["sha"]), []) if tags else [])
        elif category == "message":
            yield message_item(row, origins[row["list"]])
        elif category == "release":
            yield release_item(row, origins[row["project"]])
        else:
            yield entry_item(row, origins[row["project"]])
