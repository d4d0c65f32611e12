"""The glossary (terms, keep-English words, names) and the verb lexicon, loaded from data/*.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.resources import DATA_DIR, read_mapping
from digest.translate.tokens import TokenFinder

GLOSSARY_FILE = DATA_DIR / "glossary.ja.yaml"
LEXICON_FILE = DATA_DIR / "lexicon.ja.yaml"
_IRREGULAR_PLURALS = {"indices": "index", "children": "child", "statuses": "status"}


@dataclass(frozen=True)
class Verb:
    """One lexicon verb: its Japanese dictionary form and how it combines."""

    lemma: str
    ja: str
    done: bool = False
    obj: str = "を"
    prep: dict[str, str] = field(default_factory=dict)
    ichidan: bool = False
    passive: str = ""  # an intransitive used for the passive (find -> 見つかる), godan
    by_object: dict[str, str] = field(default_factory=dict)  # raise an error -> 発生させる


@dataclass(frozen=True)
class Glossary:
    """Everything the rules engine and the LLM prompt know about changelog vocabulary."""

    keep: dict[str, str]
    terms: dict[str, str]
    adjectives: dict[str, str]
    names: frozenset[str]
    alternations: frozenset[str]
    components: dict[str, str]
    verbs: dict[str, Verb]
    verb_forms: dict[str, tuple[str, str]]
    patterns: dict[str, str]
    adverbs: dict[str, str]
    prepositions: dict[str, dict[str, str]]
    subordinators: dict[str, dict[str, str]]
    max_term_words: int
    senses: dict[str, tuple[str, tuple[tuple[str, frozenset[str]], ...]]] = field(
        default_factory=dict
    )
    _nouns: dict[tuple[str, ...], str | None] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @property
    def finder(self) -> TokenFinder:
        """The protected-token finder that knows this glossary's names."""
        return _finder(self.names, self.alternations)

    def noun(self, words: list[str]) -> str | None:
        """Japanese (or kept English) for a term given as lowercase words, trying singulars."""
        key = tuple(words)
        if key not in self._nouns:
            self._nouns[key] = self._noun(words)
        return self._nouns[key]

    def _noun(self, words: list[str]) -> str | None:
        for candidate in _singular_variants(words):
            key = " ".join(candidate)
            if key in self.keep:
                return self.keep[key]
            if key in self.terms:
                return self.terms[key]
        return None

    def phrasal(self, word: str, particle: str) -> tuple[Verb, str] | None:
        """'times out' -> (time out, s): a phrasal verb whose first word is no verb alone."""
        for form, head in _heads(word):
            found = self.verbs.get(f"{head} {particle}")
            if found is not None:
                return Verb(head, found.ja), form
        return None

    def sense(self, word: str, cues: frozenset[str]) -> str | None:
        """The Japanese of a word whose sense depends on cue words in the line, if it has one."""
        found = self.senses.get(word)
        if found is None:
            return None
        default, choices = found
        for ja, words in choices:
            if any(
                c in cues or (c.endswith("_") and any(w.startswith(c) for w in cues)) for c in words
            ):
                return ja
        return default

    def verb(self, word: str) -> tuple[Verb, str] | None:
        """The lexicon verb of an inflected word and its form (base, s, ed, ing)."""
        found = self.verb_forms.get(word.lower())
        if found is None:
            return None
        lemma, form = found
        return self.verbs[lemma], form

    def prompt_terms(self) -> list[tuple[str, str]]:
        """Glossary pairs for an LLM prompt: keep-English terms first, then translations."""
        return [*self.keep.items(), *self.terms.items()]


def _heads(word: str) -> list[tuple[str, str]]:
    """Possible (form, base) readings of an inflected word ('times' -> s of 'time')."""
    out = [("base", word)]
    for suffix, form, repl in (
        ("ies", "s", "y"),
        ("es", "s", ""),
        ("s", "s", ""),
        ("ed", "ed", ""),
        ("ed", "ed", "e"),
        ("ing", "ing", ""),
        ("ing", "ing", "e"),
    ):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            out.append((form, word[: -len(suffix)] + repl))
    return out


@cache
def _finder(names: frozenset[str], alternations: frozenset[str]) -> TokenFinder:
    return TokenFinder(names, alternations)


def _singular_variants(words: list[str]) -> list[list[str]]:
    last = words[-1]
    variants = [words]
    for singular in _singulars(last):
        variants.append([*words[:-1], singular])
    return variants


def _singulars(word: str) -> list[str]:
    if word in _IRREGULAR_PLURALS:
        return [_IRREGULAR_PLURALS[word]]
    out = []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if re.search(r"(ss|sh|ch|x|s)es$", word):
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        out.append(word[:-1])
    return out


def load_glossary(glossary: Path | None = None, lexicon: Path | None = None) -> Glossary:
    """Read and validate the glossary and lexicon files (defaults: the shipped data/)."""
    return _load(glossary or GLOSSARY_FILE, lexicon or LEXICON_FILE)


