"""Parse the ChangeLog files of Pacemaker, cluster-glue, crmsh (and the stack) into sections.

Pure functions on text: no git, no database. `parse_changelog` detects each section's layout:

* Pacemaker RPM style (``ChangeLog``): ``* Wed Nov 23 2011 Name <mail> 1.0.12-1`` (also
  ``- 1.0.5-4``, ``Pacemaker-1.1.14-rc3-1``; the weekday is ignored, spacing is free). Items are
  bare severity lines (``High: cib: text``) or ``+``/``-`` bullets; ``- Changes since ...``,
  ``- Features added since ...``, ``- Fixes for regressions introduced in ...``,
  ``- Update the tarball from upstream to version ...`` start a category block.
* Pacemaker Markdown (``ChangeLog.md``): ``# Pacemaker-3.0.2 (01 Jun 2026)``, ``## <heading>``
  sets the category, items ``* **component:** text``; older sections of the same file keep the
  RPM body style and even RPM headers written with ``#``.
* cluster-glue and crmsh: ``* Fri Mar 22 2024 Name <mail>, ...`` without a version; the version
  sits in the first bullet (``- stable release 1.0.9``, ``- Release 5.1.0 rc2``,
  ``- release candidate 1.0.2-rc1``, ``- Pre-release 2.2.0-rc3``, ``- tag: 4.4.1 for bug fix``).
  When the first bullet is not a release line the section is untitled (``version == ""``) and
  that bullet is an ordinary entry. resource-agents (``- release candidate 4.18.0 rc1``,
  ``- stable release 4.18.0``) and booth use this layout too.
* corosync's svn-log ``CHANGELOG``, drbd-utils' underlined ``ChangeLog`` and sbd's dated
  ``NEWS`` are parsed by ``digest.sources.changelog.stack``.

Decisions:

* Not entries: statistics (``- Statistics:``, ``- Changesets: N``, ``- Diff: ...``,
  ``N commits with ...``), ``- Update source tarball to revision ...``, and any top-level line
  of a Pacemaker section that ends with ``:`` or starts with ``Notes:`` / ``For further
  details`` (test-hardware notes, pending bugs, links) together with their indented lines.
* Continuation lines are joined to their item with one space; a blank line ends an item.
  Markdown markers such as ``*(regression introduced in 3.0.1)*`` stay in the text.
* Nested items (deeper indentation than the item above) are separate entries, in file order;
  ``parent`` holds the position of the enclosing entry. Nothing is inherited from the parent.
* Prefixes are peeled in this order: severity (``High``/``Medium``/``Med``/``Low`` in any case,
  normalised to ``High``/``Medium``/``Low``; a ticket as in ``Medium (bnc#479050):`` moves to
  the end of the text); crmsh kind (``Fix``, ``Dev``, ``Feature``, ``Refactor``, ``Chore``,
  ``WIP``, ``Doc``, ``Test``, lower-case ``fix``/``dev``/``feature``/``refactor``/``chore``)
  -> ``kind``, lower-cased, while lower-case ``doc:``/``test:`` name areas and stay components;
  then one component kept as written: ``**comp:**`` in Markdown, else a comma list of names
  with at most one space inside (``Pacemaker Remote:``, ``libcib, tools:``) before ``: ``.
  Only the first component is taken: ``stonith: external/ipmi: x`` -> component ``stonith``,
  text ``external/ipmi: x``; ``Fix: sbd: Verify x`` -> kind ``fix``, component ``sbd``, text
  ``Verify x``. ``raw`` is the whole item, ``text`` what is left after the prefixes.
* ``category`` is a slug of the block heading: ``features``, ``fixes``, ``regressions``,
  ``api``, ``changes``, ``removed``, ``options``, ``properties``, ``build`` (else the heading
  lower-cased); None when a section has no headings (cluster-glue, crmsh, Pacemaker 1.0.12).
* Versions: ``normalise_version`` drops a name prefix (``Pacemaker-``, ``glue-``) and the RPM
  package release (``-1``, ``-2.1``, ``-0.7.c9120a53a6ae.hg``), writes pre-releases as
  ``X.Y.Z-rcN`` (drbd-utils' ``9.33.0-rc.1`` too). ``find_section`` matches release versions
  exactly (``1.0.1`` never matches ``1.0.12``; trailing ``.0`` components are equal, so
  ``Release 2.1`` is crmsh 2.1.0). Among several sections of one version it prefers the upstream
  release (no package release or ``-1``) over rebuilds (``-4``) and snapshots (``-0.x``), then
  file order. Without an exact section: a pre-release ``X.Y.Z-rcN`` takes the first section when
  that is titled ``X.Y.Z`` (rc notes written under the final title), and any version takes an
  untitled first section (notes not yet titled at that tag); otherwise None.
* Text before the first header is skipped. A file without any header is a ParseError naming
  the path and line, except blank files and short prose placeholders (``NEWS``: "Nobody here
  but us chickens.", ``ChangeLog``: "Please see 'git log'."), which yield no sections.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from digest.errors import ParseError
from digest.models import ChangelogSection
from digest.sources.changelog import stack
from digest.sources.changelog.sections import (
    CATEGORY_HEADING,
    CATEGORY_WORDS,
    Section,
    category,
    find_section,
    finish,
    normalise_version,
    strip_bold,
)

__all__ = ["find_section", "normalise_version", "parse_changelog", "section_for"]

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
PLACEHOLDER_MAX_LINES = 3

_RPM_HEADER = re.compile(
    r"^[*#][ \t]*(?:(?P<pre>Pacemaker-\d[\w.~+-]*)\s+)?(?:[A-Za-z]{3}[a-z]*,?\s+)?"
    r"(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})\b(?P<rest>.*)$"
)
_HEADER_VERSION = re.compile(r"(?:^|\s)(?:-\s*)?(?P<ver>(?:Pacemaker-)?\d+\.\d+[\w.~+-]*)\s*$")
_MD_HEADER = re.compile(
    r"^#[ \t]+(?P<ver>(?:[A-Za-z]+-)?\d+\.\d+[\w.~+-]*)\s*(?:\((?P<date>[^)]*)\))?\s*$"
)
_MD_DATE = re.compile(r"(?P<day>\d{1,2})\s+(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<year>\d{4})")
_MD_HEADING = re.compile(r"^#{2,6}[ \t]+(?P<title>.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<ind>[ \t]*)[-*+][ \t]+(?P<body>\S.*?)\s*$")
_SEVERITY_LINE = re.compile(
    r"^(?P<ind>[ \t]*)(?P<body>(?:High|Medium|Med|Low)\b[^:]{0,40}:\s.*?)\s*$"
)
_RELEASE_LINE = re.compile(
    r"^(?:(?:stable|bugfix|beta|final|maintenance)\s+)?(?:pre-?)?"
    r"(?:release(?:\s+candidate)?|tag)\s*:?\s+(?:[A-Za-z]+-(?=\d)|v(?=\d))?"
    r"(?P<ver>\d+(?:\.\d+)+(?:[-. ]?(?:rc|pre|beta|alpha)\d*[a-z]?)?)\b",
    re.I,
)
_TARBALL_UPDATE = re.compile(r"^Update the tarball from upstream", re.I)
_SKIP = re.compile(
    r"^(?:\d+\s+commits?\s+with\b|\d+\s+files?\s+changed\b|(?:Statistics|Changesets|Diff)\s*:"
    r"|Update (?:the )?source tarball\b|Notes\s*:|For (?:further|more) details\b)",
    re.I,
)


def parse_changelog(
    text: str, path: str = "ChangeLog", *, headers_only: bool = False
) -> list[ChangelogSection]:
    """Return every release section of a ChangeLog / ChangeLog.md / NEWS text, in file order.

    With headers_only the sections carry their versions but no entries (a quick scan).
    """
    if "\x00" in text:
        lineno = text.count("\n", 0, text.index("\x00")) + 1
        raise ParseError(f"{path}: line {lineno}: binary data, not a ChangeLog")
    lines = text.splitlines()
    if stack.is_svn_log(lines):
        return stack.svn_sections(lines)
    sections = _headers(lines) if headers_only else _sections(lines)
    if not sections:
        plain = stack.plain_sections(lines)  # drbd-utils, sbd NEWS: no '*'/'#' header
        if plain:
            return plain
        _check_headerless(lines, path)
    if headers_only:
        for section in sections:
            section.items.clear()
    return [finish(s) for s in sections]


def _sections(lines: list[str]) -> list[Section]:
    """Every section with all of its lines."""
    sections: list[Section] = []
    for lineno, line in enumerate(lines, 1):
        header = _header(line, lineno)
        if header is not None:
            sections.append(header)
        elif sections:
            _feed(sections[-1], line)
    return sections


def _headers(lines: list[str]) -> list[Section]:
    """Every section's header; where the version is in the first bullet, the lines up to it.

    Only lines starting with '*' or '#' can be headers, so only those are looked at closely.
    """
    sections: list[Section] = []
    for i in [i for i, line in enumerate(lines) if line.startswith(("*", "#"))]:
        section = _header(lines[i], i + 1)
        if section is None:
            continue
        sections.append(section)
        following = i + 1
        while not (section.versioned or section.items) and following < len(lines):
            if _header(lines[following], following + 1) is not None:
                break
            _feed(section, lines[following])
            following += 1
    return sections


def section_for(text: str, version: str, path: str = "ChangeLog") -> ChangelogSection | None:
    """The section of one release, parsing only that section's body in full."""
    if stack.is_svn_log(text[:2000].splitlines()):
        return stack.svn_section_for(text, version)
    headers = parse_changelog(text, path, headers_only=True)
    chosen = find_section(headers, version)
    if chosen is None or chosen.entries:
        return chosen  # drbd-utils and NEWS layouts are parsed whole (no quick scan)
    lines = text.splitlines()
    following = [s.line for s in headers if s.line > chosen.line]
    end = following[0] - 1 if following else len(lines)
    body = "\n".join(lines[chosen.line - 1 : end])
    return replace(parse_changelog(body, path)[0], line=chosen.line)


