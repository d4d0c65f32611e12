"""Changelog translation: Translator protocol, TM-first pipeline and engine selection.

For each English line the pipeline tries, in order: the translation memory (exact match on the
normalised source, then a fuzzy match above the threshold, marked needs_review), then the
configured engine (`rules`, offline, or `llm`). Results are stored with origin and state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.config import TranslateSettings
from digest.errors import ConfigError
from digest.translate.base import ORIGINS, STATES, Draft, Result, Translator
from digest.translate.glossary import Glossary, load_glossary
from digest.translate.lines import clean, tm_key
from digest.translate.memory import TranslationMemory

__all__ = [
    "ORIGINS",
    "STATES",
    "Draft",
    "Pipeline",
    "Result",
    "Translator",
    "make_engine",
    "tm_key",
]


def make_engine(
    name: str, settings: TranslateSettings, glossary: Glossary, db: Database | None = None
) -> Translator:
    """Build the `rules` or `llm` engine; with a store, approved terms and TM examples join in."""
    from digest.translate.examples import ExampleIndex
    from digest.translate.llm import LLMEngine
    from digest.translate.rules import RulesEngine

    rules = RulesEngine(glossary, db=db, lang=settings.lang)
    if name == "rules":
        return rules
    if name == "llm":
        if not settings.llm.url or not settings.llm.model:
            raise ConfigError(
                "translate.llm: the llm engine needs url and model "
                "(sources.yaml translate.llm or $DIGEST_LLM_URL / $DIGEST_LLM_MODEL)"
            )
        examples = ExampleIndex(db, settings.lang) if db is not None else None
        return LLMEngine(settings.llm, rules.g, fallback=rules, examples=examples)
    raise ConfigError(f"translate.engine: unknown engine '{name}' (expected rules or llm)")


def glossary_for(settings: TranslateSettings) -> Glossary:
    """The glossary and lexicon named in the settings (default: the shipped data/ files)."""
    return load_glossary(settings.glossary, settings.lexicon)


@dataclass
class Pipeline:
    """TM exact -> TM fuzzy -> engine, storing what it produced (unless save=False)."""

    db: Database
    engine: Translator
    glossary: Glossary
    lang: str = "ja"
    threshold: float = 90.0
    refresh: bool = False
    save: bool = True
    counts: dict[str, int] = field(default_factory=dict)

    def translate_month(self, month: str) -> list[Result]:
        """Fill the TM for the ChangeLog entries and commit subjects of the month's releases."""
        return self.translate(store.month_lines(self.db, month))

    def translate(self, lines: list[str]) -> list[Result]:
        """Translate lines in order; identical lines are translated once."""
        from digest.translate.rules import component_lead_in

        tm = TranslationMemory(
            self.db,
            self.glossary.finder,
            lang=self.lang,
            threshold=self.threshold,
            lead_in=lambda components: component_lead_in(self.glossary, components),
        )
        raw: dict[str, str] = {}  # the engine sees the line as written (code spans kept)
        for line in lines:
            if line.strip():
                raw.setdefault(clean(line), line.strip())
        sources = list(raw)
        stored = tm.exact(sources)
        found: dict[str, Result] = {}
        todo: list[str] = []
        for source in sources:
            hit = self._usable(stored.get(tm_key(source)))
            result = hit and Result(source, hit["text"], hit["origin"], hit["state"])
            result = result or tm.fuzzy(source)
            if result is None:
                todo.append(source)
            else:
                self._count("memory" if result.origin == "memory" else "stored")
                found[source] = result
        new = [r for r in found.values() if r.origin == "memory"]
        for source, draft in zip(todo, self.engine.translate([raw[s] for s in todo]), strict=True):
            found[source] = Result(source, draft.text, draft.origin, draft.state)
            self._count(draft.origin)
            new.append(found[source])
        if self.save and new:
            tm.save(new)
        return [found[clean(line)] for line in lines if line.strip()]

    def _usable(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        if row is None:
            return None
        if row["origin"] in {"human", "memory"} or row["state"] == "approved":
            return row  # an engine's needs_review line is redone like a machine one
        if self.refresh:
            return None
        return row if row["origin"] in {self.engine.name, "llm"} else None

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def summary(self) -> str:
        """One line: how many lines came from where."""
        order = ["stored", "memory", "rules", "llm"]
        parts = [f"{self.counts.get(k, 0)} {k}" for k in order if self.counts.get(k)]
        return ", ".join(parts) or "nothing to translate"
