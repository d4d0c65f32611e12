"""`digest classify` and `digest components` end to end on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digest import store
from digest.cli import main
from digest.config import load_config
from digest.models import ChangelogEntry, Commit, FileChange, Release
from tests.helpers import unreleased

REPO = "https://github.com/ClusterLabs/pacemaker"


def project(pid: str, commit_url: str) -> dict:
    return {
        "id": pid,
        "name": pid.title(),
        "web": commit_url.split("/commit/")[0],
        "commit_url": commit_url,
        "sources": [{"id": f"{pid}-git", "url": f"mirror/{pid}.git", "branches": ["main"]}],
    }


def commit(sha: str, date: str, message: str, *paths: str) -> Commit:
    files = tuple(FileChange(1, 0, p) for p in paths)
    return Commit(sha, (), "A", "a@example.org", date, "A", "a@example.org", date, message, files)


COMMITS = [
    commit("a1" * 20, "2012-05-01T10:00:00+02:00", "High: PE: Bug cl#5038 - Fix clones", "x.c"),
    commit(
        "b2" * 20, "2013-11-11T10:00:00+00:00", "Fix: controld: dlm", "extra/resources/controld"
    ),
    commit("c3" * 20, "2020-01-01T10:00:00+00:00", "Better fencing", "daemons/fenced/main.c"),
    commit(
        "c4" * 20,
        "2020-01-02T10:00:00+00:00",
        "Merge pull request #12 from a/b\n\nTweak",
    ),
]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A sources.yaml and a database holding commits, a release and its ChangeLog entries."""
    doc = {
        "settings": {"database": "var/digest.db", "cache_dir": "var/cache"},
        "projects": [
            project("pacemaker", REPO + "/commit/{sha}"),
            project("demo", "https://example.org/demo/commit/{sha}"),
        ],
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    db = store.open_db(load_config(path).settings.database)
    store.save_project(db, "pacemaker", "Pacemaker", REPO, REPO + "/commit/{sha}")
    store.save_commits(db, "pacemaker", unreleased(COMMITS))
    store.save_releases(db, [(Release("pacemaker", "1.1.8", "c3" * 20, "2012-09-20"), None)])
    entries = [
        (ChangelogEntry(1, "Fenced nodes", "+ crmd: Fenced nodes (bnc#755671)"), "a1" * 20, "x"),
        (
            ChangelogEntry(2, "New option", "* **tools:** New option", "Low", "tools", "features"),
            None,
            None,
        ),
    ]
    store.save_changelogs(db, "pacemaker", [("1.1.8", "ChangeLog", entries)])
    return path


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.stdout if "json" in args else result.output


def rows(config: Path, sql: str) -> list[tuple]:
    db = store.open_db(load_config(config).settings.database)
    return db.execute(sql).fetchall()


def test_classify_tags_commits_and_changelog_entries(config):
    code, out = run(config, "classify")
    assert code == 0, out
    assert out == ("classified 4 all commits and 2 ChangeLog entries of 1 projects; 6 changed\n")
    stored = rows(
        config, "SELECT sha, components, severity, kind, tickets, rule FROM commits ORDER BY sha"
    )
    pe, controld, fencing, merge = stored
    assert pe[1:4] == ('["PE"]', "High", "fix")
    assert json.loads(pe[4]) == [
        {"label": "cl#5038", "url": "https://bugs.clusterlabs.org/show_bug.cgi?id=5038"}
    ]
    assert pe[5] == "prefix: PE"
    assert controld[1] == '["agents"]'
    assert fencing[1:4] == ('["stonith"]', None, "change")
    assert fencing[5].startswith("paths: stonith")
    assert json.loads(merge[4]) == [{"label": "#12", "url": REPO + "/pull/12"}]
    entries = rows(
        config,
        "SELECT raw, components, severity, kind, tickets FROM changelog_entries ORDER BY position",
    )
    assert entries[0][1:4] == ('["crmd"]', None, "change")
    assert json.loads(entries[0][4])[0]["label"] == "bsc#755671"
    assert entries[1][1:4] == ('["tools"]', "Low", "feature")


def test_classify_twice_changes_nothing_and_only_new_changes_are_done(config):
    run(config, "classify")
    before = rows(config, "SELECT * FROM commits ORDER BY sha")
    code, out = run(config, "classify")
    assert (code, out) == (
        0,
        "classified 0 new commits and 0 ChangeLog entries of 1 projects; 0 changed\n",
    )
    assert rows(config, "SELECT * FROM commits ORDER BY sha") == before
    code, out = run(config, "classify", "--all")
    assert out == "classified 4 all commits and 2 ChangeLog entries of 1 projects; 0 changed\n"
    db = store.open_db(load_config(config).settings.database)
    store.save_commits(
        db, "pacemaker", unreleased([commit("d5" * 20, "2021-01-01", "Low: cib: x")])
    )
    code, out = run(config, "classify", "--project", "pacemaker")
    assert out == "classified 1 new commits and 0 ChangeLog entries of 1 projects; 1 changed\n"


def test_changed_rules_make_the_next_run_redo_everything(config):
    run(config, "classify")
    db = store.open_db(load_config(config).settings.database)
    store.set_state(db, "classify:pacemaker", cursor={"fingerprint": "older rules"})
    code, out = run(config, "classify")
    assert code == 0
    assert out == "classified 4 all commits and 2 ChangeLog entries of 1 projects; 0 changed\n"


def test_classify_refuses_unknown_and_empty_projects(config):
    code, out = run(config, "classify", "--project", "nope")
    assert code == 2
    assert out.splitlines()[-1] == (
        "Error: Invalid value for '--project': unknown project 'nope' (known: pacemaker, demo)"
    )
    code, out = run(config, "classify", "--project", "demo")
    assert code == 1
    assert out == "Error: project 'demo' has nothing stored yet (run `digest fetch`)\n"


def test_explain_a_stored_commit_by_sha_prefix(config):
    code, out = run(config, "classify", "--explain", "b2b2b2b")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == f"commit pacemaker:{'b2' * 20} (2013-11-11)  Fix: controld: dlm"
    assert "components: agents" in lines
    assert "rule:       prefix: agents" in lines
    assert "  prefix 'controld' -> agents" in lines
    assert "  path extra/resources/controld -> agents x1 (extra/resources/)" in lines
    assert rows(config, "SELECT COUNT(*) FROM commits WHERE rule IS NOT NULL") == [(0,)]


def test_explain_a_line_of_text(config):
    code, out = run(config, "classify", "--explain", "Medium: fencer: x (rhbz#1234567)")
    assert code == 0, out
    assert out.splitlines()[:6] == [
        "text (pacemaker): Medium: fencer: x (rhbz#1234567)",
        "components: stonith",
        "severity:   Medium",
        "kind:       fix",
        "tickets:    rhbz#1234567 <https://bugzilla.redhat.com/show_bug.cgi?id=1234567>",
        "rule:       prefix: stonith",
    ]


def test_explain_an_ambiguous_sha_prefix_is_an_error(config):
    code, out = run(config, "classify", "--explain", "c3c3c3c")
    assert code == 0
    db = store.open_db(load_config(config).settings.database)
    store.save_commits(
        db, "pacemaker", unreleased([commit("c3c3c3c3" + "0" * 32, "2021-01-01", "x")])
    )
    code, out = run(config, "classify", "--explain", "c3c3c3c")
    assert code == 1
    assert out.startswith("Error: commit 'c3c3c3c' is ambiguous: pacemaker:c3c3c3c30000")


def test_components_lists_the_taxonomy_with_counts(config):
    run(config, "classify")
    code, out = run(config, "components")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["component", "core", "commits", "entries", "title"]
    assert lines[1].split()[:4] == ["cib", "*", "0", "0"]
    stonith = next(line for line in lines if line.startswith("stonith "))
    assert stonith.split()[:4] == ["stonith", "*", "1", "0"]
    tools = next(line for line in lines if line.startswith("tools "))
    assert tools.split()[:4] == ["tools", "-", "0", "1"]
    assert lines[-1].endswith("components; 3 commits tagged, 1 other")


def test_components_as_json_and_for_one_project(config):
    run(config, "classify")
    code, out = run(config, "components", "--format", "json", "--project", "demo")
    assert code == 0, out
    data = {row["name"]: row for row in json.loads(out)}
    assert data["PE"]["commits"] == 0
    assert data["PE"]["core"] is True
    assert "scheduler" in data["PE"]["aliases"]
    assert {"name": "controld", "since": "2018-04-20"} in data["crmd"]["aliases"]
    code, out = run(config, "components", "--format", "json", "--project", "pacemaker")
    data = {row["name"]: row for row in json.loads(out)}
    assert (data["PE"]["commits"], data["PE"]["commits_first"]) == (1, 1)


@pytest.mark.parametrize("command", ["classify", "components"])
def test_commands_have_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "--project" in result.output
    first = result.output.split("\n\n")[1].strip()
    assert len(first) > 20
