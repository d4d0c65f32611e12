"""`digest datasette` metadata served by a real datasette on 127.0.0.1: facets, search, queries."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from digest import store
from digest.translate.lines import tm_key
from tests.helpers import run_cli


def free_port() -> int:
    """A port nobody listens on now (datasette wants a number, not 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(glue, tmp_path_factory) -> Iterator[httpx.Client]:
    """datasette serving the glue store with the metadata `digest datasette` wrote."""
    pytest.importorskip("datasette", reason="datasette (test extra)")
    meta = tmp_path_factory.mktemp("datasette") / "metadata.yml"
    result = run_cli(glue.config, "datasette", "--out", str(meta))
    assert result.exit_code == 0, result.output
    port = free_port()
    command = [sys.executable, "-m", "datasette", "serve", str(glue.db_path), "-m", str(meta)]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        _wait(client, proc)
        yield client
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


def _wait(client: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"datasette exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            client.get("/-/versions.json")
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("datasette did not answer within 30 s")


def rows(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params={**params, "_shape": "array", "_size": "max"})
    assert response.status_code == 200, response.text
    return response.json()


def stored(glue, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(glue.db_path) as conn:
        return conn.execute(sql, params).fetchall()


def test_metadata_names_facets_search_and_queries(glue, served):
    meta = served.get("/-/metadata.json").json()
    changes = meta["databases"]["digest"]["tables"]["changes"]
    assert changes["facets"] == ["project", "component", "severity", "kind", "release"]
    assert changes["fts_table"] == "commits_fts"
    assert set(meta["databases"]["digest"]["queries"]) == {
        "changes_in_release_by_component",
        "untranslated_lines_of_month",
        "unlinked_changelog_entries",
    }


def test_component_facet_counts_every_change_by_its_main_component(glue, served):
    response = served.get("/digest/changes.json", params={"_facet": "component", "_size": 0})
    facet = response.json()["facet_results"]["component"]
    counts = {r["value"]: r["count"] for r in facet["results"]}
    assert stored(glue, "SELECT COUNT(*) FROM commits WHERE duplicate_of IS NOT NULL") == [(0,)]
    db = store.open_db(glue.db_path)
    expected = {
        name: c.get("commits_first", c["commits"] if name == "other" else 0)
        for name, c in store.component_counts(db).items()
    }
    assert counts == {name: n for name, n in expected.items() if n}
    assert len(counts) > 5 and not facet["truncated"]


def test_default_facets_apply_without_asking(served):
    facets = served.get("/digest/changes.json", params={"_size": 0}).json()["facet_results"]
    assert {"project", "component", "severity", "kind", "release"} <= set(facets)


def test_full_text_search_is_linked_to_the_changes_view(glue, served):
    found = rows(served, "/digest/changes.json", _search="monitor")
    expected = [
        sha
        for sha, subject, body in stored(glue, "SELECT sha, subject, body FROM commits")
        if "monitor" in f"{subject}\n{body}".lower()
    ]
    assert sorted(r["sha"] for r in found) == sorted(expected) and expected


def test_canned_query_changes_by_component_in_a_release(glue, served):
    release, count = stored(
        glue,
        "SELECT release, COUNT(*) FROM commits WHERE release IS NOT NULL "
        "GROUP BY release HAVING COUNT(*) < 1000 ORDER BY 2 DESC LIMIT 1",  # datasette's cap
    )[0]
    path = "/digest/changes_in_release_by_component.json"
    everything = rows(served, path, project="cluster-glue", release=release, component="")
    assert len(everything) == count
    assert [r["component"] for r in everything] == sorted(r["component"] for r in everything)
    main = Counter(r["component"] for r in everything).most_common(1)[0][0]
    touching = [
        row
        for row in stored(glue, "SELECT components FROM commits WHERE release = ?", release)
        if main in json.loads(row[0])
    ]
    chosen = rows(served, path, project="cluster-glue", release=release, component=main)
    assert len(chosen) == len(touching) > 0


def test_canned_query_untranslated_lines_of_a_month(glue, served):
    db = store.open_db(glue.db_path)
    for month in (glue.translated_month, glue.untranslated_month):
        lines = store.month_lines(db, month)
        known = store.get_translations(db, [tm_key(line) for line in lines], "ja")
        missing = {line for line in lines if tm_key(line) not in known}
        found = rows(served, "/digest/untranslated_lines_of_month.json", month=month)
        assert {r["english"] for r in found} == missing, month
    assert rows(served, "/digest/untranslated_lines_of_month.json", month=glue.untranslated_month)


def test_canned_query_unlinked_changelog_entries(glue, served):
    db = store.open_db(glue.db_path)
    stats = {s["project"]: s for s in store.project_stats(db)}["cluster-glue"]
    found = rows(served, "/digest/unlinked_changelog_entries.json", project="cluster-glue")
    assert len(found) == stats["entries"] - stats["linked"] > 0
