"""ChangeLog layouts of the rest of the HA stack; `changelog.parse_changelog` dispatches here.

Pure functions on text, like `digest.sources.changelog`, whose entry splitting (severity, kind,
component prefixes) and version matching they share.

* corosync ``CHANGELOG`` (until 1.2.8): an ``svn log`` dump, newest first. Entries are
  separated by a line of dashes and start with ``r3035 | sdake | 2010-08-31 12:04:23 ... |``.
  A version-bump entry (``Bump version to 1.2.8.``, ``Change trunk version to 1.2.7.``,
  ``update version to 1.2.4.``, ``Bumping version to 1.0.1``, ``Reset version to 0.99 ...``)
  titles a section: that entry and the older ones down to the next bump are the release's
  changes; the bump itself is not an entry. Entries above the first bump form an untitled
  section (a release regenerated the file without a bump: 1.2.6, 1.2.3). A file without any
  bump has no sections. An entry's text is the first paragraph of its message, after
  ``Merge trunk revision N:`` and the quoted ``rN | ...`` header of merges. Date: the bump's.
* drbd-utils ``ChangeLog``: ``9.34.0``, `` 9.21.0``, ``9.24.0-rc.1`` or
  ``8.3.2rc1 (api:86/proto:86-90)`` on a line of its own, underlined with dashes; items
  ``* text``, ``- text`` or ``*) text`` with indented continuation lines; prose paragraphs
  between them and the ``Latest:`` preamble are not entries. No dates in the file (``date``
  is None).
* sbd ``NEWS``: ``2013-07-04 - v1.2.0`` headers; ``- text`` items, prose skipped.
* corosync's first ``CHANGELOG`` (openais 0.2x, 2004): a bare ``0.30`` line directly followed
  by ``* text`` items.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digest.models import ChangelogSection
from digest.sources.changelog import sections as cl

_SVN_RULE = re.compile(r"^-{40,}\s*$")
_SVN_HEADER = re.compile(r"^r(?P<rev>\d+) \| [^|]* \| (?P<date>\d{4}-\d{2}-\d{2})\b[^|]*\|")
_SVN_MERGE = re.compile(r"^Merge\b.*\brevisions?\b[^:]*:\s*$", re.I)
_BUMP = re.compile(
    r"^(?:bump(?:ing|ed)?|chang(?:e|ing|ed)|updat(?:e|ing|ed)|reset(?:ting)?|set(?:ting)?)\b"
    r"[^.]*?\bversion\s+(?:number\s+)?to\s+v?(?P<ver>\d+\.\d+(?:\.\d+)?)\b",
    re.I,
)
_UNDERLINED = re.compile(
    r"^ ?(?P<ver>\d+\.\d+(?:\.\d+)*(?:[-_.]?(?:rc|pre)\.?\d*)?)(?:\s+\(api:[^)]*\))?\s*$",
    re.I,
)
_UNDERLINE = re.compile(r"^-{2,}\s*$")
_DATED = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})\s+-\s+(?P<ver>v?\d+\.\d+[\w.~+-]*)\s*$")
_BARE = re.compile(r"^(?P<ver>\d+\.\d+(?:\.\d+)?)\s*$")
_PLAIN_BULLET = re.compile(r"^(?P<ind>[ \t]*)(?:\*\)|[-*+])\s+(?P<body>\S.*?)\s*$")


def is_svn_log(lines: list[str]) -> bool:
    """True when the text is an `svn log` dump (a rule line, then an `rN | ...` header)."""
    content = [line for line in lines[:5] if line.strip()]
    return len(content) >= 2 and bool(_SVN_RULE.match(content[0]) and _SVN_HEADER.match(content[1]))


def svn_sections(lines: list[str]) -> list[ChangelogSection]:
    """The release sections of an svn log ChangeLog (see the module docstring)."""
    return [cl.finish(s) for s in _svn_collected("\n".join(lines))]


def svn_section_for(text: str, version: str) -> ChangelogSection | None:
    """One release's section of an svn log ChangeLog, building only that section's entries."""
    collected = _svn_collected(text)
    headers = [
        ChangelogSection(
            cl.normalise_version(s.raw_version) if s.raw_version else "",
            s.raw_version,
            s.date,
            s.line,
        )
        for s in collected
    ]
    chosen = cl.find_section(headers, version)
    return None if chosen is None else cl.finish(collected[headers.index(chosen)])


@lru_cache(maxsize=4)
def _svn_collected(text: str) -> tuple[cl.Section, ...]:
    """Sections with their items, not yet split into entries (cached: the file seldom changes
    between release tags)."""
    sections: list[cl.Section] = []
    untitled: cl.Section | None = None
    for lineno, date, message in _svn_entries(text.splitlines()):
        entry_text = _svn_text(message)
        if not entry_text:
            continue
        bump = _BUMP.match(entry_text)
        if bump:
            sections.append(cl.Section(bump["ver"], date, lineno, versioned=True))
        elif sections:
            sections[-1].add_item(0, entry_text)
            sections[-1].close()
        else:
            untitled = untitled or cl.Section("", date, lineno, versioned=False)
            untitled.add_item(0, entry_text)
            untitled.close()
    if not sections:
        return ()
    return tuple(([untitled] if untitled else []) + sections)


def _svn_entries(lines: list[str]) -> list[tuple[int, str, list[str]]]:
    """(line of the `rN |` header, date, message lines) of every logged revision."""
    entries: list[tuple[int, str, list[str]]] = []
    i = 0
    while i < len(lines):
        rule = lines[i].startswith("-----") and _SVN_RULE.match(lines[i])
        header = _SVN_HEADER.match(lines[i + 1]) if rule and i + 1 < len(lines) else None
        if header:
            entries.append((i + 2, header["date"], []))
            i += 2
            continue
        if entries:
            entries[-1][2].append(lines[i])
        i += 1
    return entries


def _svn_text(message: list[str]) -> str:
    """The first paragraph of a revision's message, merge boilerplate removed."""
    body = [line for line in message if not _SVN_HEADER.match(line)]
    body = [line for line in body if not _SVN_MERGE.match(line.strip())]
    paragraph: list[str] = []
    for line in body:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    return " ".join(paragraph)


