"""sources.yaml validation: errors name the key path; unsafe repository URLs never reach git."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digest.cli import main
from digest.config import check_repo_url, load_config
from digest.errors import ConfigError
from tests.conftest import ROOT

PROJECT = {
    "id": "demo",
    "name": "Demo",
    "web": "https://example.org",
    "commit_url": "https://example.org/commit/{sha}",
    "sources": [{"id": "demo-git", "url": "mirror/demo.git", "branches": ["main"]}],
}


def write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return path


def error_of(tmp_path: Path, doc: object) -> str:
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, doc))
    return str(exc.value)


def test_shipped_sources_yaml_describes_the_real_upstreams():
    config = load_config(ROOT / "sources.yaml")
    urls = {s.project: s.url for s in config.git_sources()}
    assert urls["pacemaker"] == "https://github.com/ClusterLabs/pacemaker.git"
    assert urls["lcmc"] == "https://github.com/rasto/lcmc.git"
    pacemaker = config.project("pacemaker").sources[0]
    assert pacemaker.branches == ("main", "3.0", "2.1", "2.0", "1.1")
    assert config.project("crmsh").sources[0].branches == ("master", "crmsh-*")
    assert config.project("lcmc").sources[0].release_commits.match("release 1.1.0")


def test_paths_are_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, {"projects": [PROJECT]}))
    assert config.git_sources()[0].url == str(tmp_path / "mirror" / "demo.git")
    assert config.settings.database == tmp_path / "var" / "digest.db"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": None}, "sources.yaml: projects[0].name: missing"),
        ({"commit_url": "https://x/commit"}, "sources.yaml: projects[0].commit_url: must contain"),
        ({"id": "Bad Id"}, "sources.yaml: projects[0].id: 'Bad Id' must be lowercase"),
        ({"sources": [{"id": "s", "url": ""}]}, "projects[0].sources[0].url: empty repository URL"),
        ({"sources": [{"id": "s", "url": "x", "kind": "svn"}]}, "unknown source kind 'svn'"),
        ({"sources": [{"id": "s", "url": "x", "release_tags": "("}]}, "invalid regular expr"),
        ({"sources": [{"id": "s", "url": "x", "release_tags": "v.*"}]}, "(?P<version>...)"),
        ({"sources": [{"id": "s", "url": "x", "branches": ["--all"]}]}, "invalid branch name"),
    ],
)
def test_errors_name_the_key_path(tmp_path, change, message):
    project = {**PROJECT, **change}
    assert message in error_of(tmp_path, {"projects": [project]})


def test_unknown_top_level_key_and_bad_yaml(tmp_path):
    assert error_of(tmp_path, {"projects": [PROJECT], "projets": []}) == (
        "sources.yaml: projets: unknown key; did you mean 'projects'?"
    )
    assert error_of(tmp_path, "projects: [\n  - id: x\n  bad").startswith(
        f"{tmp_path / 'sources.yaml'}:"
    )
    assert "projects: must be a non-empty list" in error_of(tmp_path, {"projects": []})


def test_duplicate_ids_are_refused(tmp_path):
    assert "duplicate id 'demo'" in error_of(tmp_path, {"projects": [PROJECT, PROJECT]})


@pytest.mark.parametrize(
    "url",
    [
        "ext::sh -c touch% /tmp/pwned",
        "ext::ssh",
        "fd::17",
        "--upload-pack=touch /tmp/pwned",
        "-oProxyCommand=evil",
        "https://example.org/repo.git --upload-pack=x",
        "ftp://example.org/repo.git",
        "javascript://x",
    ],
)
def test_unsafe_repository_urls_are_refused(url):
    with pytest.raises(ConfigError, match=r"refused URL|empty"):
        check_repo_url(url, "sources.yaml: projects[0].sources[0].url", Path("/"))


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/ClusterLabs/pacemaker.git",
        "http://example.org/x.git",
        "ssh://git@example.org/x.git",
        "git://example.org/x.git",
        "file:///srv/mirrors/x.git",
        "git@github.com:ClusterLabs/crmsh.git",
    ],
)
def test_allowed_repository_urls_pass_unchanged(url):
    assert check_repo_url(url, "k", Path("/")) == url


def test_refused_url_is_reported_by_the_cli_before_git_runs(tmp_path):
    project = {**PROJECT, "sources": [{"id": "evil", "url": "ext::sh -c touch% pwned"}]}
    config = write(tmp_path, {"projects": [project]})
    result = CliRunner().invoke(main, ["--config", str(config), "fetch"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: sources.yaml: projects[0].sources[0].url: refused URL")
    assert not (tmp_path / "var" / "cache").exists()


def test_config_from_environment(tmp_path, monkeypatch):
    config = write(tmp_path, {"projects": [PROJECT]})
    monkeypatch.setenv("DIGEST_CONFIG", str(config))
    result = CliRunner().invoke(main, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "var" / "digest.db").exists()


def test_missing_config_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.yaml"), "stats"])
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {tmp_path / 'nope.yaml'}: cannot read config: No such file or directory\n"
    )


# -- strict config: unknown keys in every section, checked at load ----------------------------

LIST = {"id": "users", "kind": "pipermail", "url": "https://lists.example.org/pipermail/users/"}
FEED = {"id": "blog", "kind": "atom", "url": "https://example.org/feed.atom"}


def full_doc(**sections: object) -> dict[str, object]:
    """A valid document with every section, ready for one typo."""
    doc: dict[str, object] = {
        "settings": {"database": "var/digest.db"},
        "projects": [dict(PROJECT, sources=[dict(PROJECT["sources"][0])])],
        "lists": [dict(LIST)],
        "feeds": [dict(FEED)],
        "draft": {"day": 2},
        "translate": {"engine": "rules", "llm": {"timeout": 5}},
    }
    doc.update(sections)
    return doc


@pytest.mark.parametrize(
    ("where", "typo", "message"),
    [
        ("", "projets", "sources.yaml: projets: unknown key; did you mean 'projects'?"),
        ("settings", "databse", "settings.databse: unknown key; did you mean 'database'?"),
        ("settings", "lock_wiat", "settings.lock_wiat: unknown key; did you mean 'lock_wait'?"),
        ("project", "comit_url", "projects[0].comit_url: unknown key; did you mean 'commit_url'?"),
        ("source", "branchs", "sources[0].branchs: unknown key; did you mean 'branches'?"),
        ("list", "sinse", "lists[0].sinse: unknown key; did you mean 'since'?"),
        ("feed", "projcts", "feeds[0].projcts: unknown key; did you mean 'projects'?"),
        ("draft", "titel", "draft.titel: unknown key; did you mean 'title'?"),
        ("translate", "engin", "translate.engin: unknown key; did you mean 'engine'?"),
        ("llm", "modle", "translate.llm.modle: unknown key; did you mean 'model'?"),
        ("settings", "zzz", "settings.zzz: unknown key (known: database, cache_dir,"),
    ],
)
def test_unknown_key_in_each_section_names_its_path_and_the_nearest_key(
    tmp_path, where, typo, message
):
    doc = full_doc()
    target = {
        "": doc,
        "settings": doc["settings"],
        "project": doc["projects"][0],
        "source": doc["projects"][0]["sources"][0],
        "list": doc["lists"][0],
        "feed": doc["feeds"][0],
        "draft": doc["draft"],
        "translate": doc["translate"],
        "llm": doc["translate"]["llm"],
    }[where]
    target[typo] = "x"
    assert message in error_of(tmp_path, doc)


def test_a_valid_document_with_every_section_loads(tmp_path):
    config = load_config(write(tmp_path, full_doc()))
    assert config.draft["day"] == 2 and config.lists[0].id == "users"


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"draft": {"day": "x"}}, "sources.yaml: draft.day: 'x' must be a whole number >= 1"),
        ({"draft": {"day": 40}}, "draft.day: '40' must be between 1 and 31"),
        ({"draft": {"title": "No {oops}"}}, "draft.title: unknown placeholder '{oops}'"),
        ({"draft": {"slug": "x-{0}"}}, "draft.slug: unknown placeholder '{0}'"),
        ({"draft": {"title": "broken {"}}, "draft.title: malformed template"),
        ({"draft": {"news_pattern": "("}}, "draft.news_pattern: invalid regular expression"),
        ({"draft": "yes"}, "sources.yaml: draft: must be a mapping"),
        ({"translate": {"engine": "deepl"}}, "translate.engine: 'deepl' must be one of"),
        ({"translate": {"llm": {"timeout": "soon"}}}, "translate.llm.timeout: must be a number"),
        ({"settings": {"database": None}}, "settings.database: must be a path (left empty?)"),
        ({"settings": {"database": ""}}, "settings.database: must be a path (left empty?)"),
    ],
)
def test_draft_and_translate_sections_are_checked_at_load(tmp_path, sections, message):
    assert message in error_of(tmp_path, full_doc(**sections))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("commit_url", "https://x/{sha}/{oops}", "commit_url: unknown placeholder '{oops}'"),
        ("commit_url", "https://x/{sha!z}", "projects[0].commit_url: malformed template"),
        ("changelog_url", "https://x/{ref}/{oops}", "changelog_url: unknown placeholder"),
    ],
)
def test_url_templates_only_use_their_placeholders(tmp_path, field, value, message):
    assert message in error_of(tmp_path, {"projects": [dict(PROJECT, **{field: value})]})


def test_home_is_expanded_in_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    doc = full_doc(settings={"database": "~/digest.db", "cache_dir": "~/cache"})
    config = load_config(write(tmp_path, doc))
    assert config.settings.database == tmp_path / "home" / "digest.db"
    assert config.settings.cache_dir == tmp_path / "home" / "cache"


def test_non_utf8_config_is_one_error_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_bytes(b"settings:\n  database: caf\xe9.db\nprojects: []\n")
    result = CliRunner().invoke(main, ["--config", str(path), "stats"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {path}: cannot read config: not UTF-8 (byte 25: invalid continuation byte)"
    ]
