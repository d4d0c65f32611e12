"""`digest fetch` against shadow repositories of all eleven real upstream histories."""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pytest
import yaml

from digest import fetch, store
from digest.config import load_config
from tests.conftest import ALL_PROJECTS, ROOT


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def world(shadow_repos, tmp_path_factory):
    """The shipped sources.yaml pointed at shadow repositories, fetched once."""
    base = tmp_path_factory.mktemp("world")
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text())
    doc["settings"] = {"database": "digest.db", "cache_dir": "cache"}
    doc["lists"], doc["feeds"] = [], []  # no network in tests
    repos = {}
    for project in doc["projects"]:
        repos[project["id"]] = shadow_repos(project["id"])
        project["sources"][0]["url"] = str(repos[project["id"]])
    (base / "sources.yaml").write_text(yaml.safe_dump(doc))
    config = load_config(base / "sources.yaml")
    db = store.open_db(config.settings.database)
    summary = fetch.fetch(config, db)
    return config, db, repos, summary


def _expected_shas(repo: Path, patterns: tuple[str, ...]) -> set[str]:
    heads = _git(repo, "for-each-ref", "--format=%(refname:strip=2)", "refs/heads/").split()
    refs = [h for h in heads if any(fnmatch.fnmatchcase(h, p) for p in patterns)]
    return set(_git(repo, "rev-list", *refs, "--tags").split())


def test_fetch_succeeds_for_all_five(world):
    _, _, _, summary = world
    assert summary.failures == []
    assert summary.sources == len(ALL_PROJECTS)


@pytest.mark.parametrize("project", ALL_PROJECTS)
def test_every_reachable_commit_is_stored_exactly_once(world, project):
    config, db, repos, _ = world
    patterns = config.project(project).sources[0].branches
    stored = [r[0] for r in db.execute("SELECT sha FROM commits WHERE project = ?", [project])]
    assert len(stored) == len(set(stored))
    assert set(stored) == _expected_shas(repos[project], patterns)


def test_pacemaker_1_0_12_changelog_is_parsed_and_linked(world):
    _, db, _, _ = world
    entries = store.changelog_entries(db, "pacemaker-1.0", "1.0.12")
    assert len(entries) == 40
    assert [e["severity"] for e in entries].count("High") == 15
    assert [e["severity"] for e in entries].count("Medium") == 25
    assert all(e["commit_sha"] for e in entries)
    first = entries[0]
    assert first["text"].startswith("Call gnutls_bye() and shutdown()")
    subject, release = db.execute(
        "SELECT subject, release FROM commits WHERE project = 'pacemaker-1.0' AND sha = ?",
        [first["commit_sha"]],
    ).fetchone()
    assert subject == (
        "High: cib: Call gnutls_bye() and shutdown() when disconnecting from remote TLS connections"
    )
    assert release == "1.0.12"


def test_glue_1_0_9_has_its_five_entries(world):
    _, db, _, _ = world
    entries = store.changelog_entries(db, "cluster-glue", "1.0.9")
    assert len(entries) == 5
    assert all(e["commit_sha"] for e in entries)
    assert entries[0]["text"] == "external/ipmi: add missing double quote"


def test_releases_know_predecessors_and_rc_flags(world):
    _, db, _, _ = world
    rows = {
        (r["project"], r["version"]): r
        for r in store.query_releases(db, projects=["pacemaker", "pacemaker-1.0", "lcmc"])
    }
    assert rows[("pacemaker-1.0", "1.0.12")]["previous_version"] == "1.0.11"
    assert rows[("pacemaker", "1.1.14")]["previous_version"] == "1.1.13"
    assert rows[("pacemaker", "1.1.14-rc3")]["previous_version"] == "1.1.14-rc2"
    assert rows[("pacemaker", "1.1.14-rc3")]["is_rc"] == 1
    lcmc = rows[("lcmc", "1.1.0")]
    assert lcmc["tag"] is None and lcmc["date"].startswith("2011-11-20")
    assert ("pacemaker", "1.0.12") not in rows


def test_shared_pre_split_history_is_recognised(world):
    _, db, _, _ = world
    pairs = db.execute(
        "SELECT d.subject, d.author_date, o.subject, o.author_date FROM commits d "
        "JOIN commits o ON o.project = substr(d.duplicate_of, 1, instr(d.duplicate_of, ':') - 1) "
        "AND o.sha = substr(d.duplicate_of, instr(d.duplicate_of, ':') + 1) "
        "WHERE d.project = 'pacemaker-1.0'"
    ).fetchall()
    assert len(pairs) > 5000  # thousands of pre-split commits under different SHAs
    assert all(a == c for a, _, c, _ in pairs)
    assert db.execute(
        "SELECT COUNT(*) FROM commits WHERE project = 'pacemaker' AND duplicate_of IS NOT NULL"
    ).fetchone() == (0,)


def test_refetch_adds_nothing_then_only_new_commits_are_read(world):
    config, db, repos, _ = world
    again = fetch.fetch(config, db)
    assert (again.commits, again.entries, again.failures) == (0, 0, [])
    glue = repos["cluster-glue"]
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "HOME": str(glue),
        "PATH": "/usr/bin:/bin",
    }
    for n in range(2):
        subprocess.run(
            ["git", "-C", str(glue), "commit", "-q", "--allow-empty", "-m", f"Low: new {n}"],
            check=True,
            env=env,
        )
    after = fetch.fetch(config, db, projects=["cluster-glue"])
    assert after.commits == 2
