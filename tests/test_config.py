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
        "sources.yaml: projets: unknown top-level key"
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
