"""`digest query` over a real fetched, classified and translated store."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from digest.cli import main
from tests.helpers import Upstream, write_config


@pytest.fixture
def store_config(tmp_path):
    repo = Upstream(tmp_path / "upstream")
    repo.commit("Initial import", {"README": "x\n"})
    repo.commit("High: pengine: Fix colocation of promoted clones", {"pengine/native.c": "1\n"})
    repo.tag("Pacemaker-1.1.0")
    repo.commit("Medium: fencing: Retry topology levels (rhbz#800054)", {"fencing/main.c": "2\n"})
    repo.commit("Low: tools: crm_mon shows <script>alert(1)</script>", {"tools/crm_mon.c": "3\n"})
    repo.tag("Pacemaker-1.1.1")
    repo.commit("Fix: scheduler: Unreleased node fix", {"daemons/schedulerd/x.c": "4\n"})
    config = write_config(
        tmp_path, str(repo.path), release_tags=r"^Pacemaker-(?P<version>\d+\.\d+\.\d+)$"
    )
    for args in (["fetch"], ["classify"]):
        result = CliRunner().invoke(main, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
    return config


def query(config, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["--config", str(config), "query", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_component_aliases_of_every_era_find_the_same_changes(store_config):
    by_pe = [r["english"] for r in query(store_config, "--component", "PE")]
    assert by_pe == [
        "Fix: scheduler: Unreleased node fix",
        "High: pengine: Fix colocation of promoted clones",
    ]
    assert [r["english"] for r in query(store_config, "--component", "schedulerd")] == by_pe
    fencer = query(store_config, "--component", "fencer")
    assert [r["english"] for r in fencer] == [
        "Medium: fencing: Retry topology levels (rhbz#800054)"
    ]
    assert fencer[0]["tickets"] == [
        {"label": "rhbz#800054", "url": "https://bugzilla.redhat.com/show_bug.cgi?id=800054"}
    ]


def test_release_and_since_release(store_config):
    assert [r["english"] for r in query(store_config, "--release", "1.1.1")] == [
        "Low: tools: crm_mon shows <script>alert(1)</script>",
        "Medium: fencing: Retry topology levels (rhbz#800054)",
    ]
    since = [r["english"] for r in query(store_config, "--since-release", "1.1.0")]
    assert since[0] == "Fix: scheduler: Unreleased node fix"
    assert "High: pengine: Fix colocation of promoted clones" not in since


def test_severity_kind_dates_and_limit(store_config):
    assert [r["severity"] for r in query(store_config, "--severity", "High")] == ["High"]
    assert len(query(store_config, "--limit", "2")) == 2
    assert query(store_config, "--since", "2030-01-01") == []


def test_text_search_in_english_and_japanese(store_config):
    assert [r["english"] for r in query(store_config, "--text", "topology")] == [
        "Medium: fencing: Retry topology levels (rhbz#800054)"
    ]
    translated = CliRunner().invoke(
        main, ["--config", str(store_config), "translate", "--month", "2011-03"]
    )
    assert translated.exit_code == 0, translated.output
    rows = query(store_config, "--release", "1.1.1")
    japanese = next(r["japanese"] for r in rows if "topology" in r["english"])
    assert japanese
    word = japanese[:3]
    assert any("topology" in r["english"] for r in query(store_config, "--text", word))


def test_formats(store_config):
    base = ["--config", str(store_config), "query", "--component", "PE"]
    as_csv = CliRunner().invoke(main, [*base, "--format", "csv"]).output
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert rows[0]["project"] == "demo" and rows[0]["url"].startswith("https://example.org/")
    markdown = CliRunner().invoke(main, [*base, "--format", "markdown"]).output
    assert markdown.splitlines()[0].startswith("| project | date | release |")
    plain = CliRunner().invoke(main, base).output
    assert "High: pengine: Fix colocation of promoted clones" in plain


def test_unknown_component_is_a_clear_error(store_config):
    result = CliRunner().invoke(
        main, ["--config", str(store_config), "query", "--component", "nosuch"]
    )
    assert result.exit_code == 2
    assert "Error: Invalid value for '--component': unknown component 'nosuch'" in result.output
