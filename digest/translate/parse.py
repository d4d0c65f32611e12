"""A small parser for changelog English: imperative verb phrases, clauses and noun phrases."""

from __future__ import annotations

from dataclasses import dataclass, field

from digest.translate.glossary import Glossary, Verb
from digest.translate.tokens import Token, english

DETERMINERS = {"a", "an", "the", "this", "these", "those", "its", "their", "our", "his", "her"}
PRONOUNS = {"we", "it", "they", "i", "you", "he", "she", "us", "them", "itself", "themselves"}
RELATIVES = {"that", "which", "who", "whose"}
CONJUNCTIONS = {"and", "or", "but", "nor"}
AUX = {
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do",
    "does", "did", "can", "could", "should", "will", "would", "may", "might", "must", "shall",
}  # fmt: skip
CONTRACTIONS = {
    "don't": "do", "doesn't": "does", "didn't": "did", "isn't": "is", "aren't": "are",
    "wasn't": "was", "weren't": "were", "can't": "can", "cannot": "can", "won't": "will",
    "shouldn't": "should", "haven't": "have", "hasn't": "has", "wouldn't": "would",
    "couldn't": "could", "mustn't": "must", "dont": "do", "doesnt": "does", "didnt": "did",
    "isnt": "is", "cant": "can", "wont": "will",
}  # fmt: skip
NEGATORS = {"not", "never", "no longer"}
CREATION_VERBS = {"add", "implement", "introduce", "provide", "create", "support", "use"}
NP_PREPS = {"of", "for", "in", "with", "between", "per", "about", "within", "without", "like"}
NP_SUFFIXES = {"onward": "以降", "onwards": "以降", "alone": "だけ", "only": "のみ"}
OBJECT_INFINITIVE = {
    "allow",
    "cause",
    "let",
    "make",
    "force",
    "tell",
    "ask",
    "instruct",
    "have",
    "get",
}
ASK_VERBS = {"check", "verify", "test", "see", "determine", "detect", "ask", "know", "query"}
COMPARISONS = {">=", "<=", ">", "<", "==", "!="}
MODALS = {"might", "may", "could", "would", "should", "must", "shall"}
QUANTIFIERS = {"all", "any", "no", "some", "every", "each", "both", "several", "multiple"}
NOT_VERBS = {"close to"}  # word senses: "is close to expiration" is not the verb close
SYMBOLS = {
    "->",
    "=>",
    "<-",
    "==",
    "!=",
    "&&",
    "||",
    "::",
    "<",
    ">",
    "=",
    "<=",
    ">=",
    "+",
    "*",
    "&",
    "'",
    '"',
    "/",
    "%",
    "#",
    "|",
    "~",
    "@",
    "^",
}


@dataclass
class NP:
    """Noun phrase: coordinated units ("X and Y")."""

    units: list[Unit]
    conjs: list[str] = field(default_factory=list)


@dataclass
class Unit:
    """Premodifiers + head words and the postmodifiers after them."""

    words: list[Token]
    mods: list[Mod] = field(default_factory=list)
    suffix: str = ""


@dataclass
class Mod:
    """A postmodifier or adjunct: pp, rel, part, sub, purpose, inf, paren."""

    kind: str
    prep: str = ""
    np: NP | None = None
    vp: VP | None = None
    clause: Clause | None = None
    toks: list[Token] = field(default_factory=list)


@dataclass
class VP:
    """Verb phrase with its object, adjuncts and coordinated verb phrases."""

    verb: Verb
    form: str = "base"
    neg: bool = False
    passive: bool = False
    advs: list[str] = field(default_factory=list)
    obj: NP | None = None
    comp: Clause | None = None
    inf: VP | None = None
    obj_inf: VP | None = None
    mods: list[Mod] = field(default_factory=list)
    coord: list[VP] = field(default_factory=list)
    wh: str = ""
    result: str = ""


@dataclass
class Clause:
    """Subject + verb phrase, or subject + be + predicate (adjective or noun phrase)."""

    subj: NP | None
    vp: VP | None = None
    pred: NP | None = None
    pred_adj: str = ""
    neg: bool = False
    past: bool = False
    mods: list[Mod] = field(default_factory=list)
    advs: list[str] = field(default_factory=list)
    pronoun: bool = False
    finite: bool = False
    pred_pp: bool = False
    exists: bool = False
    modal: bool = False
    can: bool = False