def plain_sections(lines: list[str]) -> list[ChangelogSection]:
    """Sections of a drbd-utils ChangeLog or a dated NEWS file; [] when neither layout fits."""
    sections: list[cl.Section] = []
    skip = -1
    for i, line in enumerate(lines):
        if i == skip:
            continue
        header = _plain_header(lines, i)
        if header is not None:
            version, date, underlined = header
            sections.append(cl.Section(version, date, i + 1, versioned=True))
            skip = i + 1 if underlined else -1
        elif sections:
            _feed_plain(sections[-1], line)
    return [cl.finish(s) for s in sections]


def _plain_header(lines: list[str], i: int) -> tuple[str, str | None, bool] | None:
    """(version, date, underlined) when line i starts a drbd-utils or NEWS section."""
    m = _UNDERLINED.match(lines[i])
    if m and i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1]):
        return m["ver"], None, True
    m = _DATED.match(lines[i])
    if m:
        return m["ver"], m["date"], False
    m = _BARE.match(lines[i])
    if m and i + 1 < len(lines) and _PLAIN_BULLET.match(lines[i + 1]):
        return m["ver"], None, False
    return None


def _feed_plain(sec: cl.Section, line: str) -> None:
    """Add one body line: bullets are items, indented lines continue them, prose is dropped."""
    if not line.strip():
        sec.close()
        return
    m = _PLAIN_BULLET.match(line)
    if m:
        sec.add_item(len(m["ind"].expandtabs()), m["body"])
    elif line[0] in " \t" and sec.current is not None:
        sec.current.lines.append(line.strip())
    else:
        sec.close()
