"""The translate and tm commands through click's CliRunner, and the translate: config section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import store
from digest.cli import main
from digest.config import load_config, translate_settings
from digest.errors import ConfigError
from digest.models import ChangelogEntry, Release
from tests.conftest import SHARED, require_shared
from tests.helpers import FIXTURES_DIR, TM_CONFIG

FIXTURES = FIXTURES_DIR / "translate"
POST = SHARED / "reference" / "2011-12-02-monthly-digest-december.md"


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(TM_CONFIG)
    return path


def run(config: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--config", str(config), *args], input=input)


def test_translate_text(config):
    result = run(config, "translate", "--text", "High: Shell: repair template list command")
    assert result.exit_code == 0, result.output
    assert result.output == "crm shellで、template listコマンドを修正しました。\n"


def test_translate_input_prints_json_lines(config):
    lines = "PE: Fix g_str_hash() leak\n\nShell: add --force option\n"
    result = run(config, "translate", "--input", "-", input=lines)
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["source"] for r in rows] == ["PE: Fix g_str_hash() leak", "Shell: add --force option"]
    assert {(r["origin"], r["state"]) for r in rows} == {("rules", "machine")}
    assert "g_str_hash()" in rows[0]["text"]


def test_translate_needs_exactly_one_input(config):
    result = run(config, "translate")
    assert result.exit_code == 2
    assert "give exactly one of --month, --text or --input" in result.output
    assert run(config, "translate", "--month", "2011-13").exit_code == 2


def test_llm_engine_without_endpoint_is_a_config_error(config, monkeypatch):
    for var in ("DIGEST_LLM_URL", "DIGEST_LLM_MODEL", "DIGEST_LLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    result = run(config, "translate", "--engine", "llm", "--text", "fix x")
    assert result.exit_code == 1
    assert "Error: translate.llm: the llm engine needs url and model" in result.output


def test_translate_month_fills_the_tm(config):
    db = store.open_db(config.parent / "var" / "digest.db")
    store.save_project(db, "pacemaker-1.0", "Pacemaker 1.0", "https://x", "https://x/{sha}")
    store.save_releases(
        db, [(Release("pacemaker-1.0", "1.0.12", "abc", "2011-11-23T00:00:00"), None)]
    )
    entries = [
        (
            ChangelogEntry(1, "Fix x", "High: PE: Fix memory leak in error path", "High", "PE"),
            None,
            None,
        ),
        (
            ChangelogEntry(2, "Add y", "Medium: crmd: Add --wait option", "Medium", "crmd"),
            None,
            None,
        ),
    ]
    store.save_changelogs(db, "pacemaker-1.0", [("1.0.12", "ChangeLog", entries)])
    result = run(config, "translate", "--month", "2011-11")
    assert result.exit_code == 0, result.output
    assert result.output == "translated 2 lines for 2011-11: 2 rules\n"
    assert run(config, "translate", "--month", "2011-11").output.endswith(": 2 stored\n")
    assert run(config, "translate", "--month", "2011-12").output.endswith("nothing to translate\n")


def test_tm_import_post_stats_export_learn(config, tmp_path):
    require_shared()
    result = run(config, "tm", "import", str(POST))
    assert result.exit_code == 0, result.output
    assert "27 entries, 27 learned, 0 unchanged\n" in result.output
    text = run(
        config,
        "translate",
        "--text",
        "hb_report: improve destination directory handling (bnc#727295)",
    ).output
    assert text.startswith(
        "hb_reportコマンドのdestオプションにフルパスを指定する必要がなくなりました。"
    )
    stats = run(config, "tm", "stats")
    assert stats.output == (
        "lang  origin  state     count\nja    human   approved  27\n27 translations\n"
    )
    out = tmp_path / "tm.jsonl"
    assert run(config, "tm", "export", str(out)).output == f"exported 27 rows to {out}\n"
    assert len(out.read_text().splitlines()) == 27
    again = run(config, "tm", "import", str(out)).output
    assert (
        again.startswith(f"{out}: 0 rows changed\n") and "term candidates (digest tm terms" in again
    )
    learned = run(config, "tm", "learn", str(FIXTURES / "draft.md"))
    assert learned.exit_code == 0, learned.output
    assert "3 entries, 3 learned" in learned.output


def test_tm_errors_are_one_line(config, tmp_path):
    result = run(config, "tm", "learn", str(tmp_path / "missing.md"))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path / 'missing.md'}: cannot read")
    bad = tmp_path / "bad.tsv"
    bad.write_text("source\ttext\torigin\nx\ty\trobot\n")
    result = run(config, "tm", "import", str(bad))
    assert (
        result.output
        == f"Error: {bad}:2: origin 'robot' must be one of human, memory, rules, llm\n"
    )


def test_translate_settings_validation_and_env(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        TM_CONFIG + "translate:\n  engine: llm\n  fuzzy_threshold: 85\n"
        "  llm: {url: 'http://127.0.0.1:9/v1', model: m, batch_size: 5}\n"
    )
    settings = translate_settings(load_config(path), env={"DIGEST_LLM_MODEL": "other"})
    assert (settings.engine, settings.fuzzy_threshold) == ("llm", 85.0)
    assert (settings.llm.model, settings.llm.batch_size) == ("other", 5)
    path.write_text(TM_CONFIG + "translate:\n  fuzzy_threshold: 150\n")
    with pytest.raises(ConfigError, match=r"translate.fuzzy_threshold: must be a number between"):
        translate_settings(load_config(path), env={})
    path.write_text(TM_CONFIG + "translate:\n  engine: deepl\n")
    with pytest.raises(ConfigError, match=r"translate\.engine: 'deepl' must be one of rules, llm"):
        translate_settings(load_config(path), env={})
    path.write_text(TM_CONFIG + "translate:\n  llm: {url: 'ftp://x'}\n")
    with pytest.raises(ConfigError, match=r"translate.llm.url: 'ftp://x' must be an http\(s\) URL"):
        translate_settings(load_config(path), env={})
