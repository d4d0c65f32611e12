"""Load and validate sources.yaml into frozen dataclasses; errors name the key path."""

from __future__ import annotations

import difflib
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.resources import read_yaml

DEFAULT_CONFIG = "sources.yaml"
CONFIG_ENV = "DIGEST_CONFIG"
ALLOWED_SCHEMES = {"https", "http", "ssh", "git", "file", "git+ssh", "ssh+git"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SCP_LIKE = re.compile(r"^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9._-]+:(?!//)")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
TOP_LEVEL_KEYS = ("settings", "projects", "lists", "feeds", "draft", "translate")
# Every key each section accepts (README "Configuration" lists them); any other key is an error.
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "": TOP_LEVEL_KEYS,
    "settings": ("database", "cache_dir", "user_agent", "lock_wait"),
    "projects[]": ("id", "name", "web", "commit_url", "changelog_url", "sources"),
    "projects[].sources[]": (
        "id",
        "kind",
        "url",
        "branches",
        "tags",
        "release_tags",
        "release_commits",
        "changelogs",
    ),
    "lists[]": ("id", "kind", "url", "projects", "since", "allow_redirect_hosts"),
    "feeds[]": ("id", "kind", "url", "projects"),
    "translate": ("engine", "lang", "fuzzy_threshold", "glossary", "lexicon", "llm"),
    "translate.llm": (
        "url",
        "model",
        "api_key",
        "batch_size",
        "timeout",
        "retries",
        "max_retry_after",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Where runtime state lives and how digest identifies itself."""

    database: Path
    cache_dir: Path
    user_agent: str = "digest/0.1 (+https://github.com/linux-ha-japan/digest)"
    lock_wait: float = 10.0

    @property
    def lock_path(self) -> Path:
        """The file whose lock keeps two runs from overlapping."""
        return self.cache_dir / "digest.lock"


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
class MailingList:
    """A mailing-list archive: pipermail or HyperKitty over HTTP, or a local mbox file."""

    id: str
    url: str
    kind: str
    projects: tuple[str, ...] = ()
    since: str | None = None
    allow_redirect_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    """An Atom/RSS feed (GitHub releases.atom, a project blog)."""

    id: str
    url: str
    kind: str
    projects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The whole validated sources.yaml."""

    path: Path
    settings: Settings
    projects: tuple[Project, ...]
    sections: dict[str, Any] = field(default_factory=dict)
    lists: tuple[MailingList, ...] = ()
    feeds: tuple[Feed, ...] = ()
    draft: dict[str, Any] = field(default_factory=dict)
    draft_projects: tuple[tuple[str, bool], ...] = ()

    def draft_order(self) -> list[str]:
        """Project ids the draft shows, in its order: `draft.projects` first, then the rest."""
        listed = dict(self.draft_projects)
        rest = [p.id for p in self.projects if p.id not in listed]
        return [pid for pid, on in self.draft_projects if on] + rest

    def project(self, project_id: str) -> Project:
        """Look a project up by id."""
        for project in self.projects:
            if project.id == project_id:
                return project
        known = ", ".join(p.id for p in self.projects)
        raise ConfigError(f"unknown project '{project_id}' (known: {known})")

    def git_sources(self) -> list[GitSource]:
        """Every git source of every project, in file order."""
        return [source for project in self.projects for source in project.sources]


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the config file: explicit option, then $DIGEST_CONFIG, then ./sources.yaml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a sources.yaml file."""
    file = config_path(path)
    raw = read_yaml(file, what="config")
    config = parse_config(raw, file)
    translate_settings(config)  # every section is checked before any work starts
    return config


def parse_config(raw: Any, file: Path) -> Config:
    """Validate an already-parsed YAML document."""
    name = file.name
    root = _mapping(raw, name, "")
    check_keys(root, "", name)
    base = file.resolve().parent
    settings = _settings(root.get("settings") or {}, name, base)
    projects_raw = root.get("projects")
    if not isinstance(projects_raw, list) or not projects_raw:
        raise ConfigError(f"{name}: projects: must be a non-empty list")
    projects = tuple(
        _project(item, f"projects[{i}]", name, base) for i, item in enumerate(projects_raw)
    )
    _check_unique([p.id for p in projects], name, "projects", "id")
    _check_unique([p.name for p in projects], name, "projects", "name")  # site headings
    _check_unique([s.id for p in projects for s in p.sources], name, "sources", "id")
    sections = {key: root[key] for key in ("draft", "translate") if key in root}
    draft_projects = _draft_projects(sections, name, {p.id for p in projects})
    lists, feeds = parse_news_sources(root, name, base, projects)
    return Config(
        path=file,
        settings=settings,
        projects=projects,
        sections=sections,
        lists=lists,
        feeds=feeds,
        draft_projects=draft_projects,
        draft=parse_draft(sections.get("draft"), name),
    )


def _draft_projects(
    sections: dict[str, Any], name: str, known: set[str]
) -> tuple[tuple[str, bool], ...]:
    """Take `draft.projects` out of the draft section: ids in draft order, `{id: false}` = off."""
    draft = sections.get("draft")
    if not isinstance(draft, dict) or "projects" not in draft:
        return ()
    draft = dict(draft)
    raw = draft.pop("projects")
    sections["draft"] = draft
    if not isinstance(raw, list):
        raise ConfigError(f"{name}: draft.projects: must be a list of project ids")
    found = [_draft_project(item, f"draft.projects[{i}]", name) for i, item in enumerate(raw)]
    for i, (project, _) in enumerate(found):
        if project not in known:
            raise ConfigError(f"{name}: draft.projects[{i}]: unknown project '{project}'")
    _check_unique([project for project, _ in found], name, "draft.projects", "id")
    return tuple(found)


def _draft_project(item: Any, key: str, name: str) -> tuple[str, bool]:
    """One entry of `draft.projects`: `corosync` (shown) or `{corosync: false}`."""
    if isinstance(item, str):
        return item, True
    if isinstance(item, dict) and len(item) == 1:
        project, value = next(iter(item.items()))
        if isinstance(value, bool):
            return str(project), value
    raise ConfigError(f"{name}: {key}: must be a project id or {{id: true|false}}")


def check_keys(data: dict[str, Any], section: str, name: str, where: str | None = None) -> None:
    """Refuse a key the section does not know, naming its path and the nearest known key."""
    allowed = SECTION_KEYS[section]
    for key in data:
        if key in allowed:
            continue
        path = f"{where if where is not None else section}.{key}".lstrip(".")
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(allowed)})"
        raise ConfigError(f"{name}: {path}: unknown key{hint}")


def check_format(template: str, keys: tuple[str, ...], name: str, path: str) -> None:
    """Refuse a format template that names a field other than `keys` (or is malformed)."""
    allowed = ", ".join(f"{{{k}}}" for k in keys)
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"{name}: {path}: malformed template ({exc}); use {allowed}") from exc
    for field_name in fields:
        if field_name not in keys:
            raise ConfigError(
                f"{name}: {path}: unknown placeholder '{{{field_name}}}'; use {allowed}"
            )
    try:
        template.format(**dict.fromkeys(keys, "x"))
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        raise ConfigError(f"{name}: {path}: malformed template ({exc}); use {allowed}") from exc


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
    check_keys(data, "settings", name)
    database = _local_file(data, "database", "var/digest.db", name, base)
    cache_dir = _local_file(data, "cache_dir", "var/cache", name, base)
    agent = data.get("user_agent") or Settings.user_agent
    wait = data.get("lock_wait", Settings.lock_wait)
    if not isinstance(wait, int | float) or wait < 0:
        raise ConfigError(f"{name}: settings.lock_wait: must be a number of seconds >= 0")
    return Settings(database=database, cache_dir=cache_dir, user_agent=str(agent), lock_wait=wait)


def _local_file(data: dict[str, Any], key: str, default: str, name: str, base: Path) -> Path:
    """A path setting: present but empty is an error, `~` is expanded, relative to the file."""
    value = data.get(key, default)
    if value is None or not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name}: settings.{key}: must be a path (left empty?)")
    return base / Path(value).expanduser()


def _project(raw: Any, key: str, name: str, base: Path) -> Project:
    data = _mapping(raw, name, key)
    check_keys(data, "projects[]", name, key)
    project_id = _identifier(data, key, name)
    commit_url = _required_str(data, "commit_url", key, name)
    check_format(commit_url, ("sha",), name, f"{key}.commit_url")
    if "{sha}" not in commit_url:
        raise ConfigError(f"{name}: {key}.commit_url: must contain '{{sha}}'")
    changelog_url = data.get("changelog_url")
    if changelog_url is not None:
        if not isinstance(changelog_url, str):
            raise ConfigError(f"{name}: {key}.changelog_url: must be a string")
        check_format(changelog_url, ("ref", "path"), name, f"{key}.changelog_url")
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
        changelog_url=changelog_url,
        sources=sources,
    )


def _git_source(raw: Any, key: str, name: str, base: Path, project: str) -> GitSource:
    data = _mapping(raw, name, key)
    check_keys(data, "projects[].sources[]", name, key)
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


# -- mailing lists and feeds ----------------------------------------------------------------

LIST_KINDS = ("pipermail", "hyperkitty", "mbox")
FEED_KINDS = ("atom", "rss")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_news_sources(
    root: dict[str, Any], name: str, base: Path, projects: tuple[Project, ...]
) -> tuple[tuple[MailingList, ...], tuple[Feed, ...]]:
    """Validate the `lists:` and `feeds:` sections; ids are unique among all sources."""
    known = {p.id for p in projects}
    lists = tuple(
        _mailing_list(item, f"lists[{i}]", name, base, known)
        for i, item in enumerate(_news_items(root, "lists", name))
    )
    feeds = tuple(
        _feed(item, f"feeds[{i}]", name, known)
        for i, item in enumerate(_news_items(root, "feeds", name))
    )
    git_ids = [s.id for p in projects for s in p.sources]
    _check_unique(git_ids + [x.id for x in lists] + [f.id for f in feeds], name, "sources", "id")
    return lists, feeds


def _news_items(root: dict[str, Any], key: str, name: str) -> list[Any]:
    raw = root.get(key) or []
    if not isinstance(raw, list):
        raise ConfigError(f"{name}: {key}: must be a list")
    return raw


def _mailing_list(raw: Any, key: str, name: str, base: Path, known: set[str]) -> MailingList:
    data = _mapping(raw, name, key)
    check_keys(data, "lists[]", name, key)
    kind = _kind(data, key, name, LIST_KINDS)
    url = _required_str(data, "url", key, name)
    url = _local_path(url, key, name, base) if kind == "mbox" else _web_url(url, key, name)
    since = data.get("since")
    if since is not None and not _MONTH.match(str(since)):
        raise ConfigError(f"{name}: {key}.since: '{since}' must be a month like 2011-01")
    return MailingList(
        id=_identifier(data, key, name),
        url=url,
        kind=kind,
        projects=_project_refs(data, key, name, known),
        since=str(since) if since is not None else None,
        allow_redirect_hosts=_hosts(data, key, name),
    )


def _hosts(data: dict[str, Any], key: str, name: str) -> tuple[str, ...]:
    """`allow_redirect_hosts`: host names a list's archives may redirect to."""
    raw = data.get("allow_redirect_hosts", [])
    where = f"{name}: {key}.allow_redirect_hosts"
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: must be a list of host names")
    for host in raw:
        if not isinstance(host, str) or not _HOST_NAME.fullmatch(host):
            raise ConfigError(f"{where}: '{host}' is not a host name (like lists.example.org)")
    return tuple(host.lower() for host in raw)


_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*")


def _feed(raw: Any, key: str, name: str, known: set[str]) -> Feed:
    data = _mapping(raw, name, key)
    check_keys(data, "feeds[]", name, key)
    return Feed(
        id=_identifier(data, key, name),
        url=_web_url(_required_str(data, "url", key, name), key, name),
        kind=_kind(data, key, name, FEED_KINDS),
        projects=_project_refs(data, key, name, known),
    )


def _kind(data: dict[str, Any], key: str, name: str, kinds: tuple[str, ...]) -> str:
    kind = data.get("kind", kinds[0])
    if kind not in kinds:
        raise ConfigError(f"{name}: {key}.kind: unknown kind '{kind}' (expected {'|'.join(kinds)})")
    return str(kind)


def _web_url(url: str, key: str, name: str) -> str:
    scheme = _SCHEME.match(url)
    if not scheme or scheme.group(1).lower() not in ("http", "https"):
        raise ConfigError(f"{name}: {key}.url: '{url}' must be an http:// or https:// URL")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ConfigError(f"{name}: {key}.url: '{url}' contains whitespace or control characters")
    return url


def _local_path(url: str, key: str, name: str, base: Path) -> str:
    if url.startswith("file://"):
        url = url[len("file://") :]
    elif _SCHEME.match(url):
        raise ConfigError(f"{name}: {key}.url: '{url}' must be a local path for kind mbox")
    return str((base / Path(url).expanduser()).resolve())


def _project_refs(data: dict[str, Any], key: str, name: str, known: set[str]) -> tuple[str, ...]:
    refs = data.get("projects") or []
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list):
        raise ConfigError(f"{name}: {key}.projects: must be a list of project ids")
    for ref in refs:
        if ref not in known:
            raise ConfigError(f"{name}: {key}.projects: unknown project '{ref}'")
    return tuple(str(ref) for ref in refs)


# -- translate section -----------------------------------------------------------------------

TRANSLATE_ENGINES = ("rules", "llm")
LLM_ENV = {"url": "DIGEST_LLM_URL", "model": "DIGEST_LLM_MODEL", "api_key": "DIGEST_LLM_API_KEY"}


@dataclass(frozen=True)
class LLMSettings:
    """An OpenAI-compatible chat-completions endpoint for the llm translation engine."""

    url: str | None = None
    model: str | None = None
    api_key: str | None = None
    batch_size: int = 20
    timeout: float = 60.0
    retries: int = 3
    max_retry_after: float = 120.0


@dataclass(frozen=True)
class TranslateSettings:
    """The `translate:` section: engine, target language, fuzzy threshold, data files, LLM."""

    engine: str = "rules"
    lang: str = "ja"
    fuzzy_threshold: float = 90.0
    glossary: Path | None = None
    lexicon: Path | None = None
    llm: LLMSettings = field(default_factory=LLMSettings)


def translate_settings(config: Config, env: dict[str, str] | None = None) -> TranslateSettings:
    """Validate `translate:` of sources.yaml; DIGEST_LLM_URL/_MODEL/_API_KEY override it."""
    name = config.path.name
    raw = _mapping(config.sections.get("translate") or {}, name, "translate")
    check_keys(raw, "translate", name)
    engine = str(raw.get("engine", "rules"))
    if engine not in TRANSLATE_ENGINES:
        raise ConfigError(f"{name}: translate.engine: '{engine}' must be one of rules, llm")
    threshold = _number(raw, "fuzzy_threshold", 90.0, name, "translate", upper=100)
    base = config.path.resolve().parent
    files = {
        k: base / Path(str(raw[k])).expanduser() if raw.get(k) else None
        for k in ("glossary", "lexicon")
    }
    llm = _llm_settings(raw.get("llm") or {}, name, os.environ if env is None else env)
    return TranslateSettings(
        engine=engine,
        lang=str(raw.get("lang", "ja")),
        fuzzy_threshold=threshold,
        glossary=files["glossary"],
        lexicon=files["lexicon"],
        llm=llm,
    )


def _llm_settings(raw: Any, name: str, env: Any) -> LLMSettings:
    data = _mapping(raw, name, "translate.llm")
    check_keys(data, "translate.llm", name)
    values = {k: env.get(var) or data.get(k) for k, var in LLM_ENV.items()}
    url = values["url"]
    if url and not re.match(r"^https?://", str(url)):
        raise ConfigError(f"{name}: translate.llm.url: '{url}' must be an http(s) URL")
    return LLMSettings(
        url=str(url) if url else None,
        model=str(values["model"]) if values["model"] else None,
        api_key=str(values["api_key"]) if values["api_key"] else None,
        batch_size=int(_number(data, "batch_size", 20, name, "translate.llm", lower=1)),
        timeout=_number(data, "timeout", 60.0, name, "translate.llm", lower=0.001),
        retries=int(_number(data, "retries", 3, name, "translate.llm")),
        max_retry_after=_number(data, "max_retry_after", 120.0, name, "translate.llm"),
    )


def _number(
    data: dict[str, Any],
    key: str,
    default: float,
    name: str,
    where: str,
    lower: float = 0,
    upper: float | None = None,
) -> float:
    value = data.get(key, default)
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or value < lower or (upper is not None and value > upper):
        limit = f"between {lower:g} and {upper:g}" if upper is not None else f">= {lower:g}"
        raise ConfigError(f"{name}: {where}.{key}: must be a number {limit}")
    return float(value)


# -- draft section ---------------------------------------------------------------------------

DEFAULT_DRAFT: dict[str, Any] = {
    "out_dir": "var/drafts",
    "title": "月刊あんどりゅーくん({issue_month}月号)",
    "slug": "monthly-digest-{issue_month_name}",
    "author": "digest",
    "layout": "post",
    "categories": ["読み物"],
    "tags": ["あんどりゅーくん"],
    "day": 2,
    "include_rc": False,
    "small_release": 25,
    "severities": ["High"],
    "commit_kinds": ["fix", "feature"],
    "max_commits": 12,
    "news_pattern": r"\[ANNOUNCE\]|\bannounce|\bmov(?:ed|ing)\b|\brepositor(?:y|ies)\b|new home",
    # A ChangeLog without severities longer than this is cut to it (draft/ranking.py).
    "max_per_release": 15,
    # User-visible first, in this order; the first pattern that matches an entry decides.
    "priorities": [
        ["regression", r"\bregression"],
        ["security", r"\bCVE-\d|\bsecurity\b|vulnerab|\bbypass"],
        [
            "crash or data loss",
            r"\bcrash|segfault|\bdata loss|\bcorrupt|use-after-free|"
            r"double[- ]free|\bassert(?:ion)?\b|\bhang",
        ],
        [
            "behaviour change",
            r"\bno longer\b|\bnow\b|\bdefaults?\b|\binstead\b|"
            r"\brequires?\b|\brejects?\b|\bcase-sensitive\b",
        ],
        ["deprecation or removal", r"\bdeprecat|\bdrop|\bremov|\bobsolete"],
        ["new option or command", r"\bnew\b|\badds?\b|\bsupports?\b|--\w|\boption"],
    ],
    # Public C API changes come after user-visible ones; internal work comes last.
    "late_kinds": ["api"],
    "internal_kinds": ["build", "test", "refactor", "doc", "log", "dev", "merge", "revert"],
}
SECTION_KEYS["draft"] = (*DEFAULT_DRAFT, "projects")
DRAFT_FORMAT_KEYS = ("issue_month", "issue_year", "issue_month_name", "month")


def parse_draft(raw: Any, name: str) -> dict[str, Any]:
    """Validate the `draft:` section and merge it over the defaults."""
    data = _mapping(raw if raw is not None else {}, name, "draft")
    check_keys(data, "draft", name)
    merged = {**DEFAULT_DRAFT, **data}
    for key in ("out_dir", "title", "slug", "author", "layout"):
        if not isinstance(merged[key], str) or not merged[key]:
            raise ConfigError(f"{name}: draft.{key}: must be a non-empty string")
    for key in ("title", "slug"):
        check_format(merged[key], DRAFT_FORMAT_KEYS, name, f"draft.{key}")
    for key, low, high in (("day", 1, 31), ("small_release", 0, None), ("max_commits", 0, None)):
        value = merged[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{name}: draft.{key}: '{value}' must be a whole number >= {low}")
        if high is not None and value > high:
            raise ConfigError(f"{name}: draft.{key}: '{value}' must be between {low} and {high}")
    if not isinstance(merged["include_rc"], bool):
        raise ConfigError(f"{name}: draft.include_rc: must be true or false")
    for key in ("categories", "tags", "severities", "commit_kinds"):
        value = merged[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{name}: draft.{key}: must be a list of strings")
    merged["out_dir"] = str(Path(merged["out_dir"]).expanduser())
    try:
        re.compile(str(merged["news_pattern"]))
    except re.error as exc:
        raise ConfigError(f"{name}: draft.news_pattern: invalid regular expression: {exc}") from exc
    _check_policy(merged, name)
    return merged


def _check_policy(settings: dict[str, Any], name: str) -> None:
    """max_per_release a positive integer; priorities [label, regex] pairs; kinds lists."""
    limit = settings["max_per_release"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"{name}: draft.max_per_release: must be a positive integer")
    for i, item in enumerate(settings["priorities"]):
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise ConfigError(f"{name}: draft.priorities[{i}]: must be [label, pattern]")
        try:
            re.compile(str(item[1]))
        except re.error as exc:
            raise ConfigError(f"{name}: draft.priorities[{i}]: bad pattern: {exc}") from None
    for key in ("late_kinds", "internal_kinds"):
        if not isinstance(settings[key], list):
            raise ConfigError(f"{name}: draft.{key}: must be a list of kinds")


def draft_settings(config: Config) -> dict[str, Any]:
    """The validated `draft:` section merged over the defaults."""
    return dict(config.draft) if config.draft else parse_draft(None, config.path.name)
