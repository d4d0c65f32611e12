"""Class 5: a force-push that removes a tag and its commits removes the release consistently."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.helpers import Upstream, run_cli, write_config

CHANGELOG_1_0 = """* Tue Mar 15 2011 Andrew Beekhof <andrew@beekhof.net> - 1.0.0
- High: PE: Fix the first thing
- High: crmd: Fix the second thing

"""


def _json(config: Path, *args: str) -> list[dict]:
    result = run_cli(config, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _fetch(config: Path) -> None:
    result = run_cli(config, "fetch")
    assert result.exit_code == 0, result.output


def test_a_removed_tag_and_its_commits_leave_releases_entries_and_query_agreeing(
    tmp_path: Path,
) -> None:
    repo = Upstream(tmp_path / "upstream")
    base = repo.commit("Initial import", {"ChangeLog": "\n"})
    repo.tag("Pacemaker-0.9.0")
    first = repo.commit("High: PE: Fix the first thing", {"pengine/a.c": "1\n"})
    second = repo.commit("High: crmd: Fix the second thing", {"crmd/b.c": "1\n"})
    repo.commit("Release 1.0.0", {"ChangeLog": CHANGELOG_1_0})
    repo.tag("Pacemaker-1.0.0")
    config = write_config(
        tmp_path,
        str(repo.path),
        release_tags=r"^Pacemaker-(?P<version>\d+\.\d+\.\d+)$",
        changelogs=["ChangeLog"],
    )
    _fetch(config)
    (before,) = _json(config, "releases", "--version", "1.0.0", "--entries")
    assert (before["entries"], before["linked"]) == (2, 2)
    assert {c["sha"] for c in _json(config, "query", "--release", "1.0.0")} >= {first, second}

    # Upstream rewrites history: main goes back to the first release, the tag is deleted.
    repo.git("reset", "-q", "--hard", base)
    repo.git("tag", "-d", "Pacemaker-1.0.0")
    kept = repo.commit("Medium: cib: A commit after the rewrite", {"cib/c.c": "1\n"})
    _fetch(config)

    versions = [r["version"] for r in _json(config, "releases", "--entries")]
    assert versions == ["0.9.0"]
    gone = run_cli(config, "query", "--release", "1.0.0")  # the release is unknown everywhere
    assert gone.exit_code == 2 and "unknown release '1.0.0' (known: 0.9.0)" in gone.output
    assert _json(config, "query", "--text", "first thing") == []  # search rows went too
    assert [c["sha"] for c in _json(config, "query", "--text", "after the rewrite")] == [kept]
    db = sqlite3.connect(tmp_path / "var" / "digest.db")
    stored = {row[0] for row in db.execute("SELECT sha FROM commits")}
    assert stored == {base, kept}
    assert db.execute("SELECT count(*) FROM changelog_entries").fetchone() == (0,)
    assert db.execute("SELECT release FROM commits WHERE sha = ?", [kept]).fetchone() == (None,)
