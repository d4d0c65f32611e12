"""The classification rules: component(s), severity, kind and ticket links of one change.

Rules, in order: an explicit prefix in the text ("High: PE: ...", "* **fencer:** ..."), then the
touched paths (weighted majority), then keywords, then "other". The rule that decided is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest.classify.tickets import Ticket, find_tickets
from digest.taxonomy import (
    Alias,
    PrefixWord,
    Taxonomy,
    load_taxonomy,
    name_key,
)

OTHER = "other"
DEFAULT_KIND = "change"
RULES_VERSION = "1"  # bump when the code of the rules changes, so that stores are redone
MAX_TOKENS = 5
KEYWORD_TEXT = 2000

_LEAD = re.compile(r"^\s*(?:[-+*\u2022]\s+)?(?:\[[^\]\n]{1,24}\]\s*)*")
_BOLD = re.compile(r"\*\*([^*\n]{1,60}?)\s*:?\s*\*\*\s*:?\s*")
_TOKEN = re.compile(r"([^:\n]{1,48}?)\s*:(?!//)[ \t]*")
_SPLIT = re.compile(r"\s*(?:[,+&/]|\band\b)\s*")
_MERGE = re.compile(
    r"^(?:merge (?:pull request|branch|remote-tracking branch|tag)\b|hg: merge)", re.I
)
_REVERT = re.compile(r'^revert\s+"(.+?)"?\s*$', re.I)
_PATHLIKE = re.compile(r"^[\w.+-]+(?:/[\w.+-]+)+$|^[\w+-]+\.(?:c|h|py|in|sh|am|xsl|rng)$")


@dataclass(frozen=True)
class Classification:
    """What the classifier says about one change."""

    components: tuple[str, ...]
    severity: str | None
    kind: str
    tickets: tuple[Ticket, ...]
    rule: str

    @property
    def component(self) -> str:
        """The main component ("other" when none)."""
        return self.components[0] if self.components else OTHER


@dataclass(frozen=True)
class Prefix:
    """The explicit prefix of a subject: severity, kind, components and what follows."""

    severity: str | None = None
    kind: str | None = None
    components: tuple[str, ...] = ()
    implied: str | None = None
    rest: str = ""
    length: int = 0
    notes: tuple[str, ...] = ()


@dataclass
class _Evidence:
    """Path scores of one change, computed once and shared by the rules."""

    scores: dict[str, float] = field(default_factory=dict)
    matched: float = 0.0
    files: int = 0


def classify(
    project: str,
    text: str,
    paths: Sequence[str] = (),
    *,
    date: str | None = None,
    repo_url: str | None = None,
    section: str | None = None,
    taxonomy: Taxonomy | None = None,
) -> Classification:
    """Classify one change from its message (or ChangeLog line) and touched paths."""
    tax = taxonomy or load_taxonomy()
    subject, body = _split(text)
    title, merge, revert = _title(subject, body)
    evidence = _evidence(tax, project, paths)
    prefix = parse_prefix(tax, project, title, date=date, scores=evidence.scores)
    components, rule = _components(tax, project, prefix, evidence, prefix.rest, body)
    kind = _kind(tax, prefix, section, prefix.rest or title, paths, merge=merge, revert=revert)
    tickets = find_tickets(text, project=project, date=date, repo_url=repo_url)
    return Classification(components, prefix.severity, kind, tickets, rule)


def path_scores(
    project: str, paths: Sequence[str], taxonomy: Taxonomy | None = None
) -> dict[str, float]:
    """Weighted votes of the touched paths per component."""
    return dict(_evidence(taxonomy or load_taxonomy(), project, paths).scores)


def strip_prefix(project: str, text: str, *, date: str | None = None) -> str:
    """The text with its explicit prefix (severity, kind and component words) removed."""
    tax = load_taxonomy()
    subject, body = _split(text)
    prefix = parse_prefix(tax, project, subject, date=date)
    rest = prefix.rest if prefix.length else subject
    return f"{rest}\n{body}" if body else rest


def explain(
    project: str,
    text: str,
    paths: Sequence[str] = (),
    *,
    date: str | None = None,
    repo_url: str | None = None,
    section: str | None = None,
) -> list[str]:
    """Human-readable account of how a change is classified, one line per fact."""
    tax = load_taxonomy()
    result = classify(project, text, paths, date=date, repo_url=repo_url, section=section)
    subject, body = _split(text)
    title, _, _ = _title(subject, body)
    evidence = _evidence(tax, project, paths)
    prefix = parse_prefix(tax, project, title, date=date, scores=evidence.scores)
    lines = [
        f"components: {', '.join(result.components) or OTHER}",
        f"severity:   {result.severity or '-'}",
        f"kind:       {result.kind}",
        f"tickets:    {', '.join(f'{t.label} <{t.url}>' for t in result.tickets) or '-'}",
        f"rule:       {result.rule}",
    ]
    lines += [f"  prefix {note}" for note in prefix.notes]
    lines += _explain_paths(tax, project, paths)
    hits = _keyword_hits(tax, project, prefix.rest or title, body)
    if hits:
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], tax.order(kv[0])))
        lines.append("  keywords " + ", ".join(f"{name}={score:g}" for name, score in ranked))
    return lines


# -- prefix -----------------------------------------------------------------------------------


def parse_prefix(
    tax: Taxonomy,
    project: str,
    line: str,
    *,
    date: str | None = None,
    scores: dict[str, float] | None = None,
) -> Prefix:
    """Read the leading "Severity: component: ..." words of a subject or ChangeLog line."""
    tokens, rest_at = _tokens(line)
    words: list[PrefixWord] = []
    components: list[str] = []
    notes: list[str] = []
    used = i = 0
    while i < len(tokens):
        token, end = tokens[i]
        word = tax.prefixes.get(name_key(token))
        found, step = _named(tax, tokens, i, project, date, scores, notes, skip_words=not words)
        if found:
            components.extend(c for c in found if c not in components)
        elif word:
            words.append(word)
            notes.append(f"'{token.strip()}' -> " + _describe_word(word.severity, word.kind))
        else:
            break
        i += step
        used = tokens[i - 1][1] if step > 1 else end
    rest = line[used:].strip() if used else line[rest_at:].strip()
    severity = next((w.severity for w in words if w.severity), None)
    kind = next((w.kind for w in words if w.kind), None)
    implied = next((w.component for w in words if w.component), None)
    return Prefix(severity, kind, tuple(components), implied, rest, used, tuple(notes))


def _named(
    tax: Taxonomy,
    tokens: list[tuple[str, int]],
    i: int,
    project: str,
    date: str | None,
    scores: dict[str, float] | None,
    notes: list[str],
    *,
    skip_words: bool,
) -> tuple[list[str], int]:
    """Components named by token i (or by it and the next, as in "tools: crm"); tokens used.

    Until a severity or kind word has been seen, a token that is one ("Build:") is not read
    as a component.
    """
    norm = name_key(tokens[i][0])
    if i + 1 < len(tokens):
        joined = f"{norm}: {name_key(tokens[i + 1][0])}"
        aliases = tax.aliases(joined, project, date, exact=True)
        if aliases:
            return [_choose(tax, joined, aliases, scores, notes)], 2
    if skip_words and norm in tax.prefixes:
        return [], 1
    return _resolve(tax, norm, project, date, scores, notes), 1


def _tokens(line: str) -> tuple[list[tuple[str, int]], int]:
    """Candidate prefix tokens with the offset where each ends; and where the text starts."""
    lead = _LEAD.match(line)
    pos = lead.end() if lead else 0
    start = pos
    tokens: list[tuple[str, int]] = []
    bold = _BOLD.match(line, pos)
    if bold:
        tokens.append((bold.group(1), bold.end()))
        pos = bold.end()
    while len(tokens) < MAX_TOKENS:
        found = _TOKEN.match(line, pos)
        if not found or not found.group(1).strip():
            break
        tokens.append((found.group(1), found.end()))
        pos = found.end()
    return tokens, start


def _resolve(
    tax: Taxonomy,
    norm: str,
    project: str,
    date: str | None,
    scores: dict[str, float] | None,
    notes: list[str],
) -> list[str]:
    """Components named by one prefix token ("pe", "libpe_status,libpe_rules", "ra apache")."""
    aliases = tax.aliases(norm, project, date)
    if aliases:
        return [_choose(tax, norm, aliases, scores, notes)]
    if _PATHLIKE.match(norm) and "/" in norm:
        rule = tax.matcher(project).match(norm)
        if rule:
            notes.append(f"'{norm}' -> {rule.component} (path rule {rule.pattern})")
            return [rule.component]
    parts = [p for p in _SPLIT.split(norm) if p]
    if len(parts) == 1 and " " not in norm:
        return []
    found: list[str] = []
    for part in parts:
        aliases = tax.aliases(part, project, date) or tax.aliases(part.split(" ")[0], project, date)
        if aliases:
            found.append(_choose(tax, part, aliases, scores, notes))
    return found


def _choose(
    tax: Taxonomy,
    name: str,
    aliases: tuple[Alias, ...],
    scores: dict[str, float] | None,
    notes: list[str],
) -> str:
    """One component for an alias; when it names several, the touched paths decide."""
    names = sorted({a.component for a in aliases}, key=tax.order)
    if len(names) == 1:
        notes.append(f"'{name}' -> {names[0]}")
        return names[0]
    scored = [(scores or {}).get(n, 0.0) + (scores or {}).get(tax.root(n), 0.0) for n in names]
    best = max(range(len(names)), key=lambda i: (scored[i], -i))
    how = "paths chose" if scored[best] > 0 else "first listed"
    notes.append(f"'{name}' -> {names[best]} (ambiguous: {'|'.join(names)}; {how})")
    return names[best]


def _describe_word(severity: str | None, kind: str | None) -> str:
    parts = [f"severity {severity}"] if severity else []
    return ", ".join([*parts, f"kind {kind}"] if kind else parts)


# -- components -------------------------------------------------------------------------------


def _components(
    tax: Taxonomy, project: str, prefix: Prefix, evidence: _Evidence, title: str, body: str
) -> tuple[tuple[str, ...], str]:
    if prefix.components:
        named = ", ".join(prefix.components)
        return _with_parents(tax, prefix.components), f"prefix: {named}"
    if prefix.implied:
        return _with_parents(tax, (prefix.implied,)), f"prefix: {prefix.implied} (implied)"
    decided = _by_paths(tax, evidence)
    if decided:
        return decided
    decided = _by_keywords(tax, project, title, body, evidence.scores)
    if decided:
        return decided
    return _fallback(tax, evidence)


def _by_keywords(
    tax: Taxonomy, project: str, title: str, body: str, among: dict[str, float]
) -> tuple[tuple[str, ...], str] | None:
    """Most keyword hits; when paths voted without a majority, only among their components."""
    hits = _keyword_hits(tax, project, title, body)
    if among:
        hits = {n: h for n, h in hits.items() if n in among or tax.root(n) in among}
    if not hits:
        return None
    top = max(hits.values())
    ranked = sorted(hits, key=lambda n: (-hits[n], tax.order(n)))
    keep = [n for n in ranked if hits[n] >= top * tax.settings.keyword_secondary]
    keep = keep[: tax.settings.max_components]
    return _with_parents(tax, keep), f"keywords: {keep[0]} ({top:g} hits)"


def _fallback(tax: Taxonomy, evidence: _Evidence) -> tuple[tuple[str, ...], str]:
    """No majority and no keyword: a change spread wide is a library change; else the top."""
    settings = tax.settings
    if not evidence.scores:
        return (), OTHER
    ranked = sorted(evidence.scores, key=lambda n: (-evidence.scores[n], tax.order(n)))
    full = [n for n in ranked if tax.components[n].weight >= 1.0]
    spread = len(full) >= settings.spread_components
    if spread and settings.spread_to and evidence.files >= settings.spread_components:
        return (settings.spread_to,), f"paths: spread over {len(full)} components"
    return _with_parents(tax, ranked[:1]), f"paths (weak): {ranked[0]}"


def _by_paths(tax: Taxonomy, evidence: _Evidence) -> tuple[tuple[str, ...], str] | None:
    """The weighted majority of the touched paths, if it is clear enough."""
    if not evidence.scores or evidence.matched <= 0:
        return None
    settings = tax.settings
    ranked = sorted(evidence.scores, key=lambda n: (-evidence.scores[n], tax.order(n)))
    top = evidence.scores[ranked[0]]
    share = top / evidence.matched
    if share < settings.min_share or top < settings.min_weight:
        return None
    keep = [n for n in ranked if evidence.scores[n] >= top * settings.secondary]
    keep = keep[: settings.max_components]
    rule = f"paths: {ranked[0]} {share:.0%} of {evidence.files} files"
    return _with_parents(tax, keep), rule


def _evidence(tax: Taxonomy, project: str, paths: Sequence[str]) -> _Evidence:
    evidence = _Evidence(files=len(paths))
    if not paths:
        return evidence
    matcher = tax.matcher(project)
    for path in paths:
        rule = matcher.match(path)
        if rule is not None and rule.weight > 0:
            evidence.scores[rule.component] = evidence.scores.get(rule.component, 0.0) + rule.weight
            evidence.matched += rule.weight
    return evidence


def _explain_paths(tax: Taxonomy, project: str, paths: Sequence[str]) -> list[str]:
    matcher = tax.matcher(project)
    lines = []
    for path in paths[:20]:
        rule = matcher.match(path)
        target = f"{rule.component} x{rule.weight:g} ({rule.pattern})" if rule else "no rule"
        lines.append(f"  path {path} -> {target}")
    if len(paths) > 20:
        lines.append(f"  ... and {len(paths) - 20} more paths")
    return lines


def _keyword_hits(tax: Taxonomy, project: str, title: str, body: str) -> dict[str, float]:
    """Keyword hits per component of the project: a hit in the title counts double."""
    text = body[:KEYWORD_TEXT]
    hits: dict[str, float] = {}
    for name, regex in tax.keywords(project):
        score = 2 * len(regex.findall(title)) + len(regex.findall(text))
        if score:
            hits[name] = float(score)
    return hits


def _with_parents(tax: Taxonomy, names: Sequence[str]) -> tuple[str, ...]:
    out = list(dict.fromkeys(names))
    for name in list(out):
        parent = tax.components[name].parent
        if parent and parent not in out:
            out.append(parent)
    return tuple(out)


# -- kind ---------------------------------------------------------------------------------------


def _kind(
    tax: Taxonomy,
    prefix: Prefix,
    section: str | None,
    title: str,
    paths: Sequence[str],
    *,
    merge: bool,
    revert: bool,
) -> str:
    if revert:
        return "revert"
    if prefix.kind:
        return prefix.kind
    if section:
        for regex, kind in tax.sections:
            if regex.search(section):
                return kind
    if merge:
        return "merge"
    for rule in tax.kinds:
        if rule.subject is not None and rule.subject.search(title):
            return rule.kind
        if rule.paths is not None and paths and all(rule.paths.match(p) for p in paths):
            return rule.kind
    return DEFAULT_KIND


# -- text -----------------------------------------------------------------------------------------


def _split(text: str) -> tuple[str, str]:
    stripped = text.strip()
    subject, _, body = stripped.partition("\n")
    return subject.strip(), body.strip()


def _title(subject: str, body: str) -> tuple[str, bool, bool]:
    """The line carrying the prefix: a merged pull request's title, a reverted subject."""
    merge = bool(_MERGE.match(subject))
    title = subject
    if merge and body:
        title = next((ln.strip() for ln in body.splitlines() if ln.strip()), subject)
    reverted = _REVERT.match(title)
    if reverted:
        title = reverted.group(1)
    return title, merge, bool(reverted)


# -- the store ------------------------------------------------------------------------------------
