"""The component taxonomy (data/components.yaml) as frozen dataclasses, with fast lookups."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.resources import DATA_DIR, read_mapping

COMPONENTS_FILE = DATA_DIR / "components.yaml"
ANY_PROJECT = "*"


@dataclass(frozen=True)
class Alias:
    """One name of a component, possibly limited to a period and to some projects."""

    name: str
    component: str
    since: str | None = None
    until: str | None = None
    projects: tuple[str, ...] = ()

    def applies(self, project: str | None, date: str | None) -> bool:
        """Whether this alias was in use for that project at that date."""
        if self.projects and project is not None and project not in self.projects:
            return False
        day = (date or "")[:10]
        if not day:
            return True
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True)
class Component:
    """A canonical component with its description and keyword rules."""

    name: str
    title: str
    core: bool = False
    parent: str | None = None
    weight: float = 1.0
    projects: tuple[str, ...] = ()
    aliases: tuple[Alias, ...] = ()
    keywords: tuple[re.Pattern[str], ...] = ()
    keyword_regex: re.Pattern[str] | None = None
    group: bool = False  # a group of generated members (one per agent): no component itself


@dataclass(frozen=True)
class PrefixWord:
    """A prefix word giving a severity and/or kind (and maybe an implied component)."""

    word: str
    severity: str | None = None
    kind: str | None = None
    component: str | None = None


@dataclass(frozen=True)
class KindRule:
    """Kind of a change when no prefix word gives it: by subject regex or by all paths."""

    kind: str
    subject: re.Pattern[str] | None = None
    paths: re.Pattern[str] | None = None


@dataclass(frozen=True)
class PathRule:
    """A path pattern of a project mapped to a component with a weight."""

    pattern: str
    component: str
    weight: float
    specificity: int


@dataclass
class PathMatcher:
    """The path rules of one project, most specific first, grouped by literal prefix.

    A rule can only match paths that start with its literal prefix (the text before its
    first wildcard), so a path is tried against the groups its prefixes name (each group one
    regex, compiled when first needed), not against every rule. Results are cached per path.
    """

    rules: tuple[PathRule, ...]
    groups: dict[str, list[int]]  # literal prefix -> indices of its rules, in order
    lengths: tuple[int, ...]  # the distinct prefix lengths
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict)
    _cache: dict[str, PathRule | None] = field(default_factory=dict)

    def match(self, path: str) -> PathRule | None:
        """The most specific rule matching a path, or None."""
        try:
            return self._cache[path]
        except KeyError:
            pass
        best = len(self.rules)
        for length in self.lengths:
            prefix = path[:length]
            if prefix in self.groups:
                found = self._group(prefix).match(path)
                if found and found.lastgroup:
                    best = min(best, int(found.lastgroup[1:]))
        rule = self.rules[best] if best < len(self.rules) else None
        if len(self._cache) < 200_000:
            self._cache[path] = rule
        return rule

    def _group(self, prefix: str) -> re.Pattern[str]:
        """One regex for a group's rules; the first that matches names its rule index."""
        if prefix not in self._compiled:
            parts = (
                f"(?P<r{i}>{glob_to_regex(self.rules[i].pattern)})" for i in self.groups[prefix]
            )
            self._compiled[prefix] = re.compile("|".join(parts))
        return self._compiled[prefix]


@dataclass(frozen=True)
class Settings:
    """Thresholds of the path and keyword rules."""

    min_share: float = 0.5
    min_weight: float = 0.3
    secondary: float = 0.5
    max_components: int = 3
    spread_components: int = 3
    spread_to: str | None = None
    keyword_secondary: float = 0.75


