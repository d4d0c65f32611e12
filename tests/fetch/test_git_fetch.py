"""The git fetcher end to end: real repositories, real mirrors, a real SQLite file."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from git import Repo

from digest import fetch, store
from digest.cli import main
from digest.config import load_config
from digest.errors import FetchError
from digest.sources.git import _scratch_files, parse_log, read_commits
from digest.sources.trailers import cross_references
from tests.helpers import Upstream, write_config


def release_config(tmp_path: Path, upstream: Upstream) -> Path:
    """A sources.yaml whose source tags releases Pacemaker-X.Y.Z and keeps a ChangeLog."""
    return write_config(
        tmp_path,
        str(upstream.path),
        release_tags=r"^Pacemaker-(?P<version>\d+\.\d+\.\d+)$",
        changelogs=["ChangeLog"],
    )


def run_fetch(config_path: Path) -> tuple[fetch.FetchSummary, object]:
    """Fetch with the library API and return the summary and the database."""
    config = load_config(config_path)
    db = store.open_db(config.settings.database)
    return fetch.fetch(config, db), db


def shas(db: object) -> list[str]:
    """All stored commit shas, sorted."""
    return sorted(row[0] for row in db.execute("SELECT sha FROM commits"))  # type: ignore[attr-defined]


def test_fetch_stores_each_commit_once_and_refetch_adds_nothing(tmp_path, upstream):
    summary, db = run_fetch(write_config(tmp_path, str(upstream.path)))
    assert summary.failures == []
    assert summary.commits == 2
    again, db = run_fetch(tmp_path / "sources.yaml")
    assert again.commits == 0
    assert shas(db) == sorted(upstream.git("rev-list", "--all").split())


def test_only_new_commits_are_read(tmp_path, upstream):
    run_fetch(write_config(tmp_path, str(upstream.path)))
    new = upstream.commit("Medium: crmd: Something new", {"crmd/main.c": "x\n"})
    summary, db = run_fetch(tmp_path / "sources.yaml")
    assert summary.commits == 1
    row = db.execute("SELECT subject FROM commits WHERE sha = ?", [new]).fetchone()
    assert row[0] == "Medium: crmd: Something new"


def test_files_are_stored_with_counts(tmp_path, upstream):
    _, db = run_fetch(write_config(tmp_path, str(upstream.path)))
    rows = db.execute(
        "SELECT path, added, deleted FROM commit_files f JOIN commits c USING (project, sha) "
        "WHERE c.subject = 'High: cib: Fix a leak'"
    ).fetchall()
    assert rows == [("lib/cib/io.c", 2, 0)]


def test_force_push_and_deleted_branch_are_survived(tmp_path, upstream):
    upstream.git("branch", "old-stable")
    config = write_config(tmp_path, str(upstream.path), branches=["main", "old-*"])
    run_fetch(config)
    upstream.git("reset", "-q", "--hard", "HEAD~1")
    rewritten = upstream.commit("High: PE: Rewritten history", {"pengine/x.c": "y\n"})
    upstream.git("branch", "-D", "old-stable")
    summary, db = run_fetch(config)
    assert summary.failures == []
    assert summary.commits == 1
    assert rewritten in shas(db)
    mirror = tmp_path / "var" / "cache" / "git" / "demo-git.git"
    branches = Upstream.__new__(Upstream)
    branches.path = mirror
    assert branches.git("for-each-ref", "--format=%(refname)", "refs/heads/") == "refs/heads/main"


def test_missing_configured_branch_is_a_warning(tmp_path, upstream):
    summary, _ = run_fetch(write_config(tmp_path, str(upstream.path), branches=["main", "2.1"]))
    assert summary.failures == []
    assert summary.warnings == ["source 'demo-git': branch '2.1' not found upstream"]


@pytest.mark.parametrize("tagged", [False, True], ids=["newest-first", "topological"])
def test_missing_blob_falls_back_to_paths_without_counts(tmp_path, upstream, tagged):
    plain = write_config(tmp_path, str(upstream.path))
    config = release_config(tmp_path, upstream) if tagged else plain
    run_fetch(config)  # creates the mirror
    target = upstream.commit("Low: tools: crm_mon output", {"tools/crm_mon.c": "1\n2\n3\n"})
    upstream.commit("Low: tools: more", {"tools/other.c": "1\n"})
    upstream.tag("Pacemaker-1.0.1")  # with release tags the log runs in topological order
    mirror = tmp_path / "var" / "cache" / "git" / "demo-git.git"
    shutil.rmtree(mirror)
    # A mirror whose snapshot lacks one blob: fetch everything, then drop that object.
    run_fetch(config)
    blob = upstream.git("rev-parse", f"{target}:tools/crm_mon.c")
    for pack in (mirror / "objects" / "pack").glob("*.pack"):
        _unpack(mirror, pack)
    (mirror / "objects" / blob[:2] / blob[2:]).unlink()
    db_path = tmp_path / "var" / "digest.db"
    db_path.unlink()
    summary, db = run_fetch(config)
    assert summary.failures == []
    assert sorted(shas(db)) == sorted(upstream.git("rev-list", "--all").split())
    files = json.loads(
        db.execute("SELECT files FROM commits WHERE sha = ?", [target]).fetchone()[0]
    )
    assert files == [[None, None, "tools/crm_mon.c"]]
    other = db.execute("SELECT files FROM commits WHERE subject = 'Low: tools: more'").fetchone()
    assert json.loads(other[0]) == [[1, 0, "tools/other.c"]]
    releases = {row[0] for row in db.execute("SELECT release FROM commits")}
    assert releases == ({"1.0.1"} if tagged else {None})


def _unpack(mirror: Path, pack: Path) -> None:
    """Explode a pack into loose objects so one object can be removed."""
    import subprocess

    moved = pack.with_suffix(".tmp")
    pack.rename(moved)
    pack.with_suffix(".idx").unlink()
    with moved.open("rb") as data:
        subprocess.run(["git", "-C", str(mirror), "unpack-objects", "-q"], stdin=data, check=True)
    moved.unlink()


def test_non_utf8_author_and_message_are_kept_readable(tmp_path, upstream):
    sha = upstream.commit_raw(
        "J\xf6rg M\xfcller".encode("latin-1"), "Fix \xe9t\xe9\n".encode("latin-1")
    )
    _, db = run_fetch(write_config(tmp_path, str(upstream.path)))
    row = db.execute("SELECT author, subject FROM commits WHERE sha = ?", [sha]).fetchone()
    assert row == ("Jörg Müller", "Fix été")


def test_cross_references_are_recorded(tmp_path, upstream):
    sha = upstream.commit(
        "High: cib: Call gnutls_bye()\n(transplanted from 63e01d70dea7291e708cb6e8fc43926e3897a1db)"
        "\n\nMercurial revision: 27f96a321b0bd5b40c205d14e492738a55f611c2\n"
    )
    _, db = run_fetch(write_config(tmp_path, str(upstream.path)))
    row = db.execute("SELECT hg_rev, backport_of FROM commits WHERE sha = ?", [sha]).fetchone()
    assert row == (
        "27f96a321b0bd5b40c205d14e492738a55f611c2",
        "63e01d70dea7291e708cb6e8fc43926e3897a1db",
    )


def test_cherry_pick_trailer():
    assert cross_references("Fix\n\n(cherry picked from commit abcdef1234567)") == (
        None,
        "abcdef1234567",
    )


def test_parse_log_handles_binary_files_and_merges():
    data = (
        b"\x1eDIGEST-COMMIT\x1f"
        + b"\0".join(
            [
                b"a" * 40,
                b"b" * 40 + b" " + b"c" * 40,
                b"A",
                b"a@x",
                b"2011-11-23T10:00:00+01:00",
                b"A",
                b"a@x",
                b"2011-11-23T10:00:00+01:00",
                b"Merge branch\n",
            ]
        )
        + b"\0"
        + b"\x1eDIGEST-COMMIT\x1f"
        + b"\0".join(
            [
                b"b" * 40,
                b"",
                b"A",
                b"a@x",
                b"2011-11-22T10:00:00+01:00",
                b"A",
                b"a@x",
                b"2011-11-22T10:00:00+01:00",
                b"Add logo\n",
            ]
        )
        + b"\0\n-\t-\tlogo.png\0"
        + b"3\t1\tREADME\0"
    )
    merge, first = parse_log(data)
    assert merge.parents == ("b" * 40, "c" * 40) and merge.files == ()
    assert first.parents == () and first.subject == "Add logo"
    assert [(f.path, f.added, f.deleted) for f in first.files] == [
        ("logo.png", None, None),
        ("README", 3, 1),
    ]


def test_duplicate_changes_across_projects_are_marked(tmp_path, upstream):
    other = Upstream(tmp_path / "other")
    other.clock = 1_300_000_000
    other.commit("Initial import", {"README": "demo\n"})  # same author date + subject
    config = write_config(tmp_path, str(upstream.path))
    doc = yaml.safe_load(config.read_text())
    second = json.loads(json.dumps(doc["projects"][0]))
    second["id"], second["sources"][0]["id"] = "demo-old", "demo-old-git"
    second["name"] = "Demo (old)"  # display names are unique
    second["sources"][0]["url"] = str(other.path)
    doc["projects"].append(second)
    config.write_text(yaml.safe_dump(doc))
    _, db = run_fetch(config)
    rows = db.execute(
        "SELECT project, duplicate_of FROM commits WHERE subject = 'Initial import' "
        "ORDER BY project"
    ).fetchall()
    first_sha = upstream.git("rev-list", "--max-parents=0", "HEAD")
    assert rows == [("demo", None), ("demo-old", f"demo:{first_sha}")]


def test_cli_fetch_prints_one_summary_line_and_fails_on_bad_source(tmp_path, upstream):
    config = write_config(tmp_path, str(tmp_path / "does-not-exist"))
    result = CliRunner().invoke(main, ["--config", str(config), "fetch"])
    assert result.exit_code == 1
    assert "demo-git" in result.output
    assert result.output.strip().splitlines()[-1] == (
        "fetched 1 sources: 0 new commits, 0 new releases, 0 ChangeLog entries; 1 failed; "
        "classified 0 commits, 0 entries"
    )
    state = store.get_state(store.open_db(tmp_path / "var" / "digest.db"), "demo-git")
    assert "demo-git" in state["last_error"]
    config = write_config(tmp_path, str(upstream.path))
    result = CliRunner().invoke(main, ["--config", str(config), "fetch"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "fetched 1 sources: 2 new commits, 0 new releases, 0 ChangeLog entries; 0 failed; "
        "classified 2 commits, 0 entries"
    )


def test_malformed_changelog_is_a_warning_naming_release_file_and_line(tmp_path, upstream):
    upstream.commit(
        "Release 1.0.1",
        {"ChangeLog": "* Wed Nov 23 2011 A <a@x> 1.0.1-1\nHigh: cib: Fix a leak\n"},
    )
    upstream.tag("Pacemaker-1.0.1")
    upstream.commit("Release 1.0.2", {"ChangeLog": "garbage\nmore garbage\n- an item\n"})
    upstream.tag("Pacemaker-1.0.2")
    config = release_config(tmp_path, upstream)
    summary, db = run_fetch(config)
    assert summary.failures == []
    assert summary.warnings == [
        "source 'demo-git': release 1.0.2: ChangeLog: line 1: no release header found "
        "(expected e.g. '* Wed Nov 23 2011 Name <mail> 1.0.12-1' or "
        "'# Pacemaker-3.0.2 (01 Jun 2026)'), got 'garbage'"
    ]
    assert [e["text"] for e in store.changelog_entries(db, "demo", "1.0.1")] == ["Fix a leak"]
    assert store.changelog_entries(db, "demo", "1.0.2") == []
    again, _ = run_fetch(config)
    assert again.warnings == []  # recorded as done; the next run does not trip over it again


def test_release_tagged_in_a_later_fetch_links_commits_of_both_fetches(tmp_path, upstream):
    old = upstream.commit("Low: crmd: Fix the election timer", {"crmd/election.c": "x\n"})
    config = release_config(tmp_path, upstream)
    first, db = run_fetch(config)
    assert first.entries == 0
    new = upstream.commit("High: cib: Fix a leak", {"cib/io.c": "y\n"})
    changelog = (
        "* Wed Nov 23 2011 A <a@x> 1.0.1-1\n"
        "High: cib: Fix a leak\n"
        "Low: crmd: Fix the election timer\n"
    )
    upstream.commit("Release 1.0.1", {"ChangeLog": changelog})
    upstream.tag("Pacemaker-1.0.1")
    second, db = run_fetch(config)
    assert (second.commits, second.releases, second.entries) == (2, 1, 2)
    entries = store.changelog_entries(db, "demo", "1.0.1")
    found = {e["text"]: (e["commit_sha"], e["match_method"]) for e in entries}
    assert found == {"Fix a leak": (new, "exact"), "Fix the election timer": (old, "exact")}


def test_a_corrupt_repository_is_one_error_naming_the_source_and_git_message(tmp_path, upstream):
    config = write_config(tmp_path, str(upstream.path))
    first, db = run_fetch(config)
    upstream.commit("Low: cib: one more", {"cib/x.c": "1\n"})
    mirror = tmp_path / "var" / "cache" / "git" / "demo-git.git"
    shutil.rmtree(mirror)
    run_fetch(config)  # a fresh mirror; a repository this small keeps its objects loose
    objects = [p for p in mirror.glob("objects/??/*") if p.is_file()]
    assert objects
    for path in objects:
        path.chmod(0o644)
        path.write_bytes(b"not a git object")
    source = load_config(config).git_sources()[0]
    repo = Repo(mirror)
    heads = [repo.git.rev_parse("refs/heads/main")]
    with pytest.raises(FetchError, match=r"^source 'demo-git': git log failed: .*corrupt"):
        list(read_commits(repo, source, heads, []))
    db.execute("DELETE FROM fetch_state")  # type: ignore[attr-defined]
    db.conn.commit()  # type: ignore[attr-defined]
    broken, db = run_fetch(config)
    assert [f.split(":")[0] for f in broken.failures] == ["source 'demo-git'"]
    assert len(shas(db)) == first.commits + 1  # what was stored is still there


def test_nowhere_to_write_git_output_is_a_named_error(tmp_path):
    expected = r"^source 'x': cannot write git's output: .*gone"
    with contextlib.ExitStack() as files, pytest.raises(FetchError, match=expected):
        _scratch_files(files, str(tmp_path / "gone"), "x")


CHANGELOG_1_0_1 = "* Wed Nov 23 2011 A <a@x> 1.0.1-1\nHigh: cib: Fix a leak in the diff code\n"
COMMITTER = {"GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x"}


@pytest.mark.parametrize("tag_later", [False, True], ids=["first-fetch", "later-fetch"])
def test_release_tagged_on_a_merge_without_the_edit_is_read_at_the_edit(
    tmp_path, upstream, tag_later
):
    """A tag on a merge whose tree lacks the ChangeLog edit: the edit's text is the release's."""
    upstream.git("checkout", "-q", "-b", "release")
    fix = upstream.commit("High: cib: Fix a leak in the diff code", {"cib/diff.c": "x\n"})
    upstream.commit("Release 1.0.1", {"ChangeLog": CHANGELOG_1_0_1})
    upstream.git("checkout", "-q", "main")
    env = {**COMMITTER, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x"}
    upstream.git("merge", "-q", "-s", "ours", "--no-edit", "release", env=env)  # main's tree
    config = release_config(tmp_path, upstream)
    if tag_later:
        run_fetch(config)
    upstream.tag("Pacemaker-1.0.1")
    summary, db = run_fetch(config)
    assert summary.failures == [] and summary.warnings == []
    [entry] = store.changelog_entries(db, "demo", "1.0.1")
    assert (entry["text"], entry["commit_sha"], entry["match_method"]) == (
        "Fix a leak in the diff code",
        fix,
        "exact",
    )
