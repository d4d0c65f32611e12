"""Japanese for parsed changelog phrases: noun phrases, verb phrases, adjuncts and clauses.

PhraseRenderer turns the parser's NP / VP / Clause trees into Japanese word order with the
lexicon's particles and conjugations. While rendering it notes doubt (`_doubt`): a word it could
not place safely (a misplaced negation, English left in parentheses, a condition without its
verb, ...), which leaves the line `needs_review`. The line-level engine: translate/rules.py.
"""

from __future__ import annotations

from dataclasses import replace

from digest.translate import ja
from digest.translate.confidence import FUNCTION_WORDS
from digest.translate.glossary import Glossary, Verb
from digest.translate.syntax import (
    CLASSIFIERS,
    DOC_VERBS,
    ENABLE_VERBS,
    FAIL_VERBS,
    FIX_VERBS,
    NP,
    REWORK_VERBS,
    STOP_VERBS,
    TIMING_VERBS,
    VP,
    Clause,
    Mod,
    Unit,
    lemma_in,
)
from digest.translate.tokens import Token, english

CREATION_VERBS = {"add", "implement", "introduce", "provide", "create"}
# Nouns of a relation between two things: 'X with Y' is then Yとの X.
PARTNER_NOUNS = {
    "colocation", "compatibility", "conflict", "interaction", "integration", "communication",
    "consistency", "collision", "comparison", "interoperability", "synchronization", "sync",
    "contact", "agreement", "mismatch", "race", "deadlock", "link", "relationship",
}  # fmt: skip
# 'problems with X' is Xの問題: the trouble is X's, it does not "have" X.
TOPIC_NOUNS = {"problem", "issue", "bug", "trouble", "regression", "bugs"}
WITH_SENSES = ((PARTNER_NOUNS, "との"), (TOPIC_NOUNS, "の"))
# What a verb's action object becomes: 'fix setting X' Xを設定する際の不具合を修正.
ACTION_TAILS = (
    (FIX_VERBS, "際の不具合を"), (DOC_VERBS, "方法を"), (TIMING_VERBS, "のを"),
    (REWORK_VERBS, "処理を"), (FAIL_VERBS, "のに"),
)  # fmt: skip
DOUBTFUL = {"no", "not", "none", "only"}  # inside a noun phrase: a negation or limit misplaced
AUX_LEMMAS = {"have", "be", "do"}
PAST_BEFORE = {"after", "once"}  # 'after X-ing' -> Xした後に