@dataclass
class Taxonomy:
    """Everything components.yaml says, indexed for classification."""

    source: Path
    components: dict[str, Component]
    prefixes: dict[str, PrefixWord]
    kinds: tuple[KindRule, ...]
    sections: tuple[tuple[re.Pattern[str], str], ...]
    settings: Settings
    exact: dict[str, tuple[Alias, ...]]
    globs: tuple[tuple[re.Pattern[str], Alias], ...]
    path_rules: dict[str, tuple[PathRule, ...]]
    _matchers: dict[str, PathMatcher] = field(default_factory=dict)
    _rank: dict[str, int] = field(default_factory=dict)
    _names: dict[str, tuple[Alias, ...]] = field(default_factory=dict)
    _keywords: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = field(default_factory=dict)

    def order(self, component: str) -> int:
        """Position of a component in the file (ties are broken by it)."""
        if not self._rank:
            self._rank.update((name, i) for i, name in enumerate(self.components))
        return self._rank.get(component, len(self._rank))

    def aliases(
        self, name: str, project: str | None, date: str | None, *, exact: bool = False
    ) -> tuple[Alias, ...]:
        """Aliases in force for a name: exact names, else globs (unless `exact`)."""
        key = name_key(name)
        if exact:
            return tuple(a for a in self.exact.get(key, ()) if a.applies(project, date))
        candidates = self._names.get(key)
        if candidates is None:
            candidates = self.exact.get(key) or tuple(
                a for rx, a in self.globs if rx.fullmatch(key)
            )
            if len(self._names) < 100_000:
                self._names[key] = candidates
        return tuple(a for a in candidates if a.applies(project, date))

    def keywords(self, project: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """(component, keyword regex) of the components with keywords that a project has."""
        if project not in self._keywords:
            self._keywords[project] = tuple(
                (c.name, c.keyword_regex)
                for c in self.components.values()
                if c.keyword_regex is not None and (not c.projects or project in c.projects)
            )
        return self._keywords[project]

    def matcher(self, project: str) -> PathMatcher:
        """The compiled path rules of a project (its own rules plus the "*" ones)."""
        if project not in self._matchers:
            rules = self.path_rules.get(project, ()) + self.path_rules.get(ANY_PROJECT, ())
            self._matchers[project] = _compile_matcher(rules)
        return self._matchers[project]

    def root(self, component: str) -> str:
        """The top of a component's parent chain (stonith-plugins -> stonith)."""
        seen = {component}
        while component in self.components and (parent := self.components[component].parent):
            if parent in seen:
                break
            seen.add(parent)
            component = parent
        return component


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Canonical form of an alias or prefix token: lower case, single spaces, no decoration."""
    text = _MAN_SECTION.sub("", name.strip().strip("`'\" .")).lower()
    return re.sub(r"\s+", " ", text)


_MAN_SECTION = re.compile(r"\(\d\)$")


@cache
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate components.yaml (once per path)."""
    file = Path(path) if path else COMPONENTS_FILE
    raw = read_mapping(file)
    where = file.name
    raw_components = expand_members(_section(raw, "components", dict, where), where)
    components = _components(raw_components, where)
    prefixes = _prefixes(_section(raw, "prefixes", dict, where), components, where)
    exact, globs = _alias_index(components.values())
    settings = _settings(raw.get("settings") or {}, where)
    if settings.spread_to and settings.spread_to not in components:
        raise ConfigError(f"{where}: settings.paths.spread_to: unknown component")
    return Taxonomy(
        source=file,
        components=components,
        prefixes=prefixes,
        kinds=_kinds(raw.get("kinds") or [], where),
        sections=_sections(raw.get("sections") or [], where),
        settings=settings,
        exact=exact,
        globs=globs,
        path_rules=_path_rules(raw_components, components, where),
    )


def expand_members(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Add one child component per name of each `members:` block, right after its parent.

    `members: {projects: [...], prefix: fence_, paths: ['heartbeat/{name}', ...], names: [...]}`
    makes, for each name, a component of that name (alias = the name, parent = the block's
    component, those projects) whose paths are the templates with {name} and {short} (the name
    without `prefix`) filled in; a template may carry a weight ({'x/{name}.xml': 0.1}) and a
    name may bring its own extra paths ({apache: ['heartbeat/http-mon.sh']}). A member named
    like another component is an error.
    """
    out: dict[str, Any] = {}
    for name, spec in raw.items():
        out[name] = spec
        members = spec.get("members") if isinstance(spec, dict) else None
        if members is None:
            continue
        at = f"{where}: components.{name}.members"
        if not isinstance(members, dict) or not isinstance(members.get("names"), list):
            raise ConfigError(f"{at}: needs a list of names")
        for item in members["names"]:
            member, extra = next(iter(item.items())) if isinstance(item, dict) else (item, [])
            if member in raw or member in out:
                raise ConfigError(f"{at}: '{member}' is already a component")
            out[str(member)] = _member(str(member), str(name), members, list(extra))
    return out


def _member(member: str, parent: str, members: dict[str, Any], extra: list[Any]) -> dict:
    """The raw spec of one generated member component."""
    short = member.removeprefix(str(members.get("prefix") or ""))
    paths: list[Any] = []
    for template in members.get("paths") or []:
        if isinstance(template, dict):
            paths += [{t.format(name=member, short=short): w} for t, w in template.items()]
        else:
            paths.append(str(template).format(name=member, short=short))
    projects = [str(p) for p in members.get("projects") or []]
    return {
        "title": str(members.get("title", "{name}")).format(name=member),
        "parent": parent,
        "projects": projects,
        "paths": {p: paths + extra for p in projects},
    }


def _section(raw: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or not value:
        raise ConfigError(f"{where}: {key}: missing or not a {kind.__name__}")
    return value


def _components(raw: dict[str, Any], where: str) -> dict[str, Component]:
    components: dict[str, Component] = {}
    for name, spec in raw.items():
        at = f"{where}: components.{name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("title"), str):
            raise ConfigError(f"{at}: needs a title")
        projects = tuple(str(p) for p in spec.get("projects") or ())
        aliases = tuple(
            _alias(item, str(name), f"{at}.aliases[{i}]", projects)
            for i, item in enumerate(spec.get("aliases") or [])
        )
        keywords = tuple(
            _regex(item, f"{at}.keywords[{i}]") for i, item in enumerate(spec.get("keywords") or [])
        )
        components[str(name)] = Component(
            name=str(name),
            title=spec["title"],
            core=bool(spec.get("core", False)),
            group="members" in spec,
            parent=spec.get("parent"),
            weight=_number(spec.get("weight", 1.0), f"{at}.weight"),
            projects=projects,
            aliases=tuple(
                dict.fromkeys((Alias(name_key(str(name)), str(name), projects=projects), *aliases))
            ),
            keywords=keywords,
            keyword_regex=_combined(keywords),
        )
    for component in components.values():
        if component.parent and component.parent not in components:
            raise ConfigError(f"{where}: components.{component.name}.parent: unknown component")
    return components


def _combined(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """One regex finding a hit of any of the patterns."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


def _number(value: Any, at: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise ConfigError(f"{at}: must be a number >= 0")


def _alias(item: Any, component: str, at: str, projects: tuple[str, ...] = ()) -> Alias:
    """One alias; without its own projects it has those of its component."""
    if isinstance(item, str):
        return Alias(name_key(item), component, projects=projects)
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ConfigError(f"{at}: must be a name or a mapping with a name")
    unknown = set(item) - {"name", "since", "until", "projects"}
    if unknown:
        raise ConfigError(f"{at}: unknown key '{sorted(unknown)[0]}'")
    defaults = projects
    projects = item.get("projects") or []
    if not isinstance(projects, list):
        raise ConfigError(f"{at}.projects: must be a list")
    return Alias(
        name_key(item["name"]),
        component,
        since=parse_day(item.get("since"), f"{at}.since"),
        until=parse_day(item.get("until"), f"{at}.until"),
        projects=tuple(str(p) for p in projects) or defaults,
    )


def parse_day(value: Any, at: str) -> str | None:
    """A YYYY-MM-DD value of a data file (or None); errors name the key."""
    if value is None:
        return None
    if isinstance(value, Date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise ConfigError(f"{at}: '{value}' is not a date (YYYY-MM-DD)")


def _regex(value: Any, at: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise ConfigError(f"{at}: must be a regular expression string")
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{at}: invalid regular expression: {exc}") from exc


def _prefixes(raw: dict[str, Any], components: dict[str, Component], where: str) -> dict:
    words: dict[str, PrefixWord] = {}
    for word, spec in raw.items():
        at = f"{where}: prefixes.{word}"
        if not isinstance(spec, dict) or not (spec.get("severity") or spec.get("kind")):
            raise ConfigError(f"{at}: needs a severity or a kind")
        if spec.get("component") and spec["component"] not in components:
            raise ConfigError(f"{at}.component: unknown component '{spec['component']}'")
        words[name_key(str(word))] = PrefixWord(
            name_key(str(word)), spec.get("severity"), spec.get("kind"), spec.get("component")
        )
    return words


def _kinds(raw: Any, where: str) -> tuple[KindRule, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: kinds: must be a list")
    rules = []
    for i, item in enumerate(raw):
        at = f"{where}: kinds[{i}]"
        if not isinstance(item, dict) or not item.get("kind"):
            raise ConfigError(f"{at}: needs a kind")
        subject = _regex(item["subject"], f"{at}.subject") if "subject" in item else None
        paths = _globs_regex(item["paths"], f"{at}.paths") if "paths" in item else None
        if subject is None and paths is None:
            raise ConfigError(f"{at}: needs a subject or paths")
        rules.append(KindRule(str(item["kind"]), subject, paths))
    return tuple(rules)


def _sections(raw: Any, where: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: sections: must be a list")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "match" not in item or "kind" not in item:
            raise ConfigError(f"{where}: sections[{i}]: needs match and kind")
        out.append((_regex(item["match"], f"{where}: sections[{i}].match"), str(item["kind"])))
    return tuple(out)


def _settings(raw: dict[str, Any], where: str) -> Settings:
    paths = raw.get("paths") or {}
    keywords = raw.get("keywords") or {}
    try:
        return Settings(
            min_share=float(paths.get("min_share", 0.5)),
            min_weight=float(paths.get("min_weight", 0.3)),
            secondary=float(paths.get("secondary", 0.5)),
            max_components=int(paths.get("max_components", 3)),
            spread_components=int(paths.get("spread_components", 3)),
            spread_to=paths.get("spread_to"),
            keyword_secondary=float(keywords.get("secondary", 0.75)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{where}: settings: {exc}") from exc


def _alias_index(
    components: Iterable[Component],
) -> tuple[dict[str, tuple[Alias, ...]], tuple[tuple[re.Pattern[str], Alias], ...]]:
    exact: dict[str, list[Alias]] = {}
    globs: list[tuple[re.Pattern[str], Alias]] = []
    for component in components:
        for alias in component.aliases:
            if any(ch in alias.name for ch in "*?["):
                globs.append((re.compile(fnmatch.translate(alias.name)), alias))
            else:
                exact.setdefault(alias.name, []).append(alias)
    return {k: tuple(v) for k, v in exact.items()}, tuple(globs)


def _path_rules(
    raw: dict[str, Any], components: dict[str, Component], where: str
) -> dict[str, tuple[PathRule, ...]]:
    rules: dict[str, list[PathRule]] = {}
    for name, spec in raw.items():
        scale = components[str(name)].weight
        for project, patterns in (spec.get("paths") or {}).items():
            at = f"{where}: components.{name}.paths.{project}"
            if not isinstance(patterns, list):
                raise ConfigError(f"{at}: must be a list")
            for i, item in enumerate(patterns):
                pattern, weight = _weighted(item, f"{at}[{i}]")
                rules.setdefault(str(project), []).append(
                    PathRule(pattern, str(name), weight * scale, _specificity(pattern))
                )
    return {project: tuple(items) for project, items in rules.items()}


def _weighted(item: Any, at: str) -> tuple[str, float]:
    if isinstance(item, str) and item:
        return item, 1.0
    if isinstance(item, dict) and len(item) == 1:
        ((pattern, weight),) = item.items()
        if isinstance(weight, int | float) and weight >= 0:
            return str(pattern), float(weight)
    raise ConfigError(f"{at}: must be a pattern or {{pattern: weight}}")


def _specificity(pattern: str) -> int:
    """Longer literal patterns are more specific; patterns for anywhere ("**/x") come last."""
    literal = len(pattern.replace("**", "").replace("*", "").replace("?", ""))
    return literal - (1000 if pattern.startswith("**/") else 0)


def glob_to_regex(pattern: str) -> str:
    """Translate a path pattern: 'dir/' = prefix, '*' = within a segment, '**' = across."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out)
    return body + ".*" if pattern.endswith("/") else body + "$"


def _globs_regex(patterns: Any, at: str) -> re.Pattern[str]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ConfigError(f"{at}: must be a list of patterns")
    return re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in patterns))


def _compile_matcher(rules: Sequence[PathRule]) -> PathMatcher:
    ordered = tuple(sorted(rules, key=lambda r: -r.specificity))
    groups: dict[str, list[int]] = {}
    for i, rule in enumerate(ordered):
        groups.setdefault(_WILDCARD.split(rule.pattern, maxsplit=1)[0], []).append(i)
    return PathMatcher(ordered, groups, tuple(sorted({len(p) for p in groups})))


_WILDCARD = re.compile(r"[*?]")
