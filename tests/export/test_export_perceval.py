"""Perceval export of a shadow repository against Perceval's own git and mbox backends."""

from __future__ import annotations

import io
import json
import sqlite3
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest import store
from digest.config import load_config
from digest.export import ExportRequest, write_export
from digest.export.perceval import uuid
from tests.export.conftest import MBOX
from tests.helpers import run_cli

GIT_FIELDS = ("parents", "Author", "AuthorDate", "Commit", "CommitDate", "Signed-off-by")


def export(glue, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    """Run `digest export --format perceval ARGS OUT` and read the items back."""
    out = tmp_path / "items.jsonl"
    result = run_cli(glue.config, "export", "--format", "perceval", *args, str(out))
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def stored(glue, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(glue.db_path) as conn:
        return conn.execute(sql, params).fetchall()


def test_one_item_per_stored_commit_as_perceval_git_backend_yields_it(glue, tmp_path):
    git = pytest.importorskip("perceval.backends.core.git", reason="perceval (test extra)")
    from perceval.backend import uuid as perceval_uuid

    ours = export(glue, tmp_path)
    shas = {row[0] for row in stored(glue, "SELECT sha FROM commits")}
    assert len(ours) == len(shas) and {i["data"]["commit"] for i in ours} == shas
    theirs = {i["data"]["commit"]: i for i in git.Git(str(glue.repo), str(tmp_path / "pv")).fetch()}
    problems = []
    for item in ours:
        sha, data = item["data"]["commit"], item["data"]
        mine = theirs[sha]
        if item["uuid"] != perceval_uuid(item["origin"], sha) or item["uuid"] != mine["uuid"]:
            problems.append((sha, "uuid"))
        if not set(mine["data"]) <= set(data) or not set(mine) <= set(item):
            problems.append((sha, "keys", set(mine["data"]) - set(data)))
        for field in GIT_FIELDS:
            if data.get(field) != mine["data"].get(field):
                problems.append((sha, field, data.get(field), mine["data"].get(field)))
        if item["updated_on"] != mine["updated_on"]:
            problems.append((sha, "updated_on"))
        # The store keeps subject and body apart (blank lines, CR and tabs are not kept).
        if data["message"].split() != mine["data"].get("message", "").split():
            problems.append((sha, "message"))
        files = sorted(f.get("newfile") or f["file"] for f in mine["data"]["files"])
        if sorted(f["file"] for f in data["files"]) != files:
            problems.append((sha, "files"))
    assert problems == []
    assert sum(1 for i in ours if "Merge" in i["data"]) > 0
    assert all(i["data"]["digest"]["components"] is not None for i in ours)


def test_translated_subjects_carry_their_japanese(glue, tmp_path):
    items = export(glue, tmp_path)
    db = store.open_db(glue.db_path)
    lines = set(store.month_lines(db, glue.translated_month))
    month_commits = [i for i in items if i["data"]["message"].split("\n")[0] in lines]
    assert month_commits
    for item in month_commits:
        japanese = item["data"]["digest"]["japanese"]
        assert japanese and japanese["origin"] == "rules"
        assert japanese["state"] in ("machine", "needs_review")


def test_since_exports_only_items_committed_from_that_instant(glue, tmp_path):
    everything = export(glue, tmp_path)
    times = sorted(i["updated_on"] for i in everything)
    middle = times[len(times) // 2]
    # The same instant written with another offset than the stored dates use.
    since = datetime.fromtimestamp(middle, timezone(timedelta(hours=9))).isoformat()
    later = export(glue, tmp_path, "--since", since)
    assert len(later) == sum(1 for t in times if t >= middle) < len(everything)
    assert {i["uuid"] for i in later} <= {i["uuid"] for i in everything}


def test_messages_match_perceval_mbox_backend(glue, tmp_path):
    mbox = pytest.importorskip("perceval.backends.core.mbox", reason="perceval (test extra)")
    ours = export(glue, tmp_path, "--category", "message")
    (tmp_path / "mbox").mkdir()
    (tmp_path / "mbox" / MBOX.name).write_bytes(MBOX.read_bytes())
    theirs = {i["uuid"]: i for i in mbox.MBox(str(MBOX), str(tmp_path / "mbox")).fetch()}
    assert len(ours) == len(theirs) == stored(glue, "SELECT COUNT(*) FROM messages")[0][0]
    for item in ours:
        mine = theirs[item["uuid"]]
        assert item["updated_on"] == mine["updated_on"]
        # (`unixfrom` differs: the store does not keep the mbox envelope sender; it keeps
        # headers unfolded.)
        for key in ("Message-ID", "From", "Subject", "In-Reply-To"):
            assert str(item["data"].get(key)).split() == str(mine["data"].get(key)).split(), key
        assert item["data"]["body"]["plain"].split() == mine["data"]["body"]["plain"].split()


def test_releases_and_entries_are_items_of_their_own(glue, tmp_path):
    releases = export(glue, tmp_path, "--category", "release")
    entries = export(glue, tmp_path, "--category", "entry")
    assert len(releases) == stored(glue, "SELECT COUNT(*) FROM releases")[0][0]
    assert len(entries) == stored(glue, "SELECT COUNT(*) FROM changelog_entries")[0][0]
    assert len({i["uuid"] for i in releases + entries}) == len(releases) + len(entries)
    linked = [i for i in entries if i["data"]["digest"]["commit"]]
    assert (
        len(linked)
        == stored(glue, "SELECT COUNT(*) FROM changelog_entries WHERE commit_sha IS NOT NULL")[0][0]
    )
    translated = [i for i in entries if i["data"]["digest"]["japanese"]]
    month = [i for i in entries if i["data"]["digest"]["release_date"][:7] == glue.translated_month]
    assert month and all(i in translated for i in month)


class _Sink(io.TextIOBase):
    """An output that only counts what is written."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def test_export_streams_rows_instead_of_loading_the_table(glue):
    config = load_config(glue.config)
    db = store.open_db(glue.db_path)
    write_export(db, config, ExportRequest(), _Sink())  # indexes are synced: not measured
    sink = _Sink()
    tracemalloc.start()
    count = write_export(db, config, ExportRequest(), sink)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count > 2000
    assert peak < sink.size / 10, (peak, sink.size)


@given(st.lists(st.text(min_size=1) | st.just("caf\udce9"), min_size=1, max_size=4))
def test_uuid_is_perceval_uuid(values):
    backend = pytest.importorskip("perceval.backend", reason="perceval (test extra)")
    assert uuid(*values) == backend.uuid(*values)


@pytest.mark.parametrize("values", [("a", ""), ("a", None), (1,)])
def test_uuid_refuses_what_perceval_refuses(values):
    backend = pytest.importorskip("perceval.backend", reason="perceval (test extra)")
    with pytest.raises(ValueError):
        backend.uuid(*values)
    with pytest.raises(ValueError):
        uuid(*values)


def test_messages_without_id_or_date_are_left_out_as_perceval_does(glue, tmp_path):
    db = store.open_db(tmp_path / "digest.db")
    base = {"subject": "s", "sender": "a <a@example.org>", "in_reply_to": None}
    rows = [
        {**base, "message_id": "<ok@x>", "date": "2011-11-28T20:26:37+00:00", "synthetic": 0},
        {**base, "message_id": "<nodate@x>", "date": "", "synthetic": 0},
        {**base, "message_id": "synthetic-1", "date": "2011-11-28T20:26:37+00:00", "synthetic": 1},
    ]
    store.save_messages(
        db,
        "linux-ha-dev",
        [
            {
                **row,
                "references": [],
                "thread": row["message_id"],
                "body": "b",
                "url": None,
                "synthetic_id": row.pop("synthetic"),
                "digest": "d",
            }
            for row in rows
        ],
    )
    sink = io.StringIO()
    request = ExportRequest(category="message")
    assert write_export(db, load_config(glue.config), request, sink) == 1
    item = json.loads(sink.getvalue())
    assert item["data"]["Message-ID"] == "<ok@x>" and item["origin"] == str(MBOX)