@cache
def _load(glossary_path: Path, lexicon_path: Path) -> Glossary:
    g = read_mapping(glossary_path)
    lx = read_mapping(lexicon_path)
    verbs = {
        lemma: _verb(lemma, spec, lexicon_path)
        for lemma, spec in _section(lx, "verbs", lexicon_path).items()
    }
    terms = {k.lower(): str(v) for k, v in _section(g, "terms", glossary_path).items()}
    keep = {k.lower(): str(v) for k, v in _section(g, "keep", glossary_path).items()}
    longest = max(len(k.split()) for k in [*terms, *keep, "x"])
    return Glossary(
        keep=keep,
        terms=terms,
        adjectives={k.lower(): str(v) for k, v in _section(g, "adjectives", glossary_path).items()},
        names=frozenset(str(n) for n in g.get("names") or []),
        alternations=frozenset(str(a).lower() for a in g.get("alternations") or []),
        components={k.lower(): str(v) for k, v in _section(g, "components", glossary_path).items()},
        verbs=verbs,
        verb_forms=_verb_forms(verbs, lx, lexicon_path),
        patterns={k: str(v) for k, v in _section(lx, "patterns", lexicon_path).items()},
        adverbs={k: str(v) for k, v in _section(lx, "adverbs", lexicon_path).items()},
        prepositions=_section(lx, "prepositions", lexicon_path),
        subordinators=_section(lx, "subordinators", lexicon_path),
        max_term_words=longest,
        senses=_senses(_section(g, "senses", glossary_path), glossary_path),
    )


def _senses(
    data: dict[str, Any], path: Path
) -> dict[str, tuple[str, tuple[tuple[str, frozenset[str]], ...]]]:
    out = {}
    for word, spec in data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("default"), str):
            raise ConfigError(f"{path}: senses.{word}: needs a 'default' string")
        cues = spec.get("cues") or {}
        choices = tuple(
            (str(ja), frozenset(str(c).lower() for c in words)) for ja, words in cues.items()
        )
        out[str(word).lower()] = (spec["default"], choices)
    return out


def with_terms(g: Glossary, extra: dict[str, str]) -> Glossary:
    """The glossary with approved TM terms added (existing entries win)."""
    if not extra:
        return g
    terms = {**{k.lower(): v for k, v in extra.items()}, **g.terms}
    longest = max(g.max_term_words, *(len(k.split()) for k in terms))
    return replace(g, terms=terms, max_term_words=longest)


def _section(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {key}: must be a mapping")
    return value


def _verb(lemma: str, spec: Any, path: Path) -> Verb:
    if not isinstance(spec, dict) or not isinstance(spec.get("ja"), str):
        raise ConfigError(f"{path}: verbs.{lemma}: needs a 'ja' string")
    return Verb(
        lemma=lemma,
        ja=spec["ja"],
        done=bool(spec.get("done", False)),
        obj=str(spec.get("obj", "を")),
        prep={str(k): str(v) for k, v in (spec.get("prep") or {}).items()},
        ichidan=bool(spec.get("ichidan", False)),
        passive=str(spec.get("passive", "")),
        by_object={str(k): str(v) for k, v in (spec.get("by_object") or {}).items()},
    )


def _verb_forms(
    verbs: dict[str, Verb], lexicon: dict[str, Any], path: Path
) -> dict[str, tuple[str, str]]:
    forms: dict[str, tuple[str, str]] = {}
    for lemma in verbs:
        if " " in lemma:
            continue
        for form, word in _regular_forms(lemma):
            forms.setdefault(word, (lemma, form))
        spec = _section(lexicon, "verbs", path)[lemma]
        for word in spec.get("forms") or []:
            form = "ing" if str(word).endswith("ing") else "ed"
            forms[str(word)] = (lemma, form)
    for lemma in verbs:
        forms[lemma] = (lemma, "base")
    return forms


def _regular_forms(lemma: str) -> list[tuple[str, str]]:
    stem_e = lemma[:-1] if lemma.endswith("e") and not lemma.endswith("ee") else lemma
    third = lemma + "es" if re.search(r"(s|sh|ch|x|z|o)$", lemma) else lemma + "s"
    if re.search(r"[^aeiou]y$", lemma):
        third, past = lemma[:-1] + "ies", lemma[:-1] + "ied"
    else:
        past = stem_e + "ed"
    out = [("s", third), ("ed", past), ("ing", stem_e + "ing")]
    if re.search(r"[^aeiou][aeiou][bdglmnprt]$", lemma) and len(lemma) <= 6:
        double = lemma + lemma[-1]
        out += [("ed", double + "ed"), ("ing", double + "ing")]
    if lemma.endswith("l"):
        out += [("ed", lemma + "led"), ("ing", lemma + "ling")]
    return out