def _header(line: str, lineno: int) -> Section | None:
    """Recognise a release header line (RPM style or Markdown) and start a section."""
    if not line or line[0] not in "*#":
        return None
    m = _MD_HEADER.match(line)
    if m:
        dm = _MD_DATE.search(m["date"] or "")
        when = _iso_date(dm["year"], dm["mon"], dm["day"]) if dm else None
        return Section(m["ver"], when, lineno, versioned=True)
    m = _RPM_HEADER.match(line)
    if not m or m["mon"].lower() not in MONTHS:
        return None
    when = _iso_date(m["year"], m["mon"], m["day"])
    vm = _HEADER_VERSION.search(m["rest"])
    raw = m["pre"] or (vm["ver"] if vm else "")
    return Section(raw, when, lineno, versioned=bool(raw))


def _feed(sec: Section, line: str) -> None:
    """Add one body line to the section being collected."""
    if not line.strip():
        sec.close()
        return
    heading = _MD_HEADING.match(line)
    if heading:
        sec.start_block(category(strip_bold(heading["title"])))
        return
    m = _BULLET.match(line) or (_SEVERITY_LINE.match(line) if sec.versioned else None)
    if m is None:
        if sec.skip_indent is None and sec.current is not None:
            sec.current.lines.append(line.strip())
        return
    indent = len(m["ind"].expandtabs())
    if sec.skip_indent is not None and indent > sec.skip_indent:
        return
    body = m["body"]
    if sec.versioned:
        _feed_pacemaker(sec, indent, body)
    else:
        _feed_bullets(sec, indent, body)


