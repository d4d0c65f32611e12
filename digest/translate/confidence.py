"""How sure the rules engine is of a line: words it knows, words it would have to guess."""

from __future__ import annotations

from digest.translate.glossary import Glossary
from digest.translate.syntax import (
    AUX,
    CLASSIFIERS,
    CONJUNCTIONS,
    CONTRACTIONS,
    DETERMINERS,
    NP_SUFFIXES,
    PRONOUNS,
    RELATIVES,
    lemma_in,
)
from digest.translate.tokens import Token

FUNCTION_WORDS = (
    DETERMINERS
    | PRONOUNS
    | RELATIVES
    | CONJUNCTIONS
    | AUX
    | set(CONTRACTIONS)
    | set(NP_SUFFIXES)
    | {"to", "not", "no", "order", "so", "that", "a", "an", "any", "all", "some", "each", "every"}
    | {"if", "when", "than", "more", "most", "such", "there", "here", "also", "yet", "etc"}
    | {"up", "down", "off", "out", "sure", "longer", "there's", "then", "just", "ever", "now"}
    | {"rid"}
)


def known_word(word: str, g: Glossary) -> bool:
    """True when the lexicon or glossary has the word (any role)."""
    low = word.lower()
    if low in FUNCTION_WORDS or low in g.adjectives or low in g.adverbs:
        return True
    if g.verb(low) is not None or g.noun([low]) is not None:
        return True
    return any(low in key.split() for key in (*g.prepositions, *g.subordinators))


def unknown_words(tokens: list[Token], g: Glossary) -> list[str]:
    """Plain words neither the lexicon nor the glossary knows, outside multi-word terms."""
    out: list[str] = []
    words = [t.text.lower() if t.kind == "word" else "" for t in tokens]
    i = 0
    while i < len(words):
        used = _term_at(words, i, g)
        if used:
            i += used
            continue
        name = 0 < i < len(words) - 1 and _name_before_classifier(words[i], words[i + 1])
        if words[i] and not known_word(words[i], g) and not _slashed(words[i], g) and not name:
            out.append(tokens[i].text)
        i += 1
    return out


def _name_before_classifier(word: str, after: str) -> bool:
    """'colonptr variable', 'pghost parameter': an unknown word before a classifier is a name,
    unless it is shaped like an English adjective or verb ('incomplete', 'unchanged')."""
    return lemma_in(after, CLASSIFIERS) and not word.endswith(_ENGLISH_ENDINGS)


_ENGLISH_ENDINGS = (
    "ed", "ing", "able", "ible", "al", "ive", "ous", "ful", "less", "er", "est", "ly", "ize",
    "ise", "ent", "ant", "ic", "ete", "ust", "ow",
)  # fmt: skip


def _term_at(words: list[str], i: int, g: Glossary) -> int:
    for n in range(min(g.max_term_words, len(words) - i), 1, -1):
        span = words[i : i + n]
        if all(span) and g.noun(span) is not None:
            return n
    return 0


def _slashed(word: str, g: Glossary) -> bool:
    return "/" in word and all(known_word(w, g) for w in word.split("/") if w)
