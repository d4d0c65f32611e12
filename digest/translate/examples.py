"""Few-shot examples for the llm engine: the reviewed TM pairs most similar to a line."""

from __future__ import annotations

from rapidfuzz import fuzz, process
from sqlite_utils import Database

from digest import store
from digest.translate.lines import tm_key

K = 3
MAX_PER_BATCH = 8
MIN_SCORE = 40.0


class ExampleIndex:
    """Human or approved TM pairs, searched by token-set similarity of normalised sources."""

    def __init__(self, db: Database, lang: str = "ja", k: int = K) -> None:
        self.rows = store.reviewed_translations(db, lang)
        self.keys = [row["source_norm"] for row in self.rows]
        self.k = k

    def similar(self, line: str) -> list[tuple[str, str]]:
        """The k most similar (English, Japanese) pairs, best first; never the line itself."""
        key = tm_key(line)
        hits = process.extract(
            key, self.keys, scorer=fuzz.token_set_ratio, score_cutoff=MIN_SCORE, limit=self.k + 1
        )
        pairs = [(self.rows[i]["source"], self.rows[i]["text"]) for _, _, i in hits]
        return [(en, ja) for en, ja in pairs if tm_key(en) != key][: self.k]

    def for_batch(self, lines: list[str]) -> list[tuple[str, str]]:
        """Examples for a batch: each line's nearest pairs, deduplicated, at most eight."""
        out: dict[str, str] = {}
        for line in lines:
            for en, ja in self.similar(line):
                out.setdefault(en, ja)
        return list(out.items())[:MAX_PER_BATCH]
