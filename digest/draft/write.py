"""Write the monthly draft without ever clobbering the editor's work.

A regenerated draft keeps, from the file already there: every editor region
(`<!-- digest:begin editor:NAME -->` ... `<!-- digest:end editor:NAME -->`) and the Japanese of
every change the editor touched (its text no longer matches the `ja=` fingerprint the
generator wrote; such entries are then marked `state=edited` and stay the editor's). New
changes are added; changes gone upstream are reported, and the previous file is kept as
`<name>.prev` whenever anything of the editor's would otherwise disappear.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest.draft.model import Digest
from digest.draft.render import checksum, render_post
from digest.posts import explained_changes

_REGION = re.compile(
    r"<!-- digest:begin editor:(?P<name>[\w.:-]+) -->\n(?P<body>.*?)\n?"
    r"<!-- digest:end editor:(?P=name) -->",
    re.S,
)
_ENTRY = re.compile(r"<!-- digest:entry id=(?P<id>\S+) .*?\bja=(?P<ja>\w+) -->")


@dataclass
class DraftReport:
    """What writing the draft did."""

    path: Path
    created: bool = False
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: bool = False

    def line(self) -> str:
        """One summary line."""
        if self.created:
            return f"draft written: {self.path} ({len(self.added)} changes)"
        if self.unchanged:
            return f"draft unchanged: {self.path}"
        return (
            f"draft updated: {self.path} ({len(self.added)} new changes, "
            f"{len(self.kept)} edited kept, {len(self.removed)} gone upstream)"
        )


def draft_path(digest: Digest, out_dir: Path) -> Path:
    """`<date>-<slug>.md`, the Jekyll _posts naming."""
    day = str(digest.front_matter["date"])[:10]
    slug = re.sub(r"[^a-z0-9-]+", "-", str(digest.front_matter["slug"]).lower()).strip("-")
    return out_dir / f"{day}-{slug or 'digest'}.md"


def write_draft(digest: Digest, out_dir: Path) -> DraftReport:
    """Render the digest into out_dir, merging with an existing (possibly edited) draft."""
    path = draft_path(digest, out_dir)
    report = DraftReport(path)
    ids = [change.id for change in digest.changes]
    if not path.exists():
        report.created, report.added = True, ids
        _write(path, render_post(digest))
        return report
    old = path.read_text(encoding="utf-8")
    edited = _edited_changes(old)
    regions = {m.group("name"): m.group("body") for m in _REGION.finditer(old)}
    merged = _with_edits(digest, edited)
    report.added = [i for i in ids if i not in _entry_ids(old)]
    report.kept = [i for i in ids if i in edited]
    report.removed = [i for i in _entry_ids(old) if i not in set(ids)]
    text = render_post(merged, regions)
    if text == old:
        report.unchanged = True
        return report
    if report.removed:
        _write(path.with_name(path.name + ".prev"), old)
    _write(path, text)
    return report


def _entry_ids(text: str) -> list[str]:
    return [m.group("id") for m in _ENTRY.finditer(text)]


def _edited_changes(text: str) -> dict[str, str]:
    """id -> the editor's Japanese, for entries whose text no longer matches its fingerprint."""
    written = {m.group("id"): m.group("ja") for m in _ENTRY.finditer(text)}
    edited = {}
    for entry in explained_changes(text):
        if not entry.entry_id:
            continue
        if entry.state == "edited" or checksum(entry.text) != written.get(entry.entry_id):
            edited[entry.entry_id] = entry.text
    return edited


def _with_edits(digest: Digest, edited: dict[str, str]) -> Digest:
    sections = []
    for section in digest.releases:
        changes = tuple(
            replace(c, japanese=edited[c.id], state="edited") if c.id in edited else c
            for c in section.changes
        )
        sections.append(replace(section, changes=changes))
    return replace(digest, releases=tuple(sections))


def _write(path: Path, text: str) -> None:
    """Write atomically: a killed run never leaves half a draft."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
