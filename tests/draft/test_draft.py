"""The monthly draft: golden output for November 2011, edits kept, failures reported."""

from __future__ import annotations

import os
import re

import pytest
import yaml
from click.testing import CliRunner

from digest.cli import main
from digest.config import load_config
from digest.posts import explained_changes
from digest.runtime import run_lock
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "golden" / "2011-12-02-monthly-digest-december.md"
HIGH_1_0_12 = [
    "cib: Call gnutls_bye() and shutdown() when disconnecting from remote TLS connections",
    "cib: Remove disconnected remote connections from mainloop",
    "crmd: Cancel timers for actions that were pending on dead nodes",
    "crmd: Do not wait for actions that were pending on dead nodes",
    "crmd: Ensure we do not attempt to perform action on failed nodes",
    "PE: Correctly recognise which recurring operations are currently active",
    "PE: Demote from Master does not clear previous errors",
    "PE: Ensure restarts due to definition changes cause the start action to be re-issued not "
    "probes",
    "PE: Ensure role is preserved for unmanaged resources",
    "PE: Ensure unmanaged resources have the correct role set so the correct monitor operation "
    "is chosen",
    "PE: Move master based on failure of colocated group",
    "pengine: Correctly determine the state of multi-state resources with a partial operation "
    "history",
    "PE: Only allocate master/slave resources once",
    "Shell: implement -w,--wait option to wait for the transition to finish",
    "Shell: repair template list command",
]


@pytest.fixture(scope="module")
def november(shadow_repos, tmp_path_factory):
    """Shadow repositories of all five projects plus the November 2011 list archives."""
    base = tmp_path_factory.mktemp("november")
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text())
    doc["settings"] = {"database": "digest.db", "cache_dir": "cache", "lock_wait": 0.2}
    for project in doc["projects"]:
        project["sources"][0]["url"] = str(shadow_repos(project["id"]))
    mail = FIXTURES / "mail"
    doc["lists"] = [
        {"id": "pacemaker", "kind": "mbox", "url": str(mail / "pacemaker-2011-November.txt")},
        {"id": "linux-ha-dev", "kind": "mbox", "url": str(mail / "linux-ha-dev-2011-11.mbox")},
    ]
    doc["feeds"] = []
    config = base / "sources.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True))
    out = base / "_posts"
    result = CliRunner().invoke(
        main, ["--config", str(config), "monthly", "--month", "2011-11", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return config, out


def test_november_2011_draft_matches_the_golden_file(november):
    _, out = november
    draft = out / GOLDEN.name
    text = draft.read_text(encoding="utf-8")
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_pacemaker_section_lists_the_15_high_entries_linked_to_github(november):
    _, out = november
    entries = list(explained_changes((out / GOLDEN.name).read_text(encoding="utf-8")))
    pacemaker = [e for e in entries if "/ClusterLabs/pacemaker-1.0/commit/" in e.url]
    assert [e.source for e in pacemaker] == HIGH_1_0_12
    assert all(
        re.fullmatch(r"https://github.com/ClusterLabs/pacemaker-1.0/commit/[0-9a-f]{40}", e.url)
        for e in pacemaker
    )
    glue = [e for e in entries if "/ClusterLabs/cluster-glue/commit/" in e.url]
    assert len(glue) == 5
    assert glue[0].source == "stonith: external/ipmi: add missing double quote"
    assert any("/rasto/lcmc/commit/" in e.url for e in entries)
    assert all(e.text for e in entries)  # every change is explained in Japanese


def test_regenerating_keeps_the_editors_text(november):
    config, out = november
    draft = out / GOLDEN.name
    text = draft.read_text(encoding="utf-8")
    mine = "対向ノードが停止した場合、そのノードからの接続を完全に切断します。"
    first = next(e for e in explained_changes(text) if e.source == HIGH_1_0_12[1])
    text = text.replace(f"{first.text}\n", f"{mine}\n", 1)
    text = text.replace("（ここに質問と回答を書いてください）", "IPaddr2 RAの裏技をご紹介します。")
    draft.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--config", str(config), "draft", "--month", "2011-11", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    regenerated = draft.read_text(encoding="utf-8")
    assert mine in regenerated
    assert "IPaddr2 RAの裏技をご紹介します。" in regenerated
    edited = next(e for e in explained_changes(regenerated) if e.source == HIGH_1_0_12[1])
    assert (edited.text, edited.state) == (mine, "edited")
    again = CliRunner().invoke(
        main, ["--config", str(config), "draft", "--month", "2011-11", "--out", str(out)]
    )
    assert "draft unchanged" in again.output
    learned = CliRunner().invoke(main, ["--config", str(config), "tm", "learn", str(draft)])
    assert learned.exit_code == 0, learned.output
    line = CliRunner().invoke(
        main, ["--config", str(config), "translate", "--text", HIGH_1_0_12[1]]
    )
    assert line.output.strip() == mine


def test_a_failing_source_is_named_in_the_draft_and_the_exit_status(november, tmp_path):
    config, _ = november
    doc = yaml.safe_load(config.read_text())
    doc["lists"].append({"id": "broken", "kind": "mbox", "url": str(tmp_path / "missing.mbox")})
    broken = config.with_name("broken.yaml")
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True))
    out = tmp_path / "posts"
    result = CliRunner().invoke(
        main, ["--config", str(broken), "monthly", "--month", "2011-11", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "broken" in result.output
    text = (out / GOLDEN.name).read_text(encoding="utf-8")
    assert "digest:warning" in text and "'broken'" in text


def test_two_monthly_runs_cannot_overlap(november, tmp_path):
    config, _ = november
    with run_lock(load_config(config).settings.lock_path):
        result = CliRunner().invoke(
            main,
            [
                "--config",
                str(config),
                "monthly",
                "--month",
                "2011-11",
                "--no-fetch",
                "--out",
                str(tmp_path),
            ],
        )
    assert result.exit_code == 1
    assert "another digest run" in result.output
    assert not list(tmp_path.glob("*.md"))