def _feed_pacemaker(sec: Section, indent: int, body: str) -> None:
    """Handle an item line of a section whose header carries the version."""
    if indent == 0:
        plain = strip_bold(body)
        heading = CATEGORY_HEADING.match(plain)
        if heading and CATEGORY_WORDS.search(heading["head"]):
            sec.start_block(category(plain))
            return
        if _TARBALL_UPDATE.match(plain):
            sec.start_block("changes")
            return
        if _SKIP.match(plain) or plain.endswith(":"):
            sec.close()
            sec.skip_indent = indent
            return
    sec.add_item(indent, body)


def _feed_bullets(sec: Section, indent: int, body: str) -> None:
    """Handle an item line of a cluster-glue/crmsh section (version in the first bullet)."""
    if not sec.seen_bullet:
        sec.seen_bullet = True
        m = _RELEASE_LINE.match(body)
        if m:
            sec.raw_version = m["ver"]
            sec.close()
            return
    sec.add_item(indent, body)


def _check_headerless(lines: list[str], path: str) -> None:
    """Raise ParseError unless a file without headers is blank or a short prose placeholder."""
    content = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    looks_like_items = any(_BULLET.match(line) or _SEVERITY_LINE.match(line) for _, line in content)
    if content and (looks_like_items or len(content) > PLACEHOLDER_MAX_LINES):
        lineno, line = content[0]
        raise ParseError(
            f"{path}: line {lineno}: no release header found (expected e.g. "
            f"'* Wed Nov 23 2011 Name <mail> 1.0.12-1' or '# Pacemaker-3.0.2 (01 Jun 2026)'), "
            f"got {line.strip()[:60]!r}"
        )


def _iso_date(year: str, month: str, day: str) -> str | None:
    """ISO date from header parts, None when they do not form a real date."""
    try:
        return date(int(year), MONTHS[month[:3].lower()], int(day)).isoformat()
    except (KeyError, ValueError):
        return None


# The other stack layouts share the section and entry helpers above.