class PhraseRenderer:
    """Renders parsed phrases in Japanese; `_doubt` records a word it could not place safely."""

    g: Glossary
    _cues: frozenset[str] = frozenset()
    _doubt: bool = False

    # -- noun phrases --------------------------------------------------------------------

    def np(self, phrase: NP | None) -> str:
        """Render coordinated noun phrase units."""
        if phrase is None:
            return ""
        out = [self.unit(phrase.units[0])]
        self._doubt |= any(self._verb_opens(u) for u in phrase.units[1:])
        last = phrase.units[-1]  # 'X and Y options for debugging': for both, or for Y?
        self._doubt |= len(phrase.units) > 1 and any(m.kind == "pp" for m in last.mods)
        for conj, unit in zip(phrase.conjs, phrase.units[1:], strict=True):
            out.append({"and": "と", "or": "または", ",": "、"}.get(conj, "と"))
            out.append(self.unit(unit))
        return ja.join(out)

    def _verb_opens(self, unit: Unit) -> bool:
        """'update X and set Y': a conjunct opening with a verb may be a second verb phrase."""
        first = unit.words[0] if len(unit.words) > 1 else None
        found = self.g.verb(first.text) if first is not None and first.kind == "word" else None
        return found is not None and found[1] == "base"

    def unit(self, unit: Unit) -> str:
        """Postmodifiers (reversed, Japanese order) + premodifiers + head."""
        head = unit.words[-1].text.lower() if unit.words else ""
        with_ = next((ja for nouns, ja in WITH_SENSES if lemma_in(head, nouns)), "")
        mods = [self._postmod_with(m, with_) for m in reversed(unit.mods) if m.kind != "paren"]
        parens = [self.verbatim(english(m.toks)) for m in unit.mods if m.kind == "paren"]
        return ja.join([*mods, self.words(unit.words), *parens, unit.suffix])

    def words(self, words: list[Token]) -> str:
        """Premodifiers + head: glossary terms, adjectives, participles, identifiers."""
        head = words[-1].text.lower() if words[-1].kind == "word" else ""
        self._doubt |= any(w.kind == "word" and w.text.lower() in DOUBTFUL for w in words)
        verbatim = bool(self.g.noun([head]) and lemma_in(head, CLASSIFIERS))
        pieces: list[str] = []
        i = 0
        while i < len(words):
            piece, used = self._word(words, i, verbatim and i < len(words) - 1)
            pieces.append(piece)
            i += used
        return ja.join(pieces).strip()

    def _word(self, words: list[Token], i: int, verbatim: bool) -> tuple[str, int]:
        t = words[i]
        if t.kind == "id":
            return (self.verbatim(t.text) if t.text.startswith("(") else t.text), 1
        if t.kind == "punct":
            nxt = words[i + 1].text if i + 1 < len(words) else ""
            if t.text in POSSESSIVE_MARKS and nxt == "s" and i > 0:
                return "の", 2  # "crm_ipc_send()'s argument" (the tokenizer splits the 's)
            if t.text in POSSESSIVE_MARKS and 0 < i < len(words) - 1:
                return "の", 1  # "the nodes' names"
            return f" {t.text} ", 1
        low = t.text.lower()
        possessive = low.endswith(POSSESSIVE) and low[:-2] not in NOT_POSSESSIVE
        if possessive and len(low) > 2 and i < len(words) - 1:
            owner = t.text[:-2]  # "the node's name", "Pacemaker's unit files"
            return (self.g.noun([owner.lower()]) or owner) + "の", 1
        if verbatim and low not in self.g.adjectives:
            self._doubt |= low.endswith("ing")  # 'setting utilization attributes': a gerund?
            return t.text, 1
        run = 0
        while i + run < len(words) and words[i + run].kind == "word":
            run += 1
        for n in range(min(run, self.g.max_term_words), 0, -1):
            found = self.g.noun([w.text.lower() for w in words[i : i + n]])
            if n == 1 and found is not None:
                found = self.g.sense(low, self._cues) or found
            if found is not None and (n > 1 or low not in self.g.adjectives or i == len(words) - 1):
                return found, n
        if low in self.g.adjectives:
            alone = len(words) == 1
            self._doubt |= i == len(words) - 1  # 'descriptions better'; 'from all' stays English
            if alone:
                return t.text, 1
            noun = frozenset(w.text.lower() for w in words[i + 1 :])  # the noun it modifies
            return self.g.sense(low, noun) or self.g.adjectives[low], 1
        if "/" in low:
            return "/".join(self.g.noun([w]) or w for w in t.text.split("/")), 1
        return self._participle(t, head=i == len(words) - 1), 1

    def _participle(self, t: Token, head: bool = False) -> str:
        low = t.text.lower()
        found = self.g.verb(low)
        if found is None or found[1] not in {"ed", "ing"} or found[0].lemma in AUX_LEMMAS:
            # a verb or function word left as a noun: the parse went astray somewhere
            self._doubt |= found is not None or low in FUNCTION_WORDS
            return t.text
        verb, form = found
        if form == "ing" and head:
            return verb.ja[:-2] if verb.ja.endswith("する") else verb.ja + "こと"
        if form == "ing":
            return ja.conjugate(verb.ja, "dict", ichidan=verb.ichidan)
        return verb_form(verb, "past", passive=True)

    def verbatim(self, text: str) -> str:
        """English copied as written (a parenthesis); plain words in it leave the line unsure."""
        self._doubt |= any(t.kind == "word" for t in self.g.finder.tokenize(text))
        return text

    def _postmod_with(self, mod: Mod, with_: str) -> str:
        """A postmodifier; 'with X' as the head noun reads it ('colocation with X': Xとの)."""
        if with_ and mod.prep == "with" and mod.np is not None:
            return self.np(mod.np) + with_
        return self.postmod(mod)

    def postmod(self, mod: Mod) -> str:
        """A postmodifier rendered as a Japanese premodifier."""
        if mod.kind == "pp":
            return self._pp(mod, "np")
        if mod.kind == "rel" and mod.clause is not None:
            return self.clause(mod.clause, relative=True)
        if mod.kind == "part" and mod.vp is not None:
            return self.vp(mod.vp, "past")
        if mod.kind == "ing" and mod.vp is not None:
            return self.vp(mod.vp, "dict")
        if mod.kind == "while" and mod.vp is not None:
            return self.vp(mod.vp, "dict") + "際の"
        return self.verbatim(english(mod.toks))

    def _pp(self, mod: Mod, where: str, particle: str | None = None) -> str:
        self._doubt |= mod.prep == "to" and where == "np"  # 'tabs to spaces': a change or not?
        spec = self.g.prepositions.get(mod.prep, {"np": "{x}の", "vp": "{x}で"})
        if mod.np is not None and mod.vp is not None:
            x = f"{self.np(mod.np)}が{self.vp(mod.vp, 'dict')}の"
            return x + (particle or "を")
        if mod.vp is not None:
            x = self.vp(mod.vp, "past" if mod.prep in PAST_BEFORE else "dict")
            if particle:
                return f"{x}ことに" if particle == "に" else f"{x}こと{particle}"
            template = (where == "np" and spec.get("ing_np")) or spec.get("ing") or spec[where]
            return template.format(x=x if "ing" in spec else x + "こと")
        x = self.np(mod.np)
        if particle:
            return x + particle
        if mod.prep == "by" and x == "デフォルト":
            return "デフォルトで" if where == "vp" else "デフォルトの"
        return spec[where].format(x=x)

    # -- verb phrases --------------------------------------------------------------------

    def vp(self, vp: VP, form: str, last: str = "", subject: str = "") -> str:
        """Adjuncts, subject, object, adverbs and the verb; coordinated verbs joined by 、."""
        chain = [vp, *vp.coord]
        out = [
            self._single(v, "renyou", subject=subject if i == 0 else "") + "、"
            for i, v in enumerate(chain[:-1])
        ]
        out.append(self._single(chain[-1], form, last, subject if len(chain) == 1 else ""))
        return ja.join(out)

    def _single(self, vp: VP, form: str, last: str = "", subject: str = "") -> str:
        vp.verb = self._sense_by_object(vp)
        attach = vp.verb.lemma in CREATION_VERBS and vp.obj is not None
        fixed = vp.verb.lemma in FIX_VERBS and vp.obj is not None
        pieces = [
            _of_case(self.adjunct(m, vp.verb), fixed) + ("" if m.kind == "sub" else "、")
            for m in vp.mods
            if m.kind == "sub" or (m.kind == "purpose" and not attach)
        ]
        own = [m for m in vp.mods if m.kind == "pp" and m.prep in vp.verb.prep]
        pieces += [
            self.adjunct(m, vp.verb)
            for m in vp.mods
            if m.kind not in {"sub", "purpose"} and m not in own
        ]
        pieces.append(subject)
        purposes = [m for m in vp.mods if m.kind == "purpose"] if attach else []
        pieces += [self.vp(m.vp, "dict") + "ための" for m in purposes if m.vp is not None]
        pieces.append(self._object(vp))
        pieces += [self.adjunct(m, vp.verb) for m in own]
        pieces += [self.g.adverbs[a] for a in vp.advs if a not in {"only", "not", "once"}]
        self._doubt |= "only" in vp.advs and vp.obj is None
        self._doubt |= "also" in vp.advs  # its scope (Xも, Yにも) is not rendered
        pieces.append("一度だけ" if "once" in vp.advs else "")
        pieces.append(last)
        neg = vp.neg or "not" in vp.advs
        pieces.append(self._verb(vp, _negate(form) if neg else form))
        return ja.join(pieces)

    def _sense_by_object(self, vp: VP) -> Verb:
        """The verb's Japanese as its object asks (raise an error: 発生させる)."""
        if not vp.verb.by_object or vp.obj is None or not vp.obj.units[-1].words:
            return vp.verb
        head = vp.obj.units[-1].words[-1].text.lower().removesuffix("s")
        ja = next((ja for noun, ja in vp.verb.by_object.items() if head.endswith(noun)), None)
        return replace(vp.verb, ja=ja) if ja else vp.verb  # 'raise ValueError' too

    def _object(self, vp: VP) -> str:
        if vp.comp is not None:
            wh = {"which": "どの", "what": "何が", "how": "どのように"}.get(vp.wh, "")
            if vp.wh:
                end = "かどうかを" if vp.wh == "whether" else "かを"
                return wh + self.clause(vp.comp) + end
            return self.clause(vp.comp) + "ことを"
        if vp.obj is None:
            return ""
        only = "のみ" if "only" in vp.advs and "once" not in vp.advs else ""
        problem = self._problem(vp)
        if problem:
            return problem
        if vp.obj_inf is not None:
            return f"{self.np(vp.obj)}{only}が{self.vp(vp.obj_inf, 'dict')}ように"
        return f"{self.np(vp.obj)}{only}{vp.verb.obj}"

    def _problem(self, vp: VP) -> str:
        """'Fix X flipping to Y' -> XがYに切り替わる問題を (the participle is the defect)."""
        if vp.verb.lemma not in FIX_VERBS or vp.obj is None or len(vp.obj.units) != 1:
            return ""
        unit = vp.obj.units[0]
        if not unit.mods or unit.mods[-1].kind != "ing" or unit.mods[-1].vp is None:
            return ""
        head = Unit(unit.words, unit.mods[:-1], unit.suffix)
        return f"{self.unit(head)}が{self.vp(unit.mods[-1].vp, 'dict')}問題を"

    def _verb(self, vp: VP, form: str) -> str:
        if vp.inf is not None:
            return self._action_object(vp, vp.inf, form)

        if vp.verb.lemma == "be":
            return ""
        if vp.result:
            verb = "保つ" if vp.verb.lemma == "keep" else "する"
            return adverbial(vp.result) + ja.conjugate(verb, form)
        return verb_form(vp.verb, form, passive=vp.passive)

    def _action_object(self, vp: VP, action: VP, form: str) -> str:
        """A verb whose object is an action: 'fix setting X', 'allow setting X', 'try to V'."""
        lemma = vp.verb.lemma
        tail = next((tail for verbs, tail in ACTION_TAILS if lemma in verbs), None)
        if tail is None and lemma in ENABLE_VERBS | STOP_VERBS and "neg" in form:
            self._doubt = True  # "don't stop V-ing": said as it is, for the editor to check
            tail = "のを"
        if tail is not None:  # Xを設定する際の不具合を修正し…
            return self.vp(action, "dict") + tail + verb_form(vp.verb, form)
        if lemma in ENABLE_VERBS and form == "dict":  # 'X now supports setting Y': 設定できる
            return self.vp(action, "pot")
        if lemma in ENABLE_VERBS | STOP_VERBS:  # 設定できるように / 無視しないように
            inner = self.vp(action, "pot" if lemma in ENABLE_VERBS else "neg")
            return inner + "ように" + ja.conjugate("する", form)
        return self.vp(action, "vol") + "と" + ja.conjugate("する", form)  # try to V: Vしようと

    def adjunct(self, mod: Mod, verb: Verb) -> str:
        """An adjunct of a verb phrase, before the object in Japanese order."""
        if mod.kind == "pp":
            particle = verb.prep.get(mod.prep)
            self._doubt |= particle is None and _to_identifier(mod)  # 'try to `shlex.split()`'
            return self._pp(mod, "vp", particle)
        if mod.kind == "purpose" and mod.vp is not None:
            ending = "ように" if mod.vp.neg else "ために"
            return self.vp(mod.vp, "dict") + ending
        if mod.kind == "sub":
            return self._subordinate(mod)
        if mod.kind == "contrast":
            return self.np(mod.np) + "ではなく"
        return self.verbatim(english(mod.toks))

    def _subordinate(self, mod: Mod) -> str:
        spec = self.g.subordinators.get(mod.prep, {"clause": "{x}場合", "ing": "{x}際に"})
        after = mod.prep in PAST_BEFORE
        if mod.clause is not None:
            past = after or mod.clause.past
            return spec["clause"].format(x=self.clause(mod.clause, past=past))
        if mod.vp is not None:
            form = "past" if after else "dict"
            form = f"passive_{form}" if mod.vp.passive else form
            return spec["ing"].format(x=self.vp(mod.vp, form))
        prep = self.g.prepositions.get(mod.prep)
        if prep is not None:
            return prep["vp"].format(x=self.np(mod.np))
        self._doubt = True  # 'if available', 'when its set': a condition without its verb
        return spec["clause"].format(x=self.np(mod.np))

    # -- clauses -------------------------------------------------------------------------

    def clause(self, clause: Clause, relative: bool = False, past: bool = False) -> str:
        """Subject が + predicate; relative clauses drop the subject marker."""
        self._doubt |= clause.modal  # might / should / would: the modality is not rendered
        subj = self.np(clause.subj) + "が" if clause.subj is not None and not relative else ""
        form = "past" if (clause.past and relative) or past else "dict"
        if clause.vp is not None:
            if clause.neg:
                form = "past_neg" if form == "past" else "neg"
            if clause.can and form in {"dict", "neg", "past", "past_neg"}:
                form = "can_" + form  # 'so that X can V' -> Vできるように
            elif form == "neg" and clause.vp.passive and not relative:
                form = "state_neg"
            vp = clause.vp
            if vp.verb.lemma in {"cause", "make", "force"} and vp.obj_inf and vp.obj and subj:
                inner = self.vp(vp.obj_inf, form, subject=self.np(vp.obj) + "が")
                return f"{subj[:-1]}により、{inner}"
            return self.vp(vp, form, subject=subj)
        if clause.exists:
            mods = "".join(self.adjunct(m, Verb("be", "である")) for m in clause.mods)
            there = "存在しない" if clause.neg else "存在する"
            return ja.join([mods, self.np(clause.subj), "が", there])
        if clause.pred_pp and clause.mods and clause.mods[0].np is not None:
            spec = self.g.prepositions[clause.mods[0].prep]
            pred = spec["pred"].format(x=self.np(clause.mods[0].np))
            pred = ja.predicate_of(pred, negative=True) if clause.neg else pred
            return ja.join([subj, pred])
        mods = "".join(self.adjunct(m, Verb("be", "である")) for m in clause.mods)
        mods += "".join(self.g.adverbs.get(a, "") for a in clause.advs)
        if clause.pred_adj:
            pred = clause.pred_adj
            if clause.neg:
                pred = ja.predicate_of(pred, negative=True)
            elif form == "past":
                pred = ja.past_of(pred)
            elif not relative:
                pred = ja.predicate_of(pred)
            return ja.join([subj, mods, pred])
        copula = "ではない" if clause.neg else ("だった" if form == "past" else "である")
        return ja.join([subj, mods, self.np(clause.pred), copula])

    # -- fallback ------------------------------------------------------------------------

    def _gloss(self, tokens: list[Token]) -> str:
        """Word-by-word glossary rendering in English order (never drops a token)."""
        pieces = []
        for t in tokens:
            if t.kind == "word":
                low = t.text.lower()
                pieces.append(self.g.noun([low]) or self.g.adjectives.get(low) or t.text)
            else:
                pieces.append(t.text)
        return english([Token(p, "word") for p in pieces])


