"""A small parser for changelog English: imperative verb phrases, clauses and noun phrases.

Parser = NounPhraseParser (digest/translate/nounphrase.py: token helpers, noun phrases) + the
verb phrases, adjuncts and clauses below; the tree it builds is in digest/translate/syntax.py.
"""

from __future__ import annotations

from digest.translate.glossary import Verb
from digest.translate.nounphrase import NounPhraseParser
from digest.translate.syntax import (
    ASK_VERBS,
    AUX,
    C_QUALIFIERS,
    CONTRACTIONS,
    DETERMINERS,
    ENABLE_VERBS,
    FAIL_VERBS,
    GERUND_OBJECT_VERBS,
    MODALS,
    NP,
    OBJECT_INFINITIVE,
    PARTICIPLE_ADJECTIVES,
    PRONOUNS,
    VP,
    Clause,
    Mod,
    Unit,
    drop_no,
    plural_subject,
)


class Parser(NounPhraseParser):
    """Recursive-descent parser over one body's tokens; never raises, reports what it used."""

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
        if lemma in ENABLE_VERBS | FAIL_VERBS and self.low() == "to" and self._base_verb(1):
            self.i += 1  # 'allow to override X' (for 'allow overriding X')
            vp.inf = self.vp()
            return
        if lemma in GERUND_OBJECT_VERBS and self._gerund_object(gerund):
            vp.inf = self.vp()  # 'Fix setting X': the act of setting X is what was fixed
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

    def _gerund_object(self, gerund: tuple[Verb, str] | None) -> bool:
        """A gerund opening a verb phrase: 'displaying X'. A word that is also a noun
        ('setting', 'handling') or an adjective ('existing') is one only before a determiner,
        an identifier or an adjective ('setting the X', 'handling empty X')."""
        if gerund is None or gerund[1] != "ing" or not self.starts_np(1):
            return False
        after = self.tok(1)
        word = after.text.lower() if after is not None else ""
        strong = after is not None and after.kind == "id"
        strong = strong or word in DETERMINERS or word in self.g.adjectives
        plain = not self.is_noun(self.low()) and self.low() not in PARTICIPLE_ADJECTIVES
        return strong or plain

    def _result(self, vp: VP) -> None:
        """'make X (more) ADJ' -> the adjective X ends up as; 'make X const' -> const."""
        t = self.tok()
        if t is not None and t.text in C_QUALIFIERS:
            vp.result = t.text
            self.i += 1
            return
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
        phrase = self.multi(self.g.adverbs)
        if phrase and " " in phrase:  # 'in parallel', 'in the background'
            vp.advs.append(phrase)
            self.i += len(phrase.split())
            return Mod("adv")
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
        if self.low() == "unable" and self.low(1) == "to" and self._base_verb(2):
            self.i += 2  # 'when unable to restart X': Xを再起動できない場合は
            vp = self.vp()
            can_not = Clause(None, vp=vp, neg=True, can=True, finite=True)
            return Mod("sub", prep=sub, clause=can_not) if vp else None
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
        if phrase is None:
            return None
        reduced = self._reduced_passive(phrase)
        if reduced is not None:
            return Mod("sub", prep=sub, clause=reduced)
        return Mod("sub", prep=sub, np=phrase)

    def _reduced_passive(self, phrase: NP) -> Clause | None:
        """'when nodes provided', 'if the option specified': subject + participle, no 'be'."""
        unit = phrase.units[-1]
        last = unit.mods[-1] if unit.mods else None
        ends = self.at_end() or self.low() in {",", ";", "-", ")"}
        if last is None or last.kind != "part" or last.vp is None or last.vp.mods or not ends:
            return None
        vp = last.vp
        if not vp.passive or vp.obj is not None or vp.verb.lemma not in self.g.verbs:
            return None
        subject = NP([*phrase.units[:-1], Unit(unit.words, unit.mods[:-1], unit.suffix)])
        subject.conjs = list(phrase.conjs)
        return Clause(subj=subject, vp=vp, finite=True, past=True)

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
        negated = subj is not None and drop_no(subj)
        clause = self._predicate(subj)
        if clause is None:
            self.i = start
            return None
        clause.neg ^= negated
        if subj is not None and clause.vp is not None and clause.vp.form == "base":
            clause.finite |= plural_subject(subj)  # 'X and Y agents now support 1.1'
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
        if self.low() == "now" and (self.starts_np(1) or self.low(1) in self.g.adjectives):
            advs = [*advs, "now"]  # 'X is now const': a new state
            self.i += 1
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
