"""The monthly draft for a ChangeLog.md-era month: golden output for August 2025 (issue 12)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.posts import explained_changes
from tests.conftest import ROOT
from tests.helpers import shipped_config

GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "2025-09-02-monthly-digest-september.md"
MODERN = ("pacemaker", "crmsh")


@pytest.fixture(scope="module")
def august(shadow_repos, tmp_path_factory):
    """Shadow repositories of Pacemaker and crmsh, drafted for 2025-08 by the monthly job."""
    base = tmp_path_factory.mktemp("august")
    repos = {name: shadow_repos(name) for name in MODERN}
    config = shipped_config(base, repos, lock_wait=0.2)
    out = base / "_posts"
    result = CliRunner().invoke(
        main, ["--config", str(config), "monthly", "--month", "2025-08", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return config, (out / GOLDEN.name).read_text(encoding="utf-8")


def test_august_2025_draft_matches_the_golden_file(august):
    _, text = august
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_each_release_shows_at_most_15_linked_entries(august):
    _, text = august
    entries = list(explained_changes(text))
    pacemaker = [e for e in entries if "/ClusterLabs/pacemaker/commit/" in e.url]
    crmsh = [e for e in entries if "/ClusterLabs/crmsh/commit/" in e.url]
    assert len(pacemaker) == 15  # 3.0.1 has 107 entries: cut to max_per_release
    assert 0 < len(crmsh) <= 15
    assert len(entries) == len(pacemaker) + len(crmsh)  # every entry is linked
    assert text.count("digest:entry") == len(entries)


def test_no_raw_markdown_of_changelog_md_reaches_the_draft(august):
    _, text = august
    assert "**daemons:**" not in text and "**libcrmcommon:**" not in text
    for entry in explained_changes(text):
        assert "**" not in entry.source and "`" not in entry.source


def test_user_visible_changes_come_before_api_and_internal_ones(august):
    _, text = august
    sources = [e.source for e in explained_changes(text) if "pacemaker/commit" in e.url]
    assert "tools: Avoid crash in crm_simulate --profile" in sources
    assert not any(s.startswith(("libpe_status: deprecate", "build:", "docs:")) for s in sources)
