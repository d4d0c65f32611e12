"""Perceval items -> OpenSearch `_bulk` NDJSON (an action line, then the document)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

_KEYWORD = {"type": "keyword"}
_TEXT = {"type": "text"}
_DATE = {"type": "date", "format": "strict_date_optional_time"}
_EPOCH = {"type": "date", "format": "epoch_second"}
_DIGEST_COMMON = {
    "project": _KEYWORD,
    "release": _KEYWORD,
    "components": _KEYWORD,
    "severity": _KEYWORD,
    "kind": _KEYWORD,
    "tickets": {"properties": {"label": _KEYWORD, "url": _KEYWORD}},
    "japanese": {"properties": {"text": _TEXT, "state": _KEYWORD, "origin": _KEYWORD}},
}

# The index mapping for the documents (README: "OpenSearch bulk export"). Dates: the envelope's
# epoch seconds and digest's ISO 8601 dates; git's own `AuthorDate`/`CommitDate` strings
# (`Tue Aug 5 16:21:36 2025 +0200`) are kept as keywords, as are ids, names and labels.
MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "backend_name": _KEYWORD,
        "backend_version": _KEYWORD,
        "perceval_version": _KEYWORD,
        "timestamp": _EPOCH,
        "updated_on": _EPOCH,
        "origin": _KEYWORD,
        "uuid": _KEYWORD,
        "category": _KEYWORD,
        "tag": _KEYWORD,
        "search_fields": {"properties": {"item_id": _KEYWORD, "project": _KEYWORD}},
        "data": {
            "properties": {
                "commit": _KEYWORD,
                "parents": _KEYWORD,
                "refs": _KEYWORD,
                "Author": _KEYWORD,
                "AuthorDate": _KEYWORD,
                "Commit": _KEYWORD,
                "CommitDate": _KEYWORD,
                "message": _TEXT,
                "files": {"properties": {"file": _KEYWORD, "added": _KEYWORD, "removed": _KEYWORD}},
                "Message-ID": _KEYWORD,
                "From": _KEYWORD,
                "Subject": _TEXT,
                "digest": {
                    "properties": {
                        **_DIGEST_COMMON,
                        "author_date": _DATE,
                        "commit_date": _DATE,
                        "release_date": _DATE,
                        "date": _DATE,
                        "list": _KEYWORD,
                        "version": _KEYWORD,
                        "tag": _KEYWORD,
                        "commit": _KEYWORD,
                        "is_rc": {"type": "boolean"},
                        "text": _TEXT,
                        "raw": _TEXT,
                        "match_method": _KEYWORD,
                    }
                },
            }
        },
    },
}

_encode = json.JSONEncoder(ensure_ascii=False).encode


def bulk_lines(items: Iterable[dict[str, Any]], index: str) -> Iterator[str]:
    """For each item, the `index` action naming its uuid as `_id`, then the item itself."""
    for item in items:
        yield _encode({"index": {"_index": index, "_id": item["uuid"]}})
        yield _encode(item)
