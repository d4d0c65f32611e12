"""`digest query --project corosync` and `--component IPaddr2` over fetched shadow repositories."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from digest.cli import main
from tests.conftest import ROOT, SHADOW_TOOL, require_shared

LIMITS = {"corosync": 400, "resource-agents": 700}  # the oldest commits, to stay fast


def _digest(config, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """corosync and resource-agents (their oldest commits) fetched and classified."""
    require_shared()
    base = tmp_path_factory.mktemp("stack")
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text())
    doc["settings"] = {"database": "digest.db", "cache_dir": "cache"}
    doc["projects"] = [p for p in doc["projects"] if p["id"] in LIMITS]
    doc["draft"]["projects"] = list(LIMITS)
    doc["lists"], doc["feeds"] = [], []  # no network in tests
    repos = {}
    for project in doc["projects"]:
        repos[project["id"]] = base / project["id"]
        limit = str(LIMITS[project["id"]])
        cmd = [sys.executable, str(SHADOW_TOOL), project["id"], str(repos[project["id"]])]
        subprocess.run([*cmd, "--limit", limit], check=True, capture_output=True)
        project["sources"][0]["url"] = str(repos[project["id"]])
    config = base / "sources.yaml"
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    _digest(config, "fetch")
    _digest(config, "classify")
    return config, repos


def query(config, *args: str) -> list[dict]:
    return json.loads(_digest(config, "query", "--format", "json", "--limit", "100000", *args))


def _git(repo, *args: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return out.stdout.split()


def test_query_by_project(stack):
    config, _ = stack
    rows = query(config, "--project", "corosync")
    assert {r["project"] for r in rows} == {"corosync"}
    with sqlite3.connect(config.parent / "digest.db") as db:
        stored = db.execute("SELECT sha, change_key FROM commits WHERE project = 'corosync'")
        keys = dict(stored.fetchall())
    assert {r["sha"] for r in rows} <= set(keys)  # each change once (same date and subject)
    assert len(rows) == len(set(keys.values())) > 300


def test_query_by_agent_component(stack):
    config, repos = stack
    rows = query(config, "--component", "IPaddr2")
    assert rows and {r["project"] for r in rows} == {"resource-agents"}
    assert all("IPaddr2" in r["components"] for r in rows)
    repo, path = repos["resource-agents"], "heartbeat/IPaddr2.in"
    only_ipaddr2 = [
        sha
        for sha in _git(repo, "rev-list", "--all", "--", path)
        if _git(repo, "show", "--format=", "--name-only", sha) == [path]
    ]
    found = {r["sha"] for r in rows}
    assert only_ipaddr2 and set(only_ipaddr2) <= found
    assert query(config, "--component", "ipaddr2") == rows


def test_query_by_corosync_component(stack):
    config, _ = stack
    rows = query(config, "--project", "corosync", "--component", "totem")
    assert rows and all("totem" in r["components"] for r in rows)


def test_fetch_stores_commits_classified_as_classify_would(stack, tmp_path):
    """The classes stored while commits stream in are the ones `classify --all` computes."""
    config, _ = stack
    doc = yaml.safe_load(config.read_text())
    doc["settings"] = {"database": str(tmp_path / "fresh.db"), "cache_dir": str(tmp_path)}
    fresh = tmp_path / "sources.yaml"
    fresh.write_text(yaml.safe_dump(doc, sort_keys=False))
    fetched = _digest(fresh, "fetch").strip()
    assert f"; classified {sum(LIMITS.values())} commits, " in fetched
    conn = sqlite3.connect(tmp_path / "fresh.db")
    assert conn.execute("SELECT COUNT(*) FROM commits WHERE rule IS NULL").fetchone() == (0,)
    redone = _digest(fresh, "classify", "--all").strip()
    assert redone.startswith(f"classified {sum(LIMITS.values())} all commits")
    assert redone.endswith("; 0 changed")
    assert "classified 0 new commits" in _digest(fresh, "classify")
