"""`digest messages` through click's CliRunner, and validation of the lists:/feeds: config."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from digest import store
from digest.cli import main
from digest.config import load_config
from digest.errors import ConfigError
from digest.fetch.news import fetch_news
from digest.sources.http import HttpClient
from tests.fetch.test_news_announce import LCMC_ID, PACEMAKER_ID
from tests.fetch.test_news_fetch import LIST_PATH, MAIL, serve_pacemaker_list, write_config
from tests.fixture_server import FixtureServer


@pytest.fixture
def fetched(tmp_path):
    """A database filled by fetch_news from the pacemaker list on a real server."""
    with FixtureServer() as server:
        serve_pacemaker_list(server)
        config = write_config(
            tmp_path, f"  - id: pacemaker\n    kind: pipermail\n    url: {server.url(LIST_PATH)}\n"
        )
        db = store.open_db(config.settings.database)
        with HttpClient(user_agent="t") as client:
            fetch_news(config, db, client=client, today=date(2011, 11, 25))
        yield config, server


def run(config, *args: str):
    return CliRunner().invoke(main, ["--config", str(config.path), "messages", *args])


def test_messages_json_of_announcements(fetched):
    config, server = fetched
    result = run(config, "--announcements", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(m["project"], m["version"]) for m in data] == [
        ("lcmc", "1.1.0"),
        ("pacemaker-1.0", "1.0.12"),
    ]
    pacemaker = data[1]
    assert pacemaker["message_id"] == PACEMAKER_ID
    assert pacemaker["list"] == "pacemaker"
    assert pacemaker["date"] == "2011-11-23T10:35:42+00:00"
    assert pacemaker["sender"] == "Andrew Beekhof <andrew@beekhof.net>"
    assert pacemaker["subject"] == "[Pacemaker] Pacemaker 1.0.12 released"
    assert pacemaker["url"] == server.url(LIST_PATH + "2011-November/012433.html")
    assert pacemaker["thread"] == PACEMAKER_ID
    assert len(pacemaker["items"]) == 15
    assert pacemaker["items"][6] == {
        "position": 7,
        "text": "PE: Demote from Master does not clear previous errors",
        "commit_sha": None,
        "match_method": None,
    }
    assert data[0]["message_id"] == LCMC_ID


def test_messages_table_with_filters(fetched):
    config, _ = fetched
    result = run(config, "--since", "2011-11-01", "--until", "2011-11-23")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "date        list       sender          subject",
        "2011-11-02  pacemaker  Andrew Beekhof  "
        "[Pacemaker] [Problem] The attrd does not update a value after a node rejoins",
        "2011-11-21  pacemaker  Rasto Levrinc   [Pacemaker] LCMC 1.1.0 [lcmc 1.1.0]",
        "2011-11-23  pacemaker  Andrew Beekhof  "
        "[Pacemaker] Pacemaker 1.0.12 released [pacemaker-1.0 1.0.12]",
        "3 messages, 2 announcements",
    ]


def test_messages_json_plain_messages_have_no_release_fields(fetched):
    config, _ = fetched
    data = json.loads(run(config, "--until", "2011-09-30", "--format", "json").stdout)
    assert len(data) == 2
    assert set(data[0]) == {"message_id", "list", "date", "sender", "subject", "url", "thread"}
    assert data[1]["thread"] == data[0]["message_id"]


def test_messages_of_an_unknown_list_is_a_usage_error_listing_the_known_ones(fetched):
    config, _ = fetched
    result = run(config, "--list", "users")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith(
        "Error: Invalid value for '--list': unknown list 'users' (known: "
    )


def test_messages_bad_date_is_a_usage_error(fetched):
    config, _ = fetched
    result = run(config, "--since", "November")
    assert result.exit_code == 2
    assert "Invalid value for '--since': 'November' is not a date (YYYY-MM-DD" in result.output


def test_messages_has_help():
    result = CliRunner().invoke(main, ["messages", "--help"])
    assert result.exit_code == 0
    assert "List stored mailing-list messages" in result.output


# -- config ------------------------------------------------------------------------------------


def config_error(tmp_path, lists: str, feeds: str = "") -> str:
    with pytest.raises(ConfigError) as caught:
        write_config(tmp_path, lists, feeds)
    return str(caught.value)


def test_real_sources_yaml_has_the_clusterlabs_lists_and_feeds():
    config = load_config(MAIL.parent.parent.parent / "sources.yaml")
    assert [(x.id, x.kind, x.url) for x in config.lists][:3] == [
        ("users", "pipermail", "https://lists.clusterlabs.org/pipermail/users/"),
        ("developers", "pipermail", "https://lists.clusterlabs.org/pipermail/developers/"),
        ("pacemaker", "pipermail", "https://lists.clusterlabs.org/pipermail/pacemaker/"),
    ]
    feeds = {f.id: (f.url, f.projects) for f in config.feeds}
    assert feeds["pacemaker-releases"] == (
        "https://github.com/ClusterLabs/pacemaker/releases.atom",
        ("pacemaker",),
    )
    assert feeds["lcmc-releases"] == ("https://github.com/rasto/lcmc/releases.atom", ("lcmc",))
    assert {"crmsh-releases", "cluster-glue-releases"} <= set(feeds)


def test_list_without_url(tmp_path):
    message = config_error(tmp_path, "  - id: a\n    url: http://h/a/\n  - id: b\n    kind: mbox\n")
    assert message == "sources.yaml: lists[1].url: missing"


def test_unknown_list_kind(tmp_path):
    message = config_error(tmp_path, "  - id: a\n    kind: listserv\n    url: http://h/\n")
    assert message == (
        "sources.yaml: lists[0].kind: unknown kind 'listserv' (expected pipermail|hyperkitty|mbox)"
    )


def test_feed_url_must_be_http(tmp_path):
    message = config_error(tmp_path, "  []\n", "  - id: f\n    url: file:///etc/passwd\n")
    assert (
        message
        == "sources.yaml: feeds[0].url: 'file:///etc/passwd' must be an http:// or https:// URL"
    )


def test_unknown_project_reference(tmp_path):
    message = config_error(tmp_path, "  - id: a\n    url: http://h/\n    projects: [heartbeat]\n")
    assert message == "sources.yaml: lists[0].projects: unknown project 'heartbeat'"


def test_ids_are_unique_among_all_sources(tmp_path):
    lists = "  - id: pacemaker-git\n    url: http://h/\n"
    assert config_error(tmp_path, lists) == "sources.yaml: sources: duplicate id 'pacemaker-git'"


def test_bad_since(tmp_path):
    message = config_error(tmp_path, "  - id: a\n    url: http://h/\n    since: 2011\n")
    assert message == "sources.yaml: lists[0].since: '2011' must be a month like 2011-01"


def test_mbox_must_be_local(tmp_path):
    message = config_error(tmp_path, "  - id: a\n    kind: mbox\n    url: https://h/a.mbox\n")
    assert (
        message
        == "sources.yaml: lists[0].url: 'https://h/a.mbox' must be a local path for kind mbox"
    )
