"""Ticket references (lf#, cl#, bnc#, rhbz#, CVE, GitHub #) -> links, driven by data/links.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.resources import DATA_DIR, read_yaml
from digest.taxonomy import parse_day

LINKS_FILE = DATA_DIR / "links.yaml"
_COMMIT_URL = re.compile(r"^(https?://(?:www\.)?github\.com/[\w.-]+/[\w.-]+?)(?:\.git)?/commit/")


@dataclass(frozen=True)
class Ticket:
    """A bug, issue or pull request cited by a change, with its URL."""

    label: str
    url: str


@dataclass(frozen=True)
class Range:
    """Ids in [low, high] get this label and URL instead of the pattern's own."""

    low: int
    high: int
    label: str
    url: str


@dataclass(frozen=True)
class TicketPattern:
    """One ticket form of links.yaml."""

    name: str
    regex: re.Pattern[str]
    label: str
    url: str
    ranges: tuple[Range, ...] = ()
    since: dict[str, str] | str | None = None
    until: str | None = None
    needs_repo: bool = False
    projects: tuple[str, ...] = ()
    upper: bool = False
    hints: re.Pattern[str] | None = None  # finds any of its hint strings (one scan for all)

    def applies(self, project: str | None, day: str, repo_url: str | None) -> bool:
        """Whether this form is read for that project, date and repository."""
        if self.needs_repo and not repo_url:
            return False
        if self.projects and project is not None and project not in self.projects:
            return False
        since = self.since.get(project or "") if isinstance(self.since, dict) else self.since
        if day and since and day < since:
            return False
        return not (day and self.until and day > self.until)


def repo_url_from_commit_url(commit_url: str | None) -> str | None:
    """The GitHub repository of a commit URL template (None for other hosts)."""
    found = _COMMIT_URL.match(commit_url or "")
    return found.group(1) if found else None


def find_tickets(
    text: str,
    *,
    project: str | None = None,
    date: str | None = None,
    repo_url: str | None = None,
    patterns: tuple[TicketPattern, ...] | None = None,
) -> tuple[Ticket, ...]:
    """Every ticket cited in a text, in order of appearance, without duplicates."""
    if not _DIGIT.search(text):
        return ()
    day = (date or "")[:10]
    lowered = text.lower()
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Ticket]] = []
    for form in _forms_for(project, repo_url) if patterns is None else patterns:
        if not form.applies(project, day, repo_url):
            continue
        if form.hints is not None and not form.hints.search(lowered):
            continue
        for match in form.regex.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            groups = {k: v for k, v in match.groupdict().items() if v is not None}
            ticket = _ticket(form, groups, repo_url)
            if ticket is not None:
                taken.append((start, end))
                found.append((start, ticket))
    seen: set[str] = set()
    tickets = []
    for _, ticket in sorted(found, key=lambda item: item[0]):
        if ticket.url not in seen:
            seen.add(ticket.url)
            tickets.append(ticket)
    return tuple(tickets)


_DIGIT = re.compile(r"\d")


@cache
def _forms_for(project: str | None, repo_url: str | None) -> tuple[TicketPattern, ...]:
    """The shipped ticket forms that can apply to a project and repository (dates aside)."""
    return tuple(form for form in load_links() if form.applies(project, "", repo_url))


def _ticket(pattern: TicketPattern, groups: dict[str, str], repo_url: str | None) -> Ticket | None:
    ident = next((v for k, v in sorted(groups.items()) if k.startswith("id")), None)
    if ident is None:
        return None
    ident = ident.upper() if pattern.upper else ident
    values = {**groups, "id": ident, "repo": (repo_url or "").rstrip("/")}
    label, url = pattern.label, pattern.url
    if pattern.ranges:
        number = int(ident) if ident.isdigit() else -1
        chosen = next((r for r in pattern.ranges if r.low <= number <= r.high), None)
        if chosen is None:
            return None
        label, url = chosen.label, chosen.url
    return Ticket(label.format(**values), url.format(**values))


@cache
def load_links(path: Path | None = None) -> tuple[TicketPattern, ...]:
    """Read and validate links.yaml (once per path)."""
    file = Path(path) if path else LINKS_FILE
    raw = read_yaml(file)
    items = raw.get("tickets") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{file.name}: tickets: missing or not a list")
    return tuple(_pattern(item, f"{file.name}: tickets[{i}]") for i, item in enumerate(items))


def _pattern(item: Any, at: str) -> TicketPattern:
    if not isinstance(item, dict):
        raise ConfigError(f"{at}: must be a mapping")
    for key in ("name", "pattern"):
        if not isinstance(item.get(key), str):
            raise ConfigError(f"{at}.{key}: missing")
    if "ranges" not in item and not (isinstance(item.get("label"), str) and item.get("url")):
        raise ConfigError(f"{at}: needs label and url (or ranges)")
    try:
        regex = re.compile(item["pattern"], re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{at}.pattern: invalid regular expression: {exc}") from exc
    if not any(name.startswith("id") for name in regex.groupindex):
        raise ConfigError(f"{at}.pattern: needs a named group 'id'")
    return TicketPattern(
        name=item["name"],
        regex=regex,
        label=item.get("label", ""),
        url=item.get("url", ""),
        ranges=tuple(_range(r, f"{at}.ranges[{i}]") for i, r in enumerate(item.get("ranges", []))),
        since=_since(item.get("since"), f"{at}.since"),
        until=parse_day(item.get("until"), f"{at}.until"),
        needs_repo=bool(item.get("needs_repo", False)),
        projects=tuple(str(p) for p in item.get("projects") or ()),
        upper=bool(item.get("upper", False)),
        hints=_hints(item.get("hints") or ()),
    )


def _hints(strings: list[Any]) -> re.Pattern[str] | None:
    """One regex finding any of a form's hint strings in lower-cased text."""
    return re.compile("|".join(re.escape(str(h).lower()) for h in strings)) if strings else None


def _range(item: Any, at: str) -> Range:
    try:
        return Range(int(item["min"]), int(item["max"]), str(item["label"]), str(item["url"]))
    except (TypeError, KeyError, ValueError) as exc:
        raise ConfigError(f"{at}: needs min, max, label and url") from exc


def _since(value: Any, at: str) -> dict[str, str] | str | None:
    if isinstance(value, dict):
        return {str(k): parse_day(v, f"{at}.{k}") or "" for k, v in value.items()}
    return parse_day(value, at)
