"""Load and validate sources.yaml into frozen dataclasses; errors name the key path."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from digest.errors import ConfigError

DEFAULT_CONFIG = "sources.yaml"
CONFIG_ENV = "DIGEST_CONFIG"
ALLOWED_SCHEMES = {"https", "http", "ssh", "git", "file", "git+ssh", "ssh+git"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9._-]+:(?!//)")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
TOP_LEVEL_KEYS = {"settings", "projects", "lists", "feeds", "draft", "translate"}


@dataclass(frozen=True)
class Settings:
    """Where runtime state lives and how digest identifies itself."""

    database: Path
    cache_dir: Path
    user_agent: str = "digest/0.1 (+https://github.com/linux-ha-japan/digest)"


@dataclass(frozen=True)
class GitSource:
    """A git repository of a project, with how to find its releases and ChangeLogs."""

    id: str
    project: str
    url: str
    branches: tuple[str, ...]
    tags: bool = True
    release_tags: re.Pattern[str] | None = None
    release_commits: re.Pattern[str] | None = None
    changelogs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    """An upstream project as the digest presents it."""

    id: str
    name: str
    web: str
    commit_url: str
    changelog_url: str | None
    sources: tuple[GitSource, ...]

    def commit_link(self, sha: str) -> str:
        """URL of one changeset on the project's web front end."""
        return self.commit_url.format(sha=sha)


