"""Editor-sized selection of a long ChangeLog without severities (ChangeLog.md era).

At most `max_per_release` entries are kept. User-visible changes come first, in the order of
the `priorities` patterns (regressions, security, crashes and data loss, behaviour changes,
deprecations and removals, new options and commands; then other fixes and features), then the
`late_kinds` (public C API changes, for developers), then the `internal_kinds` (build, test,
refactor, doc, log). Ties keep ChangeLog order. The kept entries are grouped by component in
taxonomy order (data/components.yaml), ChangeLog order within a component.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from digest.sources.inline_markdown import plain_text
from digest.taxonomy import Taxonomy, load_taxonomy

Entry = dict[str, Any]


def needs_selection(entries: Sequence[Entry], settings: dict[str, Any]) -> bool:
    """True for a ChangeLog without severities longer than max_per_release."""
    has_severities = any(e["severity"] for e in entries)
    return not has_severities and len(entries) > int(settings["max_per_release"])


def select_entries(entries: Sequence[Entry], settings: dict[str, Any], project: str) -> list[Entry]:
    """The entries an editor would keep, grouped by component in taxonomy order."""
    patterns = [re.compile(p, re.I) for _, p in settings["priorities"]]
    internal, late = set(settings["internal_kinds"]), set(settings["late_kinds"])
    ranked = sorted(entries, key=lambda e: _rank(e, patterns, internal, late))
    kept = ranked[: int(settings["max_per_release"])]
    tax = load_taxonomy()
    return sorted(kept, key=lambda e: (_component_order(e, tax, project), e["position"]))


def _rank(
    entry: Entry, patterns: list[re.Pattern[str]], internal: set[str], late: set[str]
) -> tuple[int, int, int]:
    """(tier, priority, position): user-visible < late kinds < internal kinds."""
    kind = entry.get("kind")
    tier = 2 if kind in internal else 1 if kind in late else 0
    text = plain_text(entry["text"])
    priority = next((i for i, p in enumerate(patterns) if p.search(text)), len(patterns))
    return tier, priority, entry["position"]


def _component_order(entry: Entry, tax: Taxonomy, project: str) -> int:
    """Taxonomy position of the entry's main component (classified, else its prefix)."""
    components = entry.get("components") or []
    if not components and entry.get("component"):
        aliases = tax.aliases(entry["component"], project, None)
        components = [a.component for a in aliases]
    if not components:
        return len(tax.components)
    return tax.order(tax.root(components[0]))
