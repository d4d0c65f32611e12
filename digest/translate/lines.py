"""Changelog line shape: typography clean-up, severity / component / ticket prefixes, TM keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.sources.inline_markdown import plain_text

_TYPOGRAPHY = str.maketrans(
    {"—": "--", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " ", "\u200b": ""}
)
_BULLET = re.compile(r"^\s*(?:[-+*•]\s+)+")
_BRANCH_TAG = re.compile(r"^\[[\w.+-]*\d\.\d+[\w.+-]*\]\s*")  # '[crmsh-4.6] ': a backport
_BRACKET_TAG = re.compile(r"^\[([A-Za-z][\w.+-]*)\]\s*")  # '[MailTo] ': the component
SEVERITIES = (
    "high|medium|low|critical|major|minor|dev|fix|feature|feat|bugfix|security|enhancement|refactor"
)
_SEVERITY = re.compile(rf"^({SEVERITIES})\s*:\s*", re.IGNORECASE)
_COMPONENT = re.compile(
    r"^([A-Za-z][\w./+-]{0,30}(?:(?:, ?[A-Za-z][\w./+-]{0,30})+| [a-z][\w./+-]{0,12})?"
    r"|[A-Z][a-z]+(?: (?:[A-Z][a-z]+|from|of|and)){1,3}):\s+(?=\S)"
)  # 'cib: ', 'tools crm: ', 'drbdadm,create-md: ', 'libs, tools: ', 'Pacemaker Explained: '
_SUBCOMPONENT = re.compile(r"^([A-Za-z][\w./+-]{0,30}) - (?=\S)")
_TICKET = r"(?:[A-Za-z][\w.-]*#[A-Z][A-Z0-9]*-\d+|[A-Za-z][\w.-]*?[#:-]?\d+|#?\d+|[A-Z]+ \d{3,})"
_PAREN_COMPONENT = re.compile(rf"^([A-Za-z][\w./+-]{{0,30}}) \(({_TICKET})\):\s+(?=\S)")
_LEAD_TICKET = re.compile(
    rf"^(?:(?:Bug|Fix|Issue)\s+({_TICKET}(?:,\s*{_TICKET})*)\s*(?:-|:)|([A-Z]+:\d+) -)\s+",
    re.IGNORECASE,
)
_TAIL_TICKETS = re.compile(rf"\s*\(\s*({_TICKET}(?:\s*,\s*{_TICKET})*)\s*\)\s*$")
_SPACE = re.compile(r"\s+")
# '(regression in 1.1.17)', '*(regression introduced in 2.1.6)*', '(regression since 2.0.0)'
_REGRESSION = re.compile(
    r"\s*(\*?\(\s*regression\s+(?:introduced\s+)?(?:in|since)\s+"
    r"(?:pacemaker[- ])?(v?\d[\w.~-]*?)\s*\)\*?)\s*$",
    re.IGNORECASE,
)
_SPAN_PERIOD = re.compile(r"`([^`]+?)\.`$")
_BOLD_COMPONENTS = re.compile(r"^\*\*([\w./+, -]+?):\*\*\s*")


@dataclass(frozen=True)
class LineParts:
    """A changelog line split into its prefixes, its body and its ticket references."""

    severity: str | None
    components: tuple[str, ...]
    body: str
    tickets: tuple[str, ...]
    regression: str | None = None  # the version a trailing '(regression in X)' names
    note: str = ""  # that trailing note as written
    tagged: bool = False  # the first component came from a '[Tag] ' before the line

    @property
    def full_body(self) -> str:
        """The body with its regression note, as the line writes them."""
        return f"{self.body} {self.note}" if self.note else self.body

    @property
    def component_key(self) -> str:
        """Components joined as they appear in a normalised key ("pe: ", "stonith: x: ")."""
        keyed = self.components[1:] if self.tagged else self.components
        return "".join(f"{c.lower()}: " for c in keyed)


def clean(text: str) -> str:
    """Undo web typography (smart quotes, em dashes), drop bullets, collapse whitespace.

    Inline Markdown of ChangeLog.md (`**tools:**`, code spans) is reduced to its words.
    """
    if "`" in text or "**" in text:
        text = plain_text(text)
    text = _SPACE.sub(" ", text.translate(_TYPOGRAPHY)).strip()
    return _BULLET.sub("", text).strip()


def split_line(text: str) -> LineParts:
    """Split severity, component prefixes and ticket references off a cleaned changelog line."""
    components: list[str] = []
    rest = _BULLET.sub("", text.strip())
    bold = _BOLD_COMPONENTS.match(rest)  # before clean(), which drops the ** markers
    if bold:
        siblings = [c.strip() for c in bold.group(1).split(",") if c.strip()]
        components.append(", ".join(siblings))  # '**libcib, tools:**': two, side by side
        rest = rest[bold.end() :]
    rest = _BRANCH_TAG.sub("", clean(rest))
    tag = None if components else _BRACKET_TAG.match(rest)
    if tag:  # a lead-in like any component, but left out of the TM key (as it always was)
        components.append(tag.group(1))
        rest = rest[tag.end() :]
    severity = None
    match = _SEVERITY.match(rest)
    if match:
        severity, rest = match.group(1), rest[match.end() :]
    tickets: list[str] = []
    paren = _PAREN_COMPONENT.match(rest)
    if paren:  # 'build (LF 1803): add ...'
        components.append(paren.group(1))
        tickets.append(paren.group(2))
        rest = rest[paren.end() :]
    for _ in range(4):
        match = _LEAD_TICKET.match(rest) or _COMPONENT.match(rest) or _SUBCOMPONENT.match(rest)
        if not match or (match.re is not _LEAD_TICKET and not _is_component(match.group(1))):
            break
        if match.re is _LEAD_TICKET:
            found = match.group(1) or match.group(2)
            tickets.extend(t.strip() for t in found.split(","))
        else:
            components.append(match.group(1))
        rest = rest[match.end() :]
    tail = _TAIL_TICKETS.search(rest)
    if tail and tail.start() > 0 and (tail.group(0)[0].isspace() or "#" in tail.group(1)):
        tickets.extend(t.strip() for t in tail.group(1).split(","))
        rest = rest[: tail.start()]
    regression, note = None, ""
    found = _REGRESSION.search(rest.rstrip(". "))
    if found and found.start() > 0:
        regression, note = found.group(2), found.group(1)
        rest = rest[: found.start()]
    body = rest.strip().rstrip(".").strip()
    return LineParts(
        severity, tuple(components), body, tuple(tickets), regression, note, tag is not None
    )


_SEVERITY_WORDS = frozenset(SEVERITIES.split("|"))
LEAD_WORDS = _SEVERITY_WORDS | {"bug", "issue"}


def period_outside_code(line: str) -> str:
    """'... in `f_name.`': a line-final period typed inside a code span ends the sentence."""
    return _SPAN_PERIOD.sub(r"`\1`.", line.rstrip())


def identifier_text(line: str) -> str:
    """The text whose identifiers a translation must keep: no branch tag, no final period
    ('using --output-as=xml.', 'in `f_name.`': the period ends the sentence)."""
    return period_outside_code(without_tag(line)).rstrip().removesuffix(".")


def without_tag(line: str) -> str:
    """The line without a leading branch tag ('[crmsh-4.6] Fix: ...' on a backport)."""
    return _BRANCH_TAG.sub("", _BULLET.sub("", line.strip()))


def protected_in(text: str, found: list[str]) -> list[str]:
    """Protected tokens of a line a translation must keep: not the severity or 'Bug' keyword."""
    return [t for t in found if t.lower() not in LEAD_WORDS]


def _is_component(word: str) -> bool:
    if re.fullmatch(r"(?i)(?:fix|add|remove|update|drop|use|make|allow|correct) \S+", word):
        return False  # 'Fix typo: occured -> occurred' opens with its verb, not a component
    if " " in word and word.split()[0].lower() in _SEVERITY_WORDS:
        return False  # 'Low Build: ...' is a severity run into a component, read as before
    return not re.fullmatch(r"(?i)bug|note|warning|error|see|e\.g|i\.e|todo", word)


def tm_key(text: str) -> str:
    """TM key: severity dropped, tickets moved last, case folded, typography undone."""
    parts = split_line(text)
    tickets = f" ({', '.join(parts.tickets)})" if parts.tickets else ""
    return f"{parts.component_key}{parts.full_body}{tickets}".casefold().strip()
