"""Commits classified by the fetch's child: in order, and a failed source disturbs no other."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
import yaml
from sqlite_utils import Database

from digest import store
from digest.config import load_config
from digest.fetch import classifying
from digest.fetch import fetch as fetch_all
from tests.helpers import Upstream, write_config


def by_subject(project: str, commit_url: str, commits: list[tuple[str, list[str], str]]):
    """Classes naming each commit's subject; a batch holding 'boom' fails like a bug."""
    if any("boom" in message for message, _, _ in commits):
        raise KeyError("boom")
    return [('["x"]', None, "fix", "[]", f"{project}: {m.splitlines()[0]}") for m, _, _ in commits]


def two_projects(tmp_path, first: list[str], second: list[str]):
    """A config of projects 'a' and 'b' whose upstreams hold these commit subjects."""
    urls = []
    for name, subjects in (("a", first), ("b", second)):
        repo = Upstream(tmp_path / name)
        for subject in subjects:
            repo.commit(subject)
        urls.append(str(repo.path))
    path = write_config(tmp_path, urls[0])
    doc = yaml.safe_load(path.read_text())
    project = doc["projects"][0]
    doc["projects"] = [
        {
            **project,
            "id": name,
            "name": name.upper(),
            "sources": [{**project["sources"][0], "id": f"{name}-git", "url": url}],
        }
        for name, url in zip("ab", urls, strict=True)
    ]
    path.write_text(yaml.safe_dump(doc))
    config = load_config(path)
    return config, store.open_db(config.settings.database)


def stored_rules(db: Database, project: str) -> dict[str, str | None]:
    """The stored rule of each commit of a project, by subject."""
    rows = db.execute("SELECT subject, rule FROM commits WHERE project = ?", [project])
    return dict(rows.fetchall())


def test_every_commit_gets_its_own_classes(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(classifying, "BATCH", 2)  # many batches in flight
    subjects = [f"change {i}" for i in range(11)]
    config, db = two_projects(tmp_path, subjects, ["other 1"])
    summary = fetch_all(config, db, classify=by_subject)
    assert summary.failures == []
    assert stored_rules(db, "a") == {s: f"a: {s}" for s in subjects}
    assert stored_rules(db, "b") == {"other 1": "b: other 1"}


def test_a_failing_batch_fails_its_source_only(tmp_path, monkeypatch: pytest.MonkeyPatch, capfd):
    monkeypatch.setattr(classifying, "BATCH", 2)
    first = [f"change {i}" for i in range(3)] + ["boom"] + [f"later {i}" for i in range(6)]
    second = [f"other {i}" for i in range(5)]
    config, db = two_projects(tmp_path, first, second)
    summary = fetch_all(config, db, classify=by_subject)
    assert len(summary.failures) == 1
    assert summary.failures[0].startswith("project 'a': classifying its commits: ")
    assert "by_subject failed: KeyError: 'boom'" in summary.failures[0]
    assert "Traceback" in capfd.readouterr().err
    # The answers still in flight for 'a' were dropped: 'b' has its own classes.
    assert stored_rules(db, "b") == {s: f"b: {s}" for s in second}
    with contextlib.closing(sqlite3.connect(config.settings.database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
