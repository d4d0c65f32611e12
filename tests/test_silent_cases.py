"""Issue 13's silent cases, each now an error listing the known names or a summary line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from digest import store
from digest.cli import main
from digest.config import load_config
from digest.draft.model import FAILED_SOURCES_NOTICE
from tests.fixture_server import FixtureServer
from tests.helpers import FIXTURES_DIR, Upstream, write_config

TAGS = r"^Pacemaker-(?P<version>\d+\.\d+\.\d+)$"


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


@pytest.fixture
def fetched(tmp_path: Path) -> Path:
    """A store filled by `digest fetch` alone (no `digest classify`)."""
    repo = Upstream(tmp_path / "upstream")
    repo.commit("Initial import", {"README": "x\n"})
    repo.commit("High: stonith: Fix fencing of remote nodes", {"fencing/remote.c": "1\n"})
    repo.tag("Pacemaker-1.1.0")
    repo.commit("Medium: PE: Fix colocation", {"pengine/native.c": "2\n"})
    repo.commit("Low: tools: crm_mon output", {"tools/crm_mon.c": "3\n"})
    repo.tag("Pacemaker-1.1.1")
    config = write_config(tmp_path, str(repo.path), release_tags=TAGS)
    result = run(config, "fetch")
    assert result.exit_code == 0, result.output
    return config


def test_query_right_after_fetch_finds_classified_changes(fetched):
    result = run(fetched, "query", "--component", "stonith", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["english"] for r in rows] == ["High: stonith: Fix fencing of remote nodes"]
    assert rows[0]["url"].startswith("https://example.org/demo/commit/")
    assert result.stderr == "1 changes match (--component stonith)\n"


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["query", "--project", "pacemaker1.0"], "--project", "unknown project 'pacemaker1.0'"),
        (["query", "--component", "nope"], "--component", "unknown component 'nope' (known: "),
        (
            ["query", "--release", "1.0.99"],
            "--release",
            "unknown release '1.0.99' (known: 1.1.0, 1.1.1)",
        ),
        (["query", "--since-release", "9"], "--since-release", "unknown release '9'"),
        (["query", "--kind", "fixes"], "--kind", "unknown kind 'fixes' (known: doc, fix)"),
        (["releases", "--project", "nope"], "--project", "unknown project 'nope' (known: demo)"),
        (["releases", "--version", "2.0"], "--version", "unknown version '2.0' (known: 1.1.0, "),
        (["fetch", "--source", "nope"], "--source", "unknown source 'nope' (known: demo-git)"),
        (["fetch", "--project", "nope"], "--project", "unknown project 'nope' (known: demo)"),
        (["components", "--project", "x"], "--project", "unknown project 'x' (known: demo)"),
        (["classify", "--project", "x"], "--project", "unknown project 'x' (known: demo)"),
        (["messages", "--list", "x"], "--list", "unknown list 'x' (known: none configured)"),
    ],
)
def test_unknown_names_are_usage_errors_listing_the_known_ones(fetched, args, option, message):
    result = run(fetched, *args)
    assert result.exit_code == 2, result.output
    assert f"Error: Invalid value for '{option}': {message}" in result.output
    assert "Traceback" not in result.output


def test_a_query_matching_nothing_says_so(fetched):
    result = run(fetched, "query", "--severity", "Low", "--text", "nothing-like-this")
    assert result.exit_code == 0
    assert result.output == "0 changes match (--severity Low, --text nothing-like-this)\n"


def test_a_cut_query_says_how_many_were_shown(fetched):
    result = run(fetched, "query", "--limit", "2")
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "date",
        "project",
        "release",
        "components",
        "sev",
        "commit",
        "change",
    ]
    assert lines[-1] == "2 of 4 shown (--limit 2; no filters)"
    everything = run(fetched, "query").output.splitlines()
    assert everything[-1] == "4 changes match (no filters)"


def test_every_table_has_headers_and_a_summary(fetched):
    releases = run(fetched, "releases").output.splitlines()
    assert releases[0].split() == [
        "project",
        "version",
        "date",
        "commit",
        "rc",
        "after",
        "changelog",
    ]
    assert releases[1].split()[:2] == ["demo", "1.1.1"]
    assert releases[-1] == "2 releases (no filters)"
    stats = run(fetched, "stats").output.splitlines()
    assert stats[0].split() == ["project", "commits", "dups", "releases", "entries", "linked"]
    assert stats[-1] == "1 projects: 4 commits, 2 releases, 0 ChangeLog entries (- linked)"
    entries = run(fetched, "releases", "--entries", "--version", "1.1.0").output.splitlines()
    assert entries[1].split() == ["#", "severity", "commit", "match", "score", "entry"]
    assert entries[-1] == "1 releases (--version 1.1.0)"


def test_json_outputs_keep_the_summary_out_of_the_data(fetched):
    result = run(fetched, "stats", "--format", "json")
    assert json.loads(result.stdout)[0]["commits"] == 4
    assert result.stderr.startswith("1 projects: 4 commits")


# -- failed sources are visible in the draft -------------------------------------------------


def with_feed(config: Path, url: str) -> Path:
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    doc["feeds"] = [{"id": "demo-news", "kind": "atom", "url": url}]
    config.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return config


def test_the_draft_names_failed_sources_until_they_fetch_again(fetched, tmp_path):
    atom = (FIXTURES_DIR / "feeds" / "pacemaker-releases.atom").read_bytes()
    with FixtureServer() as server:
        config = with_feed(fetched, server.url("/releases.atom"))
        assert run(config, "fetch").exit_code == 1  # 404: the feed failed
        draft = tmp_path / "drafts"
        made = run(config, "draft", "--month", "2011-03", "--out", str(draft))
        assert made.exit_code == 0, made.output
        text = next(draft.glob("*.md")).read_text(encoding="utf-8")
        notice = [line for line in text.splitlines() if FAILED_SOURCES_NOTICE in line]
        assert notice and notice[0].startswith(f"**{FAILED_SOURCES_NOTICE}: demo-news**")
        assert text.index(FAILED_SOURCES_NOTICE) < text.index("digest:begin editor:intro")
        quiet = tmp_path / "quiet"
        run(config, "draft", "--month", "2011-05", "--out", str(quiet))
        empty = next(quiet.glob("*.md")).read_text(encoding="utf-8")
        assert "今月のリリースは見つかりませんでした（取得に失敗したソースがあります）。" in empty
        assert "今月のリリースはありませんでした" not in empty

        server.add("/releases.atom", atom, content_type="application/atom+xml")
        assert run(config, "fetch").exit_code == 0
        db = store.open_db(load_config(config).settings.database)
        assert store.get_state(db, "feed:demo-news")["last_error"] is None
        run(config, "draft", "--month", "2011-03", "--out", str(draft))
        assert FAILED_SOURCES_NOTICE not in next(draft.glob("*.md")).read_text(encoding="utf-8")


def test_site_build_refuses_a_post_with_the_notice_unless_forced(tmp_path):
    posts = tmp_path / "_posts"
    posts.mkdir()
    (posts / "2011-12-02-digest.md").write_text(
        "---\nlayout: post\ntitle: t\ndate: 2011-12-02 09:00:00+09:00\n---\n\n"
        f"**{FAILED_SOURCES_NOTICE}: users**\n\n本文\n",
        encoding="utf-8",
    )
    config = write_config(tmp_path, "mirror.git")
    args = ["site", "build", "--posts", str(posts), "--out", str(tmp_path / "site")]
    refused = run(config, *args)
    assert refused.exit_code == 1
    assert "2011-12-02-digest.md:7: still carries the failed-sources notice" in refused.stderr
    forced = run(config, *args, "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.startswith("site: 1 posts")


def test_the_terminal_table_links_the_short_sha_to_the_commit(fetched):
    import io

    from rich.console import Console

    from digest.query import rich_table

    rows = json.loads(run(fetched, "query", "--format", "json").stdout)
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=200).print(rich_table(rows))
    text = out.getvalue()
    first = rows[0]
    # OSC 8: ESC ] 8 ; params ; URL ESC \ text ESC ] 8 ; ; ESC \ (the text is the short sha)
    assert f";{first['url']}\x1b\\{first['sha'][:10]}\x1b]8;;\x1b\\" in text
