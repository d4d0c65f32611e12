"""Term and phrase translations aligned from the editors' (English line, Japanese) pairs.

For every reviewed TM pair, the English side gives candidate terms (runs of one to three content
words the glossary does not know yet) and the Japanese side gives chunks (runs of kanji and
katakana) that neither the lead-in nor a known word's translation explains. Across all pairs a
term is aligned with the chunk it co-occurs with most (Dice coefficient as the tie-break); a pair
with one unknown term and one unexplained chunk aligns them directly. Results are stored as
glossary candidates with a count and an example; approved ones feed the rules engine.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from digest import store
from digest.errors import ParseError
from digest.translate.confidence import FUNCTION_WORDS, known_word
from digest.translate.glossary import Glossary, load_glossary
from digest.translate.lines import clean, split_line
from digest.translate.memory import TranslationMemory

_CHUNK = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff々]{2,}")
MAX_WORDS = 3
MIN_DICE = 0.5


@dataclass(frozen=True)
class TermCandidate:
    """A term the editors translated one way, how often, and one example."""

    term: str
    ja: str
    count: int
    state: str
    example_source: str
    example_text: str


def learn_pairs(
    db: Database, pairs: Iterable[tuple[str, str]], lang: str = "ja", g: Glossary | None = None
) -> int:
    """Store editor pairs as approved TM rows, then re-align term candidates; returns terms."""
    g = g or load_glossary()
    TranslationMemory(db, g.finder, lang=lang).learn(pairs)
    return realign(db, lang, g)


def realign(db: Database, lang: str = "ja", g: Glossary | None = None) -> int:
    """Recompute every term candidate from the reviewed TM rows; returns candidates stored."""
    g = g or load_glossary()
    rows = store.reviewed_translations(db, lang)
    found = align([(row["source"], row["text"]) for row in rows], g)
    store.clear_term_counts(db, lang)
    store.save_term_counts(db, lang, found)
    return len({(term, ja) for term, ja, _, _ in found})


def term_candidates(db: Database, lang: str = "ja", min_count: int = 1) -> list[TermCandidate]:
    """Stored candidates (and approved terms), most frequent first."""
    return [
        TermCandidate(
            r["term"], r["ja"], r["count"], r["state"], r["example_source"], r["example_text"]
        )
        for r in store.term_rows(db, lang, min_count)
    ]


def approve_terms(db: Database, terms: Iterable[str], lang: str = "ja") -> int:
    """Approve each term's most frequent Japanese; returns how many were approved."""
    return sum(store.approve_term(db, term.lower(), lang) for term in terms)


def align(pairs: list[tuple[str, str]], g: Glossary) -> list[tuple[str, str, str, str]]:
    """One (term, Japanese, example source, example text) per aligned sighting."""
    sides = [(s, t, english_terms(s, g), japanese_chunks(s, t, g)) for s, t in pairs]
    en_count: Counter[str] = Counter()
    ja_count: Counter[str] = Counter()
    both: dict[str, Counter[str]] = defaultdict(Counter)
    for _s, _t, terms, chunks in sides:
        en_count.update(set(terms))
        ja_count.update(set(chunks))
        for term in set(terms):
            both[term].update(set(chunks))
    out = []
    for source, text, terms, chunks in sides:
        found = {t: _best(t, chunks, terms, en_count, ja_count, both) for t in dict.fromkeys(terms)}
        for term, ja in found.items():
            if ja and not _shadowed(term, ja, found, en_count):
                out.append((term, ja, source, text))
    return out


def _shadowed(term: str, ja: str, found: dict[str, str | None], seen: Counter[str]) -> bool:
    """True when an overlapping term of the line got the same Japanese and wins: the longer one
    ('pull request' over 'pull') unless the shorter is seen more often ('frobnicator' over
    'frobnicator option')."""
    for other, other_ja in found.items():
        if other == term or other_ja != ja:
            continue
        if f" {term} " in f" {other} " and seen[other] >= seen[term]:
            return True
        if f" {other} " in f" {term} " and seen[other] > seen[term]:
            return True
    return False


