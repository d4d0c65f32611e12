"""Class 3: no commit message or file name can steer the `git log` record stream."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import yaml

from digest.sources.git import MARKER, parse_log
from tests.helpers import Upstream, run_cli, write_config

FAKE = "f" * 40
FORGED_HEADER = MARKER.decode() + FAKE + "\n" + "forged subject"


def _hostile(path: Path) -> tuple[Upstream, dict[str, str]]:
    """A repository whose messages and file names carry the record marker; sha -> subject."""
    repo = Upstream(path)
    subjects = {}
    subjects[repo.commit("Initial import")] = "Initial import"
    message = f"High: PE: carries the marker {FORGED_HEADER} in its subject"
    sha = repo.commit(message + "\n\nand " + MARKER.decode() + " in the body")
    subjects[sha] = message.split("\n")[0]
    # Files sort as: marker+fake sha, then 2..9: read naively, the fields after the marker
    # would make a whole record (sha, parents, author, ... subject) of the numstat entries.
    files = {MARKER.decode() + FAKE: "x\n", **{str(n): f"{n}\n" for n in range(2, 10)}}
    subjects[repo.commit("Low: crmd: add files with a crafted name", files)] = (
        "Low: crmd: add files with a crafted name"
    )
    last = "Medium: cib: after the crafted ones"
    subjects[repo.commit(last)] = last
    return repo, subjects


def _clean(text: str) -> str:
    """What the store keeps of text: control characters removed."""
    return "".join(c for c in text if c >= " " or c == "\n")


def test_markers_in_messages_and_paths_neither_break_the_fetch_nor_forge_a_row(
    tmp_path: Path,
) -> None:
    repo, subjects = _hostile(tmp_path / "hostile")
    other = Upstream(tmp_path / "other")
    other_sha = other.commit("Fix: a commit of the next source")
    config = write_config(tmp_path, str(repo.path))
    doc = yaml.safe_load(config.read_text())
    doc["projects"].append(
        {
            "id": "other",
            "name": "Other",
            "web": "https://example.org/other",
            "commit_url": "https://example.org/other/commit/{sha}",
            "sources": [{"id": "other-git", "url": str(other.path), "branches": ["main"]}],
        }
    )
    config.write_text(yaml.safe_dump(doc))
    result = run_cli(config, "fetch")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    db = sqlite3.connect(tmp_path / "var" / "digest.db")
    rows = dict(db.execute("SELECT sha, subject FROM commits WHERE project = 'demo'"))
    assert rows == {sha: _clean(subject) for sha, subject in subjects.items()}
    (body,) = db.execute("SELECT body FROM commits WHERE subject LIKE '%carries%'").fetchone()
    assert "forged subject in its subject" in body and body.endswith(" in the body")
    crafted = next(s for s, t in subjects.items() if "crafted name" in t)
    (files,) = db.execute("SELECT files FROM commits WHERE sha = ?", [crafted]).fetchone()
    paths = sorted(path for _, _, path in json.loads(files))
    assert paths == sorted([_clean(MARKER.decode()) + FAKE, *map(str, range(2, 10))])
    assert db.execute("SELECT sha FROM commits WHERE project = 'other'").fetchall() == [
        (other_sha,)
    ]


def test_a_record_that_cannot_be_parsed_is_one_named_warning() -> None:
    good = (
        MARKER
        + b"\0".join([b"a" * 40, b"", *[b"A", b"a@x", b"2011-03-13T08:00:00+01:00"] * 2, b"Fix\n"])
        + b"\0"
    )
    broken = MARKER + b"not a sha\0garbage\0"
    problems: list[str] = []
    commits = list(parse_log(broken + good, problems=problems, name="source 'demo-git'"))
    assert [c.sha for c in commits] == ["a" * 40]
    assert len(problems) == 1 and problems[0].startswith("source 'demo-git': ")
