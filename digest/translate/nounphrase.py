"""Noun phrases of changelog English: token helpers, units, premodifiers and postmodifiers.

NounPhraseParser is the first half of the recursive-descent parser; Parser
(digest/translate/parse.py) adds verb phrases, adjuncts and clauses, which noun phrases use in
turn (relative clauses, participles).
"""

from __future__ import annotations

from digest.translate.glossary import Glossary, Verb
from digest.translate.syntax import (
    AUX,
    C_QUALIFIERS,
    COMPARISONS,
    CONJUNCTIONS,
    CONTRACTIONS,
    DEFECT_NOUNS,
    DETERMINERS,
    NOT_VERBS,
    NP,
    NP_PREPS,
    NP_SUFFIXES,
    PRONOUNS,
    QUANTIFIERS,
    RELATIVES,
    SYMBOLS,
    TO_NOUN_VERBS,
    VP,
    Clause,
    Mod,
    Unit,
)
from digest.translate.tokens import Token, english


class NounPhraseParser:
    """Recursive-descent parser over one body's tokens; never raises, reports what it used."""

    def __init__(self, tokens: list[Token], glossary: Glossary) -> None:
        self.toks = tokens
        self.g = glossary
        self.i = 0
        self._lows = [t.text.lower() for t in tokens]
        self._words = [
            w if t.kind == "word" else "" for w, t in zip(self._lows, tokens, strict=True)
        ]
        self._multi: dict[tuple[int, int], str | None] = {}
        self._stop_adj = False
        self.noun_line = False  # set when the whole line is parsed as a noun phrase

    # -- token helpers -------------------------------------------------------------------

    def low(self, offset: int = 0) -> str:
        """Lowercased text of the token at i+offset ('' past the end)."""
        j = self.i + offset
        return self._lows[j] if 0 <= j < len(self._lows) else ""

    def tok(self, offset: int = 0) -> Token | None:
        """The token at i+offset, if any."""
        j = self.i + offset
        return self.toks[j] if 0 <= j < len(self.toks) else None

    def at_end(self) -> bool:
        """True when every token was consumed."""
        return self.i >= len(self.toks)

    def is_word(self, offset: int = 0) -> bool:
        """True for a plain (not protected) word."""
        j = self.i + offset
        return 0 <= j < len(self._words) and bool(self._words[j])

    def verb_at(self, offset: int = 0) -> tuple[Verb, str] | None:
        """The lexicon verb at a position, if the token is a plain word that is one."""
        if not self.is_word(offset):
            return None
        if self.multi_at(offset) in NOT_VERBS:
            return None
        found = self.g.verb(self.low(offset))
        if found is None and self.is_word(offset + 1):
            return self.g.phrasal(self.low(offset), self.low(offset + 1))
        return found

    def multi_at(self, offset: int) -> str:
        """The two words from a position, joined ('close to')."""
        return f"{self.low(offset)} {self.low(offset + 1)}"

    def is_noun(self, word: str) -> bool:
        """True when the glossary knows a word as a noun or kept term."""
        return self.g.noun([word]) is not None

    def multi(self, table: dict[str, object]) -> str | None:
        """Longest multi-word key of table starting here (e.g. 'due to', 'even if')."""
        cache_key = (self.i, id(table))
        if cache_key not in self._multi:
            self._multi[cache_key] = self._longest(table)
        return self._multi[cache_key]

    def _longest(self, table: dict[str, object]) -> str | None:
        for n in (3, 2, 1):
            words = self._words[self.i : self.i + n] if self.i >= 0 else []
            if len(words) == n and all(words):
                key = " ".join(words)
                if key in table:
                    return key
        return None

    def starts_np(self, offset: int = 0) -> bool:
        """Can a noun phrase start here?"""
        t = self.tok(offset)
        if t is None:
            return False
        if t.kind == "id":
            return True
        if t.kind == "punct":
            return t.text in {"(", '"', "'"} or t.text in SYMBOLS
        word = t.text.lower()
        if word in DETERMINERS or word in self.g.adjectives:
            return True
        if word in AUX or word in CONJUNCTIONS or word in RELATIVES or word in CONTRACTIONS:
            return False
        if word in self.g.prepositions or word in self.g.subordinators or word == "to":
            return False
        if self._multi_at(offset):
            return False
        return not (word in self.g.adverbs and not self.is_noun(word))

    def _multi_at(self, offset: int) -> bool:
        """A multi-word preposition or subordinator starts at that offset ('due to X')."""
        here = self.i
        self.i += offset
        try:
            return bool(self.multi(self.g.prepositions) or self.multi(self.g.subordinators))
        finally:
            self.i = here

    # -- noun phrases --------------------------------------------------------------------

    def np(self, verb: Verb | None = None, loose: bool = False) -> NP | None:
        """Parse coordinated noun phrase units (loose: every preposition attaches)."""
        unit = self.unit(verb, loose)
        if unit is None:
            return None
        phrase = NP([unit])
        while self.low() in {"and", "or", ","} and self._np_continues():
            conj = self.low()
            self.i += 1
            if conj == "," and self.low() in {"and", "or"}:
                conj = self.low()
                self.i += 1
            nxt = self.unit(verb, loose)
            if nxt is None:
                self.i -= 1
                break
            phrase.units.append(nxt)
            phrase.conjs.append(conj)
        return phrase

    def _np_continues(self) -> bool:
        k = 2 if self.low(1) in {"and", "or"} and self.low() == "," else 1
        if not self.starts_np(k) or self.low(k) in PRONOUNS:
            return False
        found = self.verb_at(k)
        if found is None:
            return True
        verb, form = found
        if form in {"ing", "ed"}:
            return verb.lemma in self.g.adjectives or self.low(k) in self.g.adjectives
        if self.low(k + 1) in DETERMINERS:
            return False
        return self.is_noun(self.low(k))

    def unit(self, verb: Verb | None, loose: bool = False) -> Unit | None:
        """Parse premodifiers + head, then postmodifiers."""
        words: list[Token] = []
        while (t := self.tok()) is not None:
            if t.text == "(" and words and self._paren_inside():
                words.append(Token(english(self.paren().toks), "id"))
                continue
            if not self._unit_word(t, words):
                break
            if t.text.lower() not in DETERMINERS:
                words.append(t)
            self.i += 1
        if not words:
            return None
        unit = Unit(words)
        if not (len(words) == 1 and words[0].text.lower() in self.g.adjectives):
            self.postmods(unit, verb, loose)
        return unit

    def _unit_word(self, t: Token, words: list[Token]) -> bool:
        if self._stop_adj and words and t.text in C_QUALIFIERS and self._ends_phrase(1):
            return False  # 'make X const': the qualifier X ends up with
        if t.kind == "id":
            return True
        if t.kind == "punct":
            nxt = self.tok(1)
            if not words and t.text in COMPARISONS:
                return nxt is not None and nxt.kind == "id"  # 'to >= 3.10'
            return t.text in SYMBOLS and bool(words) and (nxt is not None or t.text == "*")
        word = t.text.lower()
        if word in DETERMINERS:
            return not words
        if word in NP_SUFFIXES and words:
            return False
        if word == "no" and self.low(1) == "longer":
            return False
        if not self.starts_np():
            return False
        if self._stop_adj and words and word in self.g.adjectives and not self._adj_then_noun():
            return False
        if words and self.tok(1) is None and word in self.g.adjectives:
            found = self.verb_at()
            if found is not None and found[1] == "ed":
                return False  # 'Memory leak fixed': a headline verb, not 'fixed' (固定の)
        found = self.verb_at()
        if found is None or (not words and word in self.g.adjectives):
            return True
        _verb, form = found
        if words and self.g.verb(word) is None:
            return False  # 'request times out': the first word of a phrasal verb
        if form == "base" and words and self.tok(1) is None:
            return True
        if form == "base" and words and self._followed_by_noun() and self.low(1) not in DETERMINERS:
            return True
        if form == "s" and words and self.low(1) in DETERMINERS | QUANTIFIERS:
            return False
        if form == "ing" and words and self._modifiers_only(words) and not self._followed_by_noun():
            return True
        if form in {"ing", "ed"}:
            if self.is_noun(word) and (words or self.verb_at(1) is not None):
                return True  # a noun too: 'when fencing fails'
            if not words and form == "ing" and not self.starts_np(1):
                return True
            return word in self.g.adjectives or self._followed_by_noun()
        return self.is_noun(word) or not words

    def _adj_then_noun(self) -> bool:
        """After a noun: do the adjectives here lead to another noun ('X more Y-ish' does not)?"""
        k = 0
        while self.is_word(k) and self.low(k) in self.g.adjectives:
            k += 1
        t = self.tok(k)
        return t is not None and (
            t.kind == "id" or (t.kind == "word" and self.is_noun(self.low(k)))
        )

    def _qualifier_last(self) -> bool:
        """'make the argument to f() const': the line ends with the qualifier given."""
        return bool(self.toks) and self.toks[-1].text in C_QUALIFIERS

    def _ends_phrase(self, offset: int) -> bool:
        """Nothing, or punctuation, at that offset."""
        t = self.tok(offset)
        return t is None or t.kind == "punct"

    def _modifiers_only(self, words: list[Token]) -> bool:
        """True when every word so far is an adjective ('cluster-wide' before 'throttling')."""
        return all(w.kind == "word" and w.text.lower() in self.g.adjectives for w in words)

    def _paren_inside(self) -> bool:
        start = self.i
        self.paren()
        inside = self.is_word() and self.starts_np() and self.verb_at() is None
        self.i = start
        return inside

    def _followed_by_noun(self) -> bool:
        t = self.tok(1)
        if t is None:
            return False
        if t.kind == "id":
            return True
        nxt = t.text.lower()
        return t.kind == "word" and (self.is_noun(nxt) or nxt in self.g.adjectives)

    def postmods(self, unit: Unit, verb: Verb | None, loose: bool = False) -> None:
        """Attach PPs, relative clauses, participles and parentheses to a unit."""
        while not self.at_end():
            start = self.i
            if self.low() in NP_SUFFIXES and self.is_word():
                unit.suffix += NP_SUFFIXES[self.low()]
                self.i += 1
                continue
            mod = self._while_doing(unit) or self._using(unit) or self._postmod(verb, loose)
            if mod is None:
                self.i = start
                return
            unit.mods.append(mod)

    def _while_doing(self, unit: Unit) -> Mod | None:
        """'a crash displaying X': a defect noun, then what was being done when it happened."""
        head = unit.words[-1].text.lower() if unit.words and not unit.mods else ""
        found = self.verb_at()
        if head not in DEFECT_NOUNS or not found or found[1] != "ing" or not self.starts_np(1):
            return None
        vp = self.vp()
        return Mod("while", vp=vp) if vp else None

    def _using(self, unit: Unit) -> Mod | None:
        """'systems using IPv6': after a plural noun, 'using' says which (IPv6を使用するシステム);
        elsewhere it is how a thing was done ('start corosync using systemd')."""
        last = unit.words[-1] if unit.words and not unit.mods else None
        plural = last is not None and last.kind == "word" and last.text.endswith("s")
        if not plural or self.low() != "using" or not self.starts_np(1):
            return None
        vp = self.vp()
        return Mod("ing", vp=vp) if vp else None

    def _postmod(self, verb: Verb | None, loose: bool) -> Mod | None:
        if self.low() == "(":
            return self.paren()
        if self.low() == "to" and self._base_verb(1):
            return None
        adverb = self.multi(self.g.adverbs)
        if adverb and " " in adverb and self._ends_phrase(len(adverb.split())):
            return None  # 'run tests in parallel': the phrase is how, not which tests
        prep = self.multi(self.g.prepositions)
        attach = prep in NP_PREPS or (loose and prep not in self.g.subordinators)
        attach = attach or (prep == "to" and self.noun_line)  # 'conversion of X to Y'
        attach = attach or (prep == "to" and verb is not None and verb.lemma in TO_NOUN_VERBS)
        attach = attach or (prep in {"to", "of"} and self._stop_adj and self._qualifier_last())
        if prep and attach and not (verb and prep in verb.prep):
            if prep == "with" and self.tok(1) is not None and self.tok(1).kind == "id":
                return None
            if (
                self.verb_at(1)
                and self.verb_at(1)[1] == "ing"
                and self.low(1) not in (self.g.adjectives)
                and not (self.noun_line and self.i > 0 and prep == "for")
            ):
                return None  # 'X for V-ing' belongs to the verb, but in a noun line to X
            return self.pp(prep)
        if self.low() in RELATIVES and self.is_word():
            self.i += 1
            clause = self.clause(subject=False)
            return Mod("rel", clause=clause) if clause else None
        found = self.verb_at()
        if found and found[1] == "ing" and self._participle_follows():
            vp = self.vp()
            return Mod("ing", vp=vp) if vp else None
        if found and found[1] == "ed" and not self._followed_by_noun():
            vp = VP(found[0], form="ed", passive=True)
            self.i += 1
            self.adjuncts(vp, stop_subordinate=True)
            return Mod("part", vp=vp)
        return None

    def _participle_follows(self) -> bool:
        """'X flipping to Y': an -ing verb after a noun, then a preposition or the end."""
        nxt = self.low(1)
        if self.low() in self.g.adjectives or self.is_noun(self.low()):
            return False
        return nxt == "" or nxt in self.g.prepositions or nxt in {'"', "'"}

    def _base_verb(self, offset: int) -> bool:
        found = self.verb_at(offset)
        return found is not None and found[1] == "base" and self.low(offset + 1) != "of"

    def paren(self) -> Mod:
        """Collect a parenthesis verbatim."""
        toks, depth = [], 0
        while (t := self.tok()) is not None:
            toks.append(t)
            self.i += 1
            depth += {"(": 1, ")": -1}.get(t.text, 0) if t.kind == "punct" else 0
            if depth <= 0:
                break
        return Mod("paren", toks=toks)

    def pp(self, prep: str) -> Mod | None:
        """Preposition + noun phrase (or gerund phrase)."""
        start = self.i
        self.i += len(prep.split())
        found = self.verb_at()
        if found and found[1] == "ing" and self.low() not in self.g.adjectives:
            vp = self.vp()
            if vp:
                return Mod("pp", prep=prep, vp=vp)
        phrase = self.np()
        if phrase is None:
            self.i = start
            return None
        mod = Mod("pp", prep=prep, np=phrase)
        if (
            prep == "for"
            and self.low() == "to"
            and self.verb_at(1)
            and self.verb_at(1)[1] == "base"
        ):
            self.i += 1
            mod.vp = self.vp()
        return mod

    # -- defined by the verb-phrase parser (digest/translate/parse.py) ---------------------

    def vp(self) -> VP | None:
        """An imperative verb phrase (Parser)."""
        raise NotImplementedError

    def clause(self, subject: bool) -> Clause | None:
        """A clause (Parser)."""
        raise NotImplementedError

    def adjuncts(self, vp: VP, stop_subordinate: bool = False) -> None:
        """Adjuncts of a verb phrase (Parser)."""
        raise NotImplementedError