def _best(
    term: str,
    chunks: list[str],
    terms: list[str],
    en_count: Counter[str],
    ja_count: Counter[str],
    both: dict[str, Counter[str]],
) -> str | None:
    if not chunks:
        return None
    if len(chunks) == 1 and len(_maximal(terms)) == 1 and term in _maximal(terms):
        return chunks[0]
    scored = [
        (both[term][c], 2 * both[term][c] / (en_count[term] + ja_count[c]), c) for c in chunks
    ]
    count, dice, chunk = max(scored)
    return chunk if count >= 2 and dice >= MIN_DICE else None


def _maximal(terms: list[str]) -> list[str]:
    return [t for t in terms if not any(t != o and f" {t} " in f" {o} " for o in terms)]


def english_terms(source: str, g: Glossary) -> list[str]:
    """Runs of one to three content words with at least one word the glossary lacks."""
    tokens = g.finder.tokenize(split_line(source).body)
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, None]:
        word = token.text.lower() if token is not None and token.kind == "word" else ""
        if (
            word
            and word not in FUNCTION_WORDS
            and g.verb(word) is None
            and not _functional(word, g)
        ):
            run.append(word)
            continue
        out += _ngrams(run, g)
        run = []
    return out


def _functional(word: str, g: Glossary) -> bool:
    return word in g.adverbs or word in g.prepositions or word in g.subordinators


def _ngrams(run: list[str], g: Glossary) -> list[str]:
    out = []
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(run) - n + 1):
            span = run[i : i + n]
            if g.noun(span) is None and any(not known_word(w, g) for w in span):
                out.append(" ".join(span))
    return out


def japanese_chunks(source: str, text: str, g: Glossary) -> list[str]:
    """Kanji/katakana runs of the Japanese not explained by the lead-in or known words."""
    parts = split_line(source)
    known = _known_japanese(g)
    labels = {g.components.get(c.lower(), c) for c in parts.components}
    chunks = []
    for chunk in _CHUNK.findall(clean(text)):
        if chunk in labels or any(chunk in label for label in labels):
            continue
        if chunk in known or _covered(chunk, known):
            continue
        chunks.append(chunk)
    return list(dict.fromkeys(chunks))


def _covered(chunk: str, known: frozenset[str]) -> bool:
    """True when the chunk is a concatenation of known Japanese pieces."""
    ok = [True] + [False] * len(chunk)
    for end in range(1, len(chunk) + 1):
        ok[end] = any(ok[start] and chunk[start:end] in known for start in range(end))
    return ok[-1]


_KNOWN: dict[int, frozenset[str]] = {}


def _known_japanese(g: Glossary) -> frozenset[str]:
    """Kanji/katakana pieces of every translation the glossary and lexicon know."""
    if id(g) not in _KNOWN:
        _KNOWN[id(g)] = _pieces(g)
    return _KNOWN[id(g)]


def _pieces(g: Glossary) -> frozenset[str]:
    pieces: set[str] = set()
    for value in [*g.terms.values(), *g.keep.values(), *g.adjectives.values()]:
        pieces.update(_CHUNK.findall(value))
    for verb in g.verbs.values():
        pieces.update(_CHUNK.findall(verb.ja.removesuffix("する")))
    for value in g.adverbs.values():
        pieces.update(_CHUNK.findall(value))
    pieces.update({"問題", "場合", "機能", "処理", "動作", "対応", "追加", "修正", "変更", "対象"})
    return frozenset(p for p in pieces if p)


def terms_report(
    db: Database, lang: str, approve: Iterable[str] = (), fmt: str = "table", min_count: int = 1
) -> str:
    """`digest tm terms`: approve the named terms, then list candidates as a table or JSON."""
    wanted = [t.lower() for t in approve]
    unknown = [t for t in wanted if not store.approve_term(db, t, lang)]
    if unknown:
        raise ParseError(f"tm terms: no candidate for {', '.join(unknown)} (see digest tm terms)")
    rows = term_candidates(db, lang, min_count)
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2)
    lines = [
        f"{r.state:<9} {r.count:>4}  {r.term} => {r.ja}    e.g. {r.example_source}" for r in rows
    ]
    approved = sum(r.state == "approved" for r in rows)
    return "\n".join([*lines, f"{len(rows)} terms, {approved} approved"])