def _to_identifier(mod: Mod) -> bool:
    """'to X' where X is only identifiers: a direction, or an infinitive of a named command."""
    units = mod.np.units if mod.np is not None and mod.vp is None else []
    return mod.prep == "to" and bool(units) and all(w.kind == "id" for u in units for w in u.words)


def _of_case(adjunct: str, fixed: bool) -> str:
    """'Fix X when Y' -> Y場合のXを修正 ('while Y' -> Y間の): the fix is to X in that case."""
    if fixed and adjunct.endswith(("場合は", "場合に", "際に", "間に")):
        return adjunct[:-1] + "の"
    return adjunct


def adverbial(attributive: str) -> str:
    """The adverbial form of an attributive adjective (明示的な -> 明示的に, 長い -> 長く)."""
    if attributive.endswith(("な", "の")):
        return attributive[:-1] + "に"
    if attributive.endswith("い"):
        return attributive[:-1] + "く"
    return attributive + "に"


def verb_form(verb: Verb, form: str, *, passive: bool = False) -> str:
    """Conjugate a lexicon verb, optionally in the passive voice."""
    if form.startswith("passive_"):
        passive, form = True, form.removeprefix("passive_")
    if form.startswith("can_"):  # can / cannot (be V-ed): the potential, Vできる / Vできない
        able = ja.conjugate(verb.ja, "pot", ichidan=verb.ichidan)
        rest = form.removeprefix("can_")
        return able if rest == "dict" else ja.conjugate(able, rest, ichidan=True)
    if not passive:
        return ja.conjugate(verb.ja, form, ichidan=verb.ichidan)
    if verb.passive:
        return ja.conjugate(verb.passive, "neg" if form == "state_neg" else form)
    base = ja.conjugate(verb.ja, "passive", ichidan=verb.ichidan)
    if form in {"dict", "passive"}:
        return base
    if form == "pot":
        return ja.conjugate(verb.ja, "pot", ichidan=verb.ichidan)
    if form == "state_neg":  # a passive state in a condition: インストールされていない
        return base[:-1] + "ていない"
    return ja.conjugate(base, form, ichidan=True)


POSSESSIVE = ("'s", "’s")
POSSESSIVE_MARKS = {"'", "’"}
NOT_POSSESSIVE = {"it", "that", "there", "what", "here", "let", "he", "she", "who", "where"}


def _negate(form: str) -> str:
    return {"dict": "neg", "past": "past_neg", "polite": "neg", "vol": "neg"}.get(form, form)