def _drop_no(phrase: NP) -> bool:
    """'no X' as a subject: drop 'no' and report that the clause is negated."""
    words = phrase.units[0].words
    if len(phrase.units) == 1 and len(words) > 1 and words[0].text.lower() == "no":
        del words[0]
        return True
    return False


def _plural(phrase: NP) -> bool:
    """A plural subject: coordinated, or a head noun ending in -s."""
    head = phrase.units[-1].words[-1]
    return len(phrase.units) > 1 or (head.kind == "word" and head.text.lower().endswith("s"))


class Parser:
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
        if self.multi(self.g.prepositions) or self.multi(self.g.subordinators):
            return False
        return not (word in self.g.adverbs and not self.is_noun(word))

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
            mod = self._postmod(verb, loose)
            if mod is None:
                self.i = start
                return
            unit.mods.append(mod)

    def _postmod(self, verb: Verb | None, loose: bool) -> Mod | None:
        if self.low() == "(":
            return self.paren()
        if self.low() == "to" and self._base_verb(1):
            return None
        prep = self.multi(self.g.prepositions)
        attach = prep in NP_PREPS or (loose and prep not in self.g.subordinators)
        attach = attach or (prep == "to" and self.noun_line)  # 'conversion of X to Y'
        if prep and attach and not (verb and prep in verb.prep):
            if prep == "with" and self.tok(1) is not None and self.tok(1).kind == "id":
                return None
            if (
                self.verb_at(1)
                and self.verb_at(1)[1] == "ing"
                and self.low(1) not in (self.g.adjectives)
            ):
                return None
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

    # -- verb phrases --------------------------------------------------------------------

    def vp(self) -> VP | None:
        """Adverbs, negation, a verb, its object and complements, adjuncts, coordination."""
        start = self.i
        advs, neg = self._pre_adverbs()
        found = self.verb_at() or self._unknown_verb()
        if found is None:
            self.i = start
            return None
        verb, form = found
        self.i += 1
        verb = self._phrasal(verb)
        vp = VP(verb, form=form, neg=neg, advs=advs)
        self._complements(vp)
        self.adjuncts(vp)
        self._coordination(vp)
        return vp

    def lead_subordinate(self) -> Mod | None:
        """A leading 'If/When X, ...' clause before the main verb phrase (None if absent)."""
        sub = self.multi(self.g.subordinators)
        prep = self.multi(self.g.prepositions)
        if prep and not sub and self.i == 0:
            return self._lead_pp(prep)
        if not sub or "," not in self._lows[self.i :]:
            return None
        start = self.i
        mod = self.subordinate(sub)
        if mod is None or self.low() != ",":
            self.i = start
            return None
        self.i += 1
        return mod

    def _lead_pp(self, prep: str) -> Mod | None:
        """'On shutdown, exit ...' / 'In f(), remove X': a leading phrase before the verb."""
        start = self.i
        mod = self.pp(prep)
        if mod is not None and self.low() == ",":
            self.i += 1
        if mod is None or self.verb_at() is None:
            self.i = start
            return None
        return mod

    def _unknown_verb(self) -> tuple[Verb, str] | None:
        """A line may start with a verb the lexicon lacks: 'Sanitize X' -> Sanitizeする."""
        word = self.low()
        if (
            (self.i != 0 and self.low(-1) != ",")
            or not self.is_word()
            or self.is_noun(word)
            or not self.starts_np(1)
        ):
            return None
        if word in self.g.adjectives or word in self.g.adverbs or word in AUX | PRONOUNS:
            return None
        if word in self.g.prepositions or word in self.g.subordinators:
            return None
        text = self.toks[self.i].text
        return Verb(word, f"{text}する"), "base"

    def _pre_adverbs(self) -> tuple[list[str], bool]:
        advs: list[str] = []
        neg = False
        while self.is_word():
            word = self.low()
            if word in {"do", "does"} and self.low(1) == "not":
                neg, self.i = True, self.i + 2
            elif word in {"don't", "doesn't", "never", "dont", "doesnt"}:
                neg, self.i = True, self.i + 1
            elif word == "no" and self.low(1) == "longer" and self.verb_at(2) is not None:
                neg, self.i = True, self.i + 2
            elif word in self.g.adverbs and (
                self.verb_at(1) is not None
                or self.low(1) in self.g.adverbs
                or self.low(1) in self.g.adjectives
                or self.low(1) in self.g.keep
            ):
                advs.append(word)
                self.i += 1
            else:
                break
        return advs, neg

    def _phrasal(self, verb: Verb) -> Verb:
        key = f"{verb.lemma} {self.low()}"
        if self.is_word() and key in self.g.verbs:
            self.i += 1
            return self.g.verbs[key]
        return verb

    def _complements(self, vp: VP) -> None:
        lemma = vp.verb.lemma
        if lemma in {"ensure", "make sure", "verify", "check"} and self._clause_follows():
            if self.low() == "that":
                self.i += 1
            vp.comp = self.clause(subject=True)
            return
        wh_if = self.low() == "if" and lemma in ASK_VERBS
        if (self.low() in {"which", "whether", "what", "how"} or wh_if) and self.is_word():
            vp.wh = "whether" if wh_if else self.low()
            self.i += 1
            vp.comp = self.clause(subject=True)
            if vp.comp is not None:
                return
            self.i -= 1
            vp.wh = ""
        gerund = self.verb_at()
        if lemma == "avoid" and gerund is not None and gerund[1] == "ing":
            vp.inf = self.vp()
            return
        if lemma in {"attempt", "try", "need", "want"} and self.low() == "to" and self.verb_at(1):
            self.i += 1
            vp.inf = self.vp()
            return
        if lemma in {"try", "attempt"} and gerund is not None and gerund[1] == "ing":
            vp.inf = self.vp()
            return
        if self.starts_np() and not self._starts_adverbial():
            self._stop_adj = lemma in {"make", "keep"}
            vp.obj = self.np(vp.verb)
            self._stop_adj = False
        if lemma in {"make", "keep"} and vp.obj is not None:
            self._result(vp)
        if lemma in OBJECT_INFINITIVE and vp.obj is not None:
            if self.low() == "to" and (self.verb_at(1) or self.low(1) == "be"):
                self.i += 1
            if self.verb_at() or self.low() == "be":
                vp.obj_inf = self._inf_or_passive()
        if lemma == "prevent" and vp.obj is not None:
            self._prevent_from(vp)

    def _result(self, vp: VP) -> None:
        """'make X (more) ADJ' -> the adjective X ends up as."""
        more = self.low() in {"more", "less"} and self.low(1) in self.g.adjectives
        word = self.low(1) if more else self.low()
        if not self.is_word() or word not in self.g.adjectives or word in {"more", "less"}:
            return
        prefix = {"more": "より", "less": "より少なく"}.get(self.low(), "") if more else ""
        vp.result = prefix + self.g.adjectives[word]
        self.i += 2 if more else 1

    def _prevent_from(self, vp: VP) -> None:
        """'prevent X from V-ing' and 'prevent X (from) being V-ed'."""
        start = self.i
        if self.low() == "from":
            self.i += 1
        found, after = self.verb_at(), self.verb_at(1)
        inner = None
        if self.low() == "being" and after is not None and after[1] == "ed":
            self.i += 1
            inner = self._passive_vp()
        elif found is not None and found[1] == "ing" and self.i > start:
            inner = self.vp()
        if inner is None:
            self.i = start
            return
        vp.obj_inf = inner

    def _passive_vp(self) -> VP | None:
        found = self.verb_at()
        if found is None:
            return None
        self.i += 1
        inner = VP(found[0], form="ed", passive=True)
        self.adjuncts(inner)
        return inner

    def _inf_or_passive(self) -> VP | None:
        if self.low() == "be" and self.verb_at(1):
            self.i += 1
            vp = self.vp()
            if vp:
                vp.passive = True
            return vp
        return self.vp()

    def _clause_follows(self) -> bool:
        if self.low() == "that":
            return True
        j = self.i
        self.clause(subject=True)
        ok = self.i > j and self._last_clause_ok
        self.i = j
        return ok

    def _starts_adverbial(self) -> bool:
        word = self.low()
        if word in self.g.adjectives and self.is_word(1) and self.is_noun(self.low(1)):
            return False
        return self.is_word() and (
            word in self.g.subordinators or (word in self.g.adverbs and not self.is_noun(word))
        )

    def adjuncts(self, vp: VP, stop_subordinate: bool = False) -> None:
        """PPs, subordinate clauses, purpose infinitives and adverbs after the object."""
        while not self.at_end():
            start = self.i
            mod = self._adjunct(vp, stop_subordinate)
            if mod is None:
                self.i = start
                return
            if mod.kind != "adv":
                vp.mods.append(mod)

    def _adjunct(self, vp: VP, stop_subordinate: bool) -> Mod | None:
        word = self.low()
        multi = self.multi(self.g.prepositions)
        if multi and " " in multi:
            return self.pp(multi)
        if word in {",", "and"} and self.low(1) == "not" and self.starts_np(2):
            self.i += 1  # 'Require Python 2.6+, not 2.7', 'X and not Y'
            word = "not"
        if word == "," and self._comma_adjunct():
            self.i += 1  # 'Require X, with x >= 19', 'Fix X, when Y'
            word = self.low()
        sub_first = self.multi(self.g.subordinators)
        if sub_first and word in self.g.adverbs and self._clause_or_gerund_after(sub_first):
            return self.subordinate(sub_first)  # 'exit once all operations finished'
        if (
            word == "not"
            and self.starts_np(1)
            and (self.verb_at(1) is None or self.is_noun(self.low(1)))
        ):
            self.i += 1
            phrase = self.np()
            return Mod("contrast", np=phrase) if phrase else None
        if self.is_word() and word in self.g.adverbs and not self.is_noun(word):
            vp.advs.append(word)
            self.i += 1
            return Mod("adv")
        if word == "(":
            return self.paren()
        if word == "to" and self._base_verb(1):
            self.i += 1
            inner = self.vp()
            return Mod("purpose", vp=inner) if inner else None
        if word in {"in", "so"} and self.low(1) in {"order", "that"}:
            return self._so_that() if word == "so" else self._in_order_to()
        sub = self.multi(self.g.subordinators)
        prep = self.multi(self.g.prepositions)
        if sub and not stop_subordinate and (not prep or self._clause_or_gerund_after(sub)):
            return self.subordinate(sub)
        if prep:
            return self.pp(prep)
        return None

    def _comma_adjunct(self) -> bool:
        """A comma followed by a preposition or subordinator that starts an adjunct."""
        nxt = self.low(1)
        return self.is_word(1) and (nxt in self.g.subordinators or nxt in self.g.prepositions)

    def _so_that(self) -> Mod | None:
        self.i += 2 if self.low(1) == "that" else 1
        clause = self.clause(subject=True)
        return Mod("sub", prep="so", clause=clause) if clause else None

    def _in_order_to(self) -> Mod | None:
        if self.low(2) != "to":
            return None
        self.i += 3
        inner = self.vp()
        return Mod("purpose", vp=inner) if inner else None

    def _clause_or_gerund_after(self, sub: str) -> bool:
        j = self.i + len(sub.split())
        t = self.toks[j] if j < len(self.toks) else None
        if t is None:
            return False
        found = self.g.verb(t.text.lower()) if t.kind == "word" else None
        if found and found[1] in {"ing", "ed"}:
            return True
        start = self.i
        self.i = j
        clause = self.clause(subject=True)
        ok = clause is not None and clause.subj is not None and self._last_clause_ok
        self.i = start
        return ok

    def subordinate(self, sub: str) -> Mod | None:
        """Subordinator + clause, gerund phrase, participle or noun phrase."""
        self.i += len(sub.split())
        found = self.verb_at()
        if found and found[1] == "ing" and self.is_noun(self.low()):
            start = self.i  # 'when fencing request times out': a noun subject, not a gerund
            clause = self.clause(subject=True)
            if clause is not None and clause.subj is not None and clause.finite:
                return Mod("sub", prep=sub, clause=clause)
            self.i = start
        if found and found[1] == "ing":
            vp = self.vp()
            return Mod("sub", prep=sub, vp=vp) if vp else None
        if found and found[1] == "ed":
            vp = VP(found[0], form="ed", passive=True)
            self.i += 1
            self.adjuncts(vp, stop_subordinate=True)
            return Mod("sub", prep=sub, vp=vp)
        clause = self.clause(subject=True)
        if clause is not None:
            return Mod("sub", prep=sub, clause=clause)
        phrase = self.np()
        return Mod("sub", prep=sub, np=phrase) if phrase else None

    def _coordination(self, vp: VP) -> None:
        while self.low() in {"and", ",", "or"}:
            k = 2 if self.low() == "," and self.low(1) in {"and", "or"} else 1
            found = self.verb_at(k)
            if found is None or found[1] != vp.form or self.low(k) in self.g.adjectives:
                return
            start = self.i
            self.i += k
            other = self.vp()
            if other is None:
                self.i = start
                return
            vp.coord.append(other)

    # -- clauses -------------------------------------------------------------------------

    _last_clause_ok = False

    def clause(self, subject: bool) -> Clause | None:
        """[subject] aux* (verb phrase | be + predicate)."""
        start = self.i
        self._last_clause_ok = False
        subj = None
        pronoun = False
        if subject and self._there_is():
            found = self._existential()
            if found is not None:
                self._last_clause_ok = True
                return found
            self.i = start
        if subject:
            if self.low() in PRONOUNS and self.is_word():
                self.i += 1
                pronoun = True
            elif self.verb_at() is None or self.is_noun(self.low()):
                subj = self.np(loose=True)
                if subj is None:
                    self.i = start
                    return None
        negated = subj is not None and _drop_no(subj)
        clause = self._predicate(subj)
        if clause is None:
            self.i = start
            return None
        clause.neg ^= negated
        if subj is not None and clause.vp is not None and clause.vp.form == "base":
            clause.finite |= _plural(subj)  # 'X and Y agents now support 1.1'
        self._last_clause_ok = True
        clause.pronoun = pronoun
        return clause

    def _there_is(self) -> bool:
        if self.low() == "there's":
            return True
        return self.low() == "there" and self.low(1) in {"is", "are", "was", "were"}

    def _existential(self) -> Clause | None:
        """'there is (no|not) X' -> a clause whose predicate is existence."""
        self.i += 1 if self.low() == "there's" else 2
        neg = False
        while self.low() in {"no", "not", "any"}:
            neg |= self.low() != "any"
            self.i += 1
        subj = self.np(loose=True)
        if subj is None:
            return None
        clause = Clause(subj, neg=neg, finite=True, exists=True)
        holder = VP(Verb("be", "である"))
        self.adjuncts(holder)
        clause.mods, clause.advs = holder.mods, holder.advs
        return clause

    def _predicate(self, subj: NP | None) -> Clause | None:
        clause = Clause(subj)
        be = False
        while self.is_word() and (self.low() in AUX or self.low() in CONTRACTIONS):
            word = CONTRACTIONS.get(self.low(), self.low())
            if word in {"have", "has", "had"} and not self._perfect():
                break
            clause.neg |= self.low() in CONTRACTIONS or self.low() == "cannot"
            clause.modal |= word in MODALS
            clause.can |= word in {"can", "could"} and not clause.past
            clause.past |= word in {"was", "were", "did", "had"}
            be |= word in {"is", "are", "was", "were", "be", "been", "being", "am"}
            clause.finite = True
            self.i += 1
            while self.low() in {"not", "never"} or (
                self.low() == "no" and self.low(1) == "longer"
            ):
                clause.neg = True
                self.i += 2 if self.low() == "no" else 1
        advs, neg = self._pre_adverbs()
        clause.neg |= neg
        return self._after_aux(clause, be, advs)

    def _perfect(self) -> bool:
        nxt = self.low(1)
        found = self.verb_at(1)
        return nxt in {"been", "not", "never"} or (found is not None and found[1] == "ed")

    def _after_aux(self, clause: Clause, be: bool, advs: list[str]) -> Clause | None:
        found = self.verb_at()
        if found and not (be and self.low() in self.g.adjectives and found[1] != "ed"):
            verb, form = found
            if be and form in {"ed", "base"}:  # 'is set', 'was reset': participle = base form
                self.i += 1
                vp = VP(verb, form="ed", passive=True, advs=advs)
                self.adjuncts(vp)
                clause.vp = vp
                return clause
            vp = self.vp()
            if vp is None:
                return None
            clause.finite |= vp.form in {"s", "ed"}
            vp.advs = advs + vp.advs
            clause.vp = vp
            return clause
        if not be:
            return None
        pred_prep = self.multi(self.g.prepositions)
        if pred_prep and "pred" in self.g.prepositions[pred_prep]:
            mod = self.pp(pred_prep)
            if mod is None:
                return None
            clause.mods = [mod]
            clause.pred_pp = True
            return clause
        if self.is_word() and self.low() in self.g.adjectives:
            clause.pred_adj = self.g.adjectives[self.low()]
            self.i += 1
        else:
            clause.pred = self.np()
            if clause.pred is None:
                return None
        holder = VP(Verb("be", "である"), advs=advs)
        self.adjuncts(holder)
        clause.mods = holder.mods
        clause.advs = holder.advs
        return clause