@dataclass(frozen=True)
class Config:
    """The whole validated sources.yaml."""

    path: Path
    settings: Settings
    projects: tuple[Project, ...]
    sections: dict[str, Any] = field(default_factory=dict)

    def project(self, project_id: str) -> Project:
        """Look a project up by id."""
        for project in self.projects:
            if project.id == project_id:
                return project
        raise ConfigError(f"{self.path.name}: no project with id '{project_id}'")

    def git_sources(self) -> list[GitSource]:
        """Every git source of every project, in file order."""
        return [source for project in self.projects for source in project.sources]


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the config file: explicit option, then $DIGEST_CONFIG, then ./sources.yaml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a sources.yaml file."""
    file = config_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config: {exc.strerror or exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{file}{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    return parse_config(raw, file)


def parse_config(raw: Any, file: Path) -> Config:
    """Validate an already-parsed YAML document."""
    name = file.name
    root = _mapping(raw, name, "")
    unknown = sorted(set(root) - TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(f"{name}: {unknown[0]}: unknown top-level key")
    base = file.resolve().parent
    settings = _settings(root.get("settings") or {}, name, base)
    projects_raw = root.get("projects")
    if not isinstance(projects_raw, list) or not projects_raw:
        raise ConfigError(f"{name}: projects: must be a non-empty list")
    projects = tuple(
        _project(item, f"projects[{i}]", name, base) for i, item in enumerate(projects_raw)
    )
    _check_unique([p.id for p in projects], name, "projects", "id")
    _check_unique([s.id for p in projects for s in p.sources], name, "sources", "id")
    sections = {key: root[key] for key in TOP_LEVEL_KEYS - {"settings", "projects"} if key in root}
    return Config(path=file, settings=settings, projects=projects, sections=sections)


def check_repo_url(url: str, where: str, base: Path) -> str:
    """Refuse URLs git could treat as options or remote helpers; resolve local paths."""
    if not url or not url.strip():
        raise ConfigError(f"{where}: empty repository URL")
    if url.startswith("-"):
        raise ConfigError(f"{where}: refused URL '{url}': it would be read as a git option")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ConfigError(f"{where}: refused URL '{url}': whitespace or control characters")
    if "::" in url.split("/", 1)[0] or url.lower().startswith("ext::"):
        raise ConfigError(f"{where}: refused URL '{url}': remote-helper transports are not allowed")
    scheme = _SCHEME.match(url)
    if scheme:
        if scheme.group(1).lower() not in ALLOWED_SCHEMES:
            allowed = ", ".join(sorted(ALLOWED_SCHEMES))
            raise ConfigError(f"{where}: refused URL '{url}': scheme must be one of {allowed}")
        return url
    if _SCP_LIKE.match(url) and not Path(url).exists():
        return url
    return str((base / url).resolve())


def _settings(raw: Any, name: str, base: Path) -> Settings:
    data = _mapping(raw, name, "settings")
    database = base / str(data.get("database", "var/digest.db"))
    cache_dir = base / str(data.get("cache_dir", "var/cache"))
    agent = data.get("user_agent") or Settings.user_agent
    return Settings(database=database, cache_dir=cache_dir, user_agent=str(agent))


def _project(raw: Any, key: str, name: str, base: Path) -> Project:
    data = _mapping(raw, name, key)
    project_id = _identifier(data, key, name)
    commit_url = _required_str(data, "commit_url", key, name)
    if "{sha}" not in commit_url:
        raise ConfigError(f"{name}: {key}.commit_url: must contain '{{sha}}'")
    sources_raw = data.get("sources") or []
    if not isinstance(sources_raw, list):
        raise ConfigError(f"{name}: {key}.sources: must be a list")
    sources = tuple(
        _git_source(item, f"{key}.sources[{i}]", name, base, project_id)
        for i, item in enumerate(sources_raw)
    )
    return Project(
        id=project_id,
        name=_required_str(data, "name", key, name),
        web=_required_str(data, "web", key, name),
        commit_url=commit_url,
        changelog_url=data.get("changelog_url"),
        sources=sources,
    )


def _git_source(raw: Any, key: str, name: str, base: Path, project: str) -> GitSource:
    data = _mapping(raw, name, key)
    kind = data.get("kind", "git")
    if kind != "git":
        raise ConfigError(f"{name}: {key}.kind: unknown source kind '{kind}' (expected git)")
    url = check_repo_url(str(data.get("url") or ""), f"{name}: {key}.url", base)
    branches = data.get("branches") or ["main"]
    if not isinstance(branches, list) or not all(isinstance(b, str | int) for b in branches):
        raise ConfigError(f"{name}: {key}.branches: must be a list of branch names or globs")
    for branch in branches:
        if str(branch).startswith("-") or ".." in str(branch):
            raise ConfigError(f"{name}: {key}.branches: invalid branch name '{branch}'")
    changelogs = data.get("changelogs") or []
    if not isinstance(changelogs, list):
        raise ConfigError(f"{name}: {key}.changelogs: must be a list of paths")
    return GitSource(
        id=_identifier(data, key, name),
        project=project,
        url=url,
        branches=tuple(str(b) for b in branches),
        tags=bool(data.get("tags", True)),
        release_tags=_pattern(data, "release_tags", key, name),
        release_commits=_pattern(data, "release_commits", key, name),
        changelogs=tuple(str(c) for c in changelogs),
    )


def _pattern(data: dict[str, Any], field_name: str, key: str, name: str) -> re.Pattern[str] | None:
    text = data.get(field_name)
    if text is None:
        return None
    try:
        pattern = re.compile(str(text))
    except re.error as exc:
        raise ConfigError(f"{name}: {key}.{field_name}: invalid regular expression: {exc}") from exc
    if "version" not in pattern.groupindex:
        raise ConfigError(f"{name}: {key}.{field_name}: needs a (?P<version>...) group")
    return pattern


def _mapping(raw: Any, name: str, key: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        where = f"{name}: {key}" if key else name
        raise ConfigError(f"{where}: must be a mapping")
    return raw


def _required_str(data: dict[str, Any], field_name: str, key: str, name: str) -> str:
    value = data.get(field_name)
    if value is None or value == "":
        raise ConfigError(f"{name}: {key}.{field_name}: missing")
    if not isinstance(value, str):
        raise ConfigError(f"{name}: {key}.{field_name}: must be a string")
    return value


def _identifier(data: dict[str, Any], key: str, name: str) -> str:
    value = _required_str(data, "id", key, name)
    if not _ID.match(value):
        raise ConfigError(f"{name}: {key}.id: '{value}' must be lowercase letters, digits, . _ -")
    return value


def _check_unique(ids: list[str], name: str, what: str, field_name: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ConfigError(f"{name}: {what}: duplicate {field_name} '{value}'")
        seen.add(value)
