"""Translation memory: exact and fuzzy lookups over the `translations` table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz, process
from sqlite_utils import Database

from digest import store
from digest.translate.base import Result
from digest.translate.lines import clean, normalise
from digest.translate.tokens import TokenFinder


class TranslationMemory:
    """Lookups and writes for one target language; fuzzy hits only from reviewed rows."""

    def __init__(
        self, db: Database, finder: TokenFinder, *, lang: str = "ja", threshold: float = 90.0
    ) -> None:
        self.db = db
        self.finder = finder
        self.lang = lang
        self.threshold = threshold
        self._candidates: list[dict[str, Any]] | None = None

    def exact(self, lines: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Stored rows whose normalised source equals a line's, keyed by that key."""
        return store.get_translations(self.db, [normalise(line) for line in lines], self.lang)

    def fuzzy(self, line: str) -> Result | None:
        """The closest reviewed translation above the threshold, with the same identifiers."""
        candidates = self._reviewed()
        if not candidates:
            return None
        key = normalise(line)
        keys = [row["source_norm"] for row in candidates]
        tokens = sorted(self.finder.find(clean(line)))
        for _, _score, index in process.extract(
            key, keys, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=5
        ):
            row = candidates[index]
            if sorted(self.finder.find(row["source"])) == tokens:
                return Result(clean(line), row["text"], "memory", "needs_review")
        return None

    def match_info(self, line: str) -> tuple[str, float] | None:
        """Which reviewed source a fuzzy hit came from, and its score."""
        candidates = self._reviewed()
        keys = [row["source_norm"] for row in candidates]
        best = process.extractOne(normalise(line), keys, scorer=fuzz.ratio)
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
        self._candidates = None
        return store.save_translations(self.db, [self._row(r) for r in results if r.text])

    def _row(self, result: Result) -> dict[str, Any]:
        return {
            "source_norm": normalise(result.source),
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
