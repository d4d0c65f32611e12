"""Translation memory: exact and fuzzy lookups over the `translations` table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlite_utils import Database

from digest import store
from digest.translate.base import Result
from digest.translate.lines import clean, split_line, tm_key
from digest.translate.tokens import TokenFinder


@dataclass(frozen=True)
class Segment:
    """A reviewed TM row reduced to its body skeleton (identifiers as slots)."""

    skeleton: str
    slots: tuple[str, ...]
    tickets: tuple[str, ...]
    components: tuple[str, ...]
    text: str


class TranslationMemory:
    """Lookups and writes for one target language; fuzzy hits only from reviewed rows."""

    def __init__(
        self,
        db: Database,
        finder: TokenFinder,
        *,
        lang: str = "ja",
        threshold: float = 90.0,
        lead_in: Callable[[tuple[str, ...]], str] | None = None,
    ) -> None:
        self.db = db
        self.finder = finder
        self.lang = lang
        self.threshold = threshold
        self.lead_in = lead_in
        self._candidates: list[dict[str, Any]] | None = None
        self._segments: list[Segment] | None = None

    def exact(self, lines: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Stored rows whose normalised source equals a line's, keyed by that key."""
        return store.get_translations(self.db, [tm_key(line) for line in lines], self.lang)

    def fuzzy(self, line: str) -> Result | None:
        """The closest reviewed translation above the threshold, with the same identifiers."""
        candidates = self._reviewed()
        if not candidates:
            return None
        key = tm_key(line)
        keys = [row["source_norm"] for row in candidates]
        tokens = sorted(self.finder.find(clean(line)))
        for _, _score, index in process.extract(
            key, keys, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=5
        ):
            row = candidates[index]
            if sorted(self.finder.find(row["source"])) == tokens:
                return Result(clean(line), row["text"], "memory", "needs_review")
        return self.subsegment(line)

    def subsegment(self, line: str) -> Result | None:
        """A reviewed line with the same body up to identifiers, tickets and component prefix:
        its Japanese with the identifiers, tickets and lead-in swapped for this line's."""
        segments = self._segment_index()
        if not segments or self.lead_in is None:
            return None
        mine = self._segment(clean(line), "")
        keys = [s.skeleton for s in segments]
        for _, _score, index in process.extract(
            mine.skeleton, keys, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=5
        ):
            text = self._transfer(segments[index], mine)
            if text is not None:
                return Result(clean(line), text, "memory", "needs_review")
        return None

    def _transfer(self, old: Segment, new: Segment) -> str | None:
        if len(old.slots) != len(new.slots) or len(old.tickets) != len(new.tickets):
            return None
        assert self.lead_in is not None
        text, lead = old.text, self.lead_in(old.components)
        if not text.startswith(lead):
            return None
        text = self.lead_in(new.components) + text[len(lead) :]
        swaps = [
            *zip(old.slots, new.slots, strict=True),
            *zip(old.tickets, new.tickets, strict=True),
        ]
        for before, after in swaps:
            if before != after:
                if text.count(before) != 1:
                    return None
                text = text.replace(before, after)
        return text

    def _segment(self, source: str, text: str) -> Segment:
        parts = split_line(source)
        tokens = self.finder.tokenize(parts.full_body)
        slots = tuple(t.text for t in tokens if t.protected)
        skeleton = " ".join("\x00" if t.protected else t.text.lower() for t in tokens)
        return Segment(skeleton, slots, parts.tickets, parts.components, text)

    def _segment_index(self) -> list[Segment]:
        if self._segments is None:
            self._segments = [self._segment(r["source"], r["text"]) for r in self._reviewed()]
        return self._segments

    def match_info(self, line: str) -> tuple[str, float] | None:
        """Which reviewed source a fuzzy hit came from, and its score."""
        candidates = self._reviewed()
        keys = [row["source_norm"] for row in candidates]
        best = process.extractOne(tm_key(line), keys, scorer=fuzz.ratio)
        return (candidates[best[2]]["source"], float(best[1])) if best else None

    def save(self, results: Iterable[Result]) -> int:
        """Store pipeline results (approved rows are never overwritten by machine text)."""
        rows = []
        for result in results:
            row = self._row(result)
            if result.origin == "memory":
                info = self.match_info(result.source)
                if info:
                    row["match_source"], row["score"] = info
            rows.append(row)
        return store.save_translations(self.db, rows)

    def learn(self, pairs: Iterable[tuple[str, str]], *, origin: str = "human") -> int:
        """Store editor-written pairs as approved; returns rows changed."""
        results = [Result(clean(s), t, origin, "approved") for s, t in pairs if s.strip()]
        self._candidates = self._segments = None
        return store.save_translations(self.db, [self._row(r) for r in results if r.text])

    def _row(self, result: Result) -> dict[str, Any]:
        return {
            "source_norm": tm_key(result.source),
            "lang": self.lang,
            "source": result.source,
            "text": result.text,
            "origin": result.origin,
            "state": result.state,
        }

    def _reviewed(self) -> list[dict[str, Any]]:
        if self._candidates is None:
            self._candidates = store.reviewed_translations(self.db, self.lang)
        return self._candidates
