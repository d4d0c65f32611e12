"""The offline rules engine: parse a changelog line and render it in the digest's Japanese."""

from __future__ import annotations

import re
from dataclasses import replace

from sqlite_utils import Database

from digest import store
from digest.sources.inline_markdown import code_spans
from digest.translate import ja
from digest.translate.base import Draft, Result
from digest.translate.confidence import unknown_words
from digest.translate.frame import (
    component_label,
    component_lead_in,
    conservative,
    frame,
    trailer,
)
from digest.translate.glossary import Glossary, Verb, load_glossary, with_terms
from digest.translate.lines import (
    LineParts,
    identifier_text,
    period_outside_code,
    protected_in,
    split_line,
    without_tag,
)
from digest.translate.markdown import keep_code_spans
from digest.translate.parse import Parser
from digest.translate.phrases import PhraseRenderer, adverbial, verb_form
from digest.translate.syntax import ENABLE_VERBS, FAIL_VERBS, NP, STOP_VERBS, VP, Clause, Unit
from digest.translate.tokens import Token, english, missing_tokens

_SPACES = re.compile(r" {2,}")
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+(?:[-~ ]?(?:rc|beta|alpha|final)\d*)?$", re.IGNORECASE)
RELEASE_KINDS = {"stable": "安定版", "beta": "ベータ版", "final": "最終版", "new": "新しい"}
ENDINGS = ("ました", "です", "ません")
_DEGREE = re.compile(
    r"\b(?:(?:as|too|so|how) (?:many|much|few|little)|(?:few|couple) more)\b", re.IGNORECASE
)
_SPAN_WORD = re.compile(r"[A-Za-z][\w-]*")
_NULL_CHECK = re.compile(r"\bNULL-check", re.IGNORECASE)  # a verb, not the constant NULL
_SENTENCE_BREAK = re.compile(r"\s+-\s+|(?<=[a-z])\.\s+(?=[A-Z])|;\s+")


class RulesEngine(PhraseRenderer):
    """Offline en -> ja translation for changelog one-liners; identifiers stay verbatim."""

    name = "rules"

    def __init__(
        self, glossary: Glossary | None = None, *, db: Database | None = None, lang: str = "ja"
    ) -> None:
        g = glossary or load_glossary()
        self.g = with_terms(g, store.approved_terms(db, lang)) if db is not None else g
        self._cues: frozenset[str] = frozenset()
        self._doubt = False  # set while rendering when a word could not be placed safely

    def trap(self, tokens: list[Token]) -> str | None:
        """Whole-line shapes with one right reading: 'release 1.1.0', 'stable release 1.0.11',
        'old_name() -> new_name()'."""
        shape = [t.kind if t.kind != "punct" else t.text for t in tokens]
        if shape == ["id", "->", "id"]:
            return f"{tokens[0].text}を{tokens[2].text}に変更しました。"
        words = [t.text.lower() for t in tokens]
        if "release" not in words or tokens[-1].kind != "id":
            return None
        at = words.index("release")
        version = english(tokens[at + 1 :])
        if not _VERSION.match(version) or at > 1:
            return None
        kind = RELEASE_KINDS.get(words[0]) if at == 1 else ""
        return None if kind is None else f"{kind}{version}をリリースしました。"

    def translate(self, lines: list[str]) -> list[Draft]:
        """Translate a batch of lines; unsure lines come back as needs_review."""
        return [self.translate_draft(line) for line in lines]

    def translate_results(self, lines: list[str]) -> list[Result]:
        """Translate lines into pipeline results (text, origin and state)."""
        return [
            Result(line, d.text, d.origin, d.state)
            for line, d in zip(lines, self.translate(lines), strict=True)
        ]

    def translate_line(self, line: str) -> str:
        """Translate one line (text only)."""
        return self.translate_draft(line).text

    def translate_draft(self, line: str) -> Draft:
        """Translate one line; a line the engine is not sure of gets a conservative rendering."""
        line = period_outside_code(line)
        spans = code_spans(line)
        words = {s for s in spans if _SPAN_WORD.fullmatch(s)}
        if not words:
            return self._translate(line, spans)
        glossary = self.g  # a code span ('`master`', '`private`') is a name, never translated
        self.g = replace(glossary, names=glossary.names | words)
        try:
            return self._translate(line, spans)
        finally:
            self.g = glossary

    def _translate(self, line: str, spans: list[str]) -> Draft:
        parts = split_line(line)
        tokens = self.g.finder.tokenize(_NULL_CHECK.sub("null-check", parts.body))
        protected = self._protected(parts, tokens)
        self._cues = frozenset(
            [t.text.lower() for t in tokens] + [c.lower() for c in parts.components]
        )
        self._doubt = bool(_DEGREE.search(parts.body))  # 'as many X as', 'too many X'
        trap = self.trap(tokens)
        if trap is not None:
            return Draft(self._frame(parts, trap), self.name)
        text, sure = self._render(parts, tokens)
        if missing_tokens(protected, text):
            text, sure = self.conservative(parts, tokens), False
        text = keep_code_spans(spans, text)
        kept = identifier_text(line)
        if missing_tokens(protected_in(kept, self.g.finder.find(kept)), text):
            text = f"{text} ({without_tag(line)})"
        return Draft(text, self.name, "machine" if sure else "needs_review")

    def _protected(self, parts: LineParts, tokens: list[Token]) -> list[str]:
        """Identifiers the output must keep: the body's, the tickets and the components'."""
        found = [t.text for t in tokens if t.protected] + list(parts.tickets)
        for component in parts.components:
            found += self.g.finder.find(component)
        return found

    def _render(self, parts: LineParts, tokens: list[Token]) -> tuple[str, bool]:
        if not tokens:
            return self._frame(parts, ""), True
        sentence, used, guessed = self._best_parse(tokens)
        if used < len(tokens) or guessed:
            split = self._segments(parts.body)
            if split is not None:
                return self._frame(parts, split), False
            return self.conservative(parts, tokens), False
        sure = not unknown_words(tokens, self.g) and not self._doubt
        if not sentence.endswith(ENDINGS):
            return self._noun_frame(parts, sentence), sure
        return self._frame(parts, sentence + "。"), sure

    def _noun_frame(self, parts: LineParts, phrase: str) -> str:
        """A noun-only line as the editors write it: 'crm: regression tests' -> crmの回帰テスト."""
        lead = component_label(self.g, parts.components)
        text = ja.join([lead + "の" if lead else "", phrase]) + trailer(parts)
        return _SPACES.sub(" ", text).strip()

    def _segments(self, body: str) -> str | None:
        """A line of several sentences ('X - Y', 'X. Y', 'X; Y'), each parsed on its own;
        None unless every part parses whole. A part of identifiers only goes last in ()."""
        pieces = [p for p in _SENTENCE_BREAK.split(body) if p.strip()]
        if len(pieces) < 2:
            return None
        out, refs = [], []
        for piece in pieces:
            tokens = self.g.finder.tokenize(piece.strip().rstrip("."))
            if all(t.protected for t in tokens):
                refs.append(english(tokens))
                continue
            rendered = self._segment(tokens, first=not out)
            if rendered is None:
                return None
            out.append(rendered)
        tail = f"({', '.join(refs)})" if refs else ""
        return "".join(out) + tail if out else None

    def _segment(self, tokens: list[Token], first: bool) -> str | None:
        sentence, used, guessed = self._best_parse(tokens)
        if used < len(tokens) or guessed:
            return None
        if not first:
            p = Parser(tokens, self.g)
            clause = p.clause(subject=True)
            if clause is not None and p.at_end() and (clause.subj or clause.pronoun):
                return (self.statement(clause) or self.clause(clause)) + "。"
        return sentence + "。"

    def conservative(self, parts: LineParts, tokens: list[Token]) -> str:
        """What is certain of an unsure line: component, kind of change, identifiers."""
        return conservative(self.g, parts, tokens)

    def _frame(self, parts: LineParts, sentence: str) -> str:
        return frame(self.g, parts, sentence)

    def lead_in(self, components: tuple[str, ...]) -> str:
        """Component prefixes as a Japanese lead-in: 'PE: ' -> 'PEで、'."""
        return component_lead_in(self.g, components)

    # -- top level -----------------------------------------------------------------------

    def _best_parse(self, tokens: list[Token]) -> tuple[str, int, bool]:
        """The parse using the most tokens (verb phrase, clause, noun phrase); stops when whole."""
        best: tuple[int, int, str, bool] | None = None
        attempts = (
            (4, self._try_ability), (4, self._try_no_need), (3, self._try_vp),
            (2, self._try_clause), (1, self._try_np),
        )  # fmt: skip
        for rank, attempt in attempts:
            found = attempt(tokens)
            if found is None:
                continue
            used, text, guessed = found
            if used == len(tokens) and not guessed:
                return text, used, False
            if best is None or (used, not guessed, rank) > (best[0], not best[3], best[1]):
                best = (used, rank, text, guessed)
        if best is None:
            return self._gloss(tokens), len(tokens), True
        return best[2], best[0], best[3]

    def _try_vp(self, tokens: list[Token]) -> tuple[int, str, bool] | None:
        p = Parser(tokens, self.g)
        words = [t.text.lower() for t in tokens[:2]]
        negated = words == ["should", "not"]  # 'bootstrap: should pass X': what the fix does
        p.i = 2 if negated else int(words[0] == "should")
        lead = p.lead_subordinate()
        vp = p.vp()
        if vp is None:
            return None
        vp.neg |= negated
        if lead is not None:
            vp.mods.insert(0, lead)
        first = tokens[0].text.lower() if tokens[0].kind == "word" else ""
        plural_noun = vp.form == "s" and self.g.noun([first]) is not None  # 'bundles support X'
        failing = vp.verb.lemma in FAIL_VERBS and vp.inf is not None  # 'fail to start': a bug
        return p.i, self.imperative(vp), vp.verb.lemma not in self.g.verbs or plural_noun or failing

    def _try_ability(self, tokens: list[Token]) -> tuple[int, str, bool] | None:
        """'ability to V X' (a feature line) -> Xを Vできるようになりました."""
        words = [t.text.lower() for t in tokens[:3]]
        if words[:2] not in (["ability", "to"], ["able", "to"]) or len(tokens) < 3:
            return None
        p = Parser(tokens[2:], self.g)
        vp = p.vp()
        if vp is None or vp.verb.lemma not in self.g.verbs:
            return None
        return p.i + 2, self.pattern("allow", pot=self.vp(vp, "pot")), False

    def _try_no_need(self, tokens: list[Token]) -> tuple[int, str, bool] | None:
        """'No need to V X' -> XをVする必要がなくなりました."""
        if [t.text.lower() for t in tokens[:3]] != ["no", "need", "to"] or len(tokens) < 4:
            return None
        p = Parser(tokens[3:], self.g)
        vp = p.vp()
        if vp is None or vp.verb.lemma not in self.g.verbs:
            return None
        return p.i + 3, self.vp(vp, "dict") + "必要がなくなりました", False

    def _try_clause(self, tokens: list[Token]) -> tuple[int, str, bool] | None:
        p = Parser(tokens, self.g)
        lead = p.lead_subordinate()
        clause = p.clause(subject=True)
        if clause is None or not (clause.subj or clause.pronoun) or not clause.finite:
            return None
        lead_text = self.adjunct(lead, Verb("be", "である")) + "、" if lead is not None else ""
        fact = self.statement(clause)
        if fact is not None:
            return p.i, lead_text + fact, False
        pattern = "declarative"
        if clause.vp is not None and "now" in clause.vp.advs and not clause.neg:
            clause.vp.advs.remove("now")  # 'X now supports Y', 'X is now deprecated': a new way
            pattern = "now"
        text = lead_text + self.clause(clause)
        return p.i, self.pattern(pattern, clause=text), _describes_defect(clause, tokens[: p.i])

    def statement(self, clause: Clause) -> str | None:
        """'X are not Y' states a fact: XはYではありません (not a change made 〜ようにしました);
        'X is now Y' a new state: XがYになりました."""
        if clause.vp is None and not clause.mods and clause.advs == ["now"] and not clause.neg:
            return self._new_state(clause)
        if clause.vp is not None or clause.pred is None or clause.mods or clause.advs:
            return None
        subj = self.np(clause.subj) + "は" if clause.subj is not None else ""
        return ja.join([subj, self.np(clause.pred), "ではありません" if clause.neg else "です"])

    def _new_state(self, clause: Clause) -> str | None:
        """'X is now const' -> Xがconstになりました; 'X is now longer' -> Xが長くなりました."""
        subj = self.np(clause.subj) + "が" if clause.subj is not None else ""
        if clause.pred is not None:
            return f"{subj}{self.np(clause.pred)}になりました"
        if clause.pred_adj:
            return f"{subj}{adverbial(clause.pred_adj)}なりました"
        return None

    def _try_np(self, tokens: list[Token]) -> tuple[int, str, bool] | None:
        if self._opens_with_done_verb(tokens):
            return None  # 'Fix fencing topology handling' is a verb phrase, not a noun line
        p = Parser(tokens, self.g)
        p.noun_line = True
        phrase = p.np()
        return None if phrase is None else (p.i, self.noun_line(phrase), False)

    def _opens_with_done_verb(self, tokens: list[Token]) -> bool:
        """'Fix X', 'Add X': a verb of finished work in its base form, then a plain word."""
        if len(tokens) < 2 or tokens[0].kind != "word" or tokens[1].kind != "word":
            return False
        found = self.g.verb(tokens[0].text)
        after = tokens[1].text.lower()
        done = found is not None and found[1] == "base" and found[0].done
        return done and after not in self.g.prepositions

    def pattern(self, name: str, **values: str) -> str:
        """Fill one of the lexicon's sentence patterns."""
        return self.g.patterns[name].format(**values)

    def imperative(self, vp: VP) -> str:
        """Choose the Japanese ending from the top-level verb and its shape."""
        lemma = vp.verb.lemma
        if vp.neg and lemma in {"allow", "let"} and vp.obj is not None and vp.obj_inf:
            inner = vp.obj_inf
            form = "passive_neg" if inner.passive else "neg"
            clause = self._prefix(vp) + self.np(vp.obj) + "が" + self.vp(inner, form)
            return self.pattern("negative", neg=clause)
        if vp.neg:
            return self.pattern("negative", neg=self.vp(vp, "neg"))
        if "correctly" in vp.advs or "properly" in vp.advs:
            vp.advs = [a for a in vp.advs if a not in {"correctly", "properly"}]
            return self.pattern("correctly", dict=self.vp(vp, "dict", last="正しく"))
        special = self._special(lemma, vp)
        if special is not None:
            return special
        if (vp.verb.done or (vp.result and lemma == "make")) and not vp.coord:
            return self.pattern("done", polite=self.vp(vp, "polite"))
        return self.pattern("behave", dict=self.vp(vp, "dict"))

    def _special(self, lemma: str, vp: VP) -> str | None:
        if lemma in ENABLE_VERBS and vp.inf is not None:  # 'allow setting X'
            return self.pattern("allow", pot=self._prefix(vp) + self.vp(vp.inf, "pot"))
        if lemma in STOP_VERBS and vp.inf is not None:  # 'stop ignoring X'
            return self.pattern("negative", neg=self._prefix(vp) + self.vp(vp.inf, "neg"))
        support = self._support_for(vp)
        if lemma in {"add", "implement", "introduce", "provide"} and support is not None:
            return self.pattern("support", x=self._prefix(vp) + support)
        if lemma in {"ensure", "make sure"} and vp.comp is not None:
            return self.pattern("ensure", clause=self._prefix(vp) + self.clause(vp.comp))
        if lemma == "prevent" and vp.obj is not None:
            if vp.obj_inf is not None:
                clause = self.np(vp.obj) + "が" + self.vp(vp.obj_inf, "neg")
                return self.pattern("prevent_from", clause_neg=self._prefix(vp) + clause)
            return self.pattern("prevent", x=self._prefix(vp) + self.np(vp.obj))
        if lemma == "avoid":
            if vp.inf is not None:
                return self.pattern("avoid_ing", neg=self._prefix(vp) + self.vp(vp.inf, "neg"))
            if vp.obj is not None:
                return self.pattern("avoid", x=self._prefix(vp) + self.np(vp.obj))
        if lemma in {"have", "get", "make"} and vp.obj is not None and vp.obj_inf is not None:
            return self.pattern("ensure", clause=self._prefix(vp) + self._subject_vp(vp))
        if lemma in {"allow", "let"} and vp.obj is not None:
            if vp.obj_inf is not None:
                return self.pattern("allow", pot=self._prefix(vp) + self._subject_vp(vp))
            return self.pattern("allow_obj", x=self._prefix(vp) + self.np(vp.obj))
        return None

    def _support_for(self, vp: VP) -> str | None:
        """'add support for X' -> X (the editors write Xに対応しました)."""
        if vp.obj is None or len(vp.obj.units) != 1 or vp.obj_inf is not None:
            return None
        unit = vp.obj.units[0]
        words = [w.text.lower() for w in unit.words]
        mods = unit.mods
        if words != ["support"] or len(mods) != 1 or mods[0].prep != "for":
            return None
        return self.np(mods[0].np) if mods[0].np is not None else None

    def _subject_vp(self, vp: VP) -> str:
        inner = vp.obj_inf
        assert inner is not None and vp.obj is not None
        form = "passive_pot" if inner.passive else "pot"
        if vp.verb.lemma in {"have", "get", "make"}:
            form = "passive_dict" if inner.passive else "dict"
        return self.np(vp.obj) + "が" + self.vp(inner, form)

    def _prefix(self, vp: VP) -> str:
        return "".join(self.adjunct(m, vp.verb) for m in vp.mods)

    def noun_line(self, phrase: NP) -> str:
        """A line that is only a noun phrase ("Regression test updates")."""
        head = phrase.units[-1].words[-1]
        found = self.g.verb(head.text.lower()) if head.kind == "word" else None
        known = self.g.noun([w.text.lower() for w in phrase.units[0].words])
        known = known or (head.kind == "word" and self.g.noun([head.text.lower()]))
        if (
            len(phrase.units) == 1
            and known is None
            and found
            and found[1] in {"base", "s"}
            and len(phrase.units[0].words) > 1
        ):
            unit = phrase.units[0]
            rest = Unit(unit.words[:-1], unit.mods)
            verb = ja.conjugate(found[0].ja, "polite", ichidan=found[0].ichidan)
            return f"{self.unit(rest)}を{verb}"
        first = phrase.units[0].words[0]
        if first.kind == "word" and first.text.lower() == "new":
            return self.np(phrase) + "を追加しました"
        headline = self._headline(phrase)
        return headline if headline is not None else self.np(phrase)

    def _headline(self, phrase: NP) -> str | None:
        """'Large file support enabled (...)' -> 大きなファイルサポートを有効にしました(...)."""
        unit = phrase.units[-1]
        parts = [m for m in unit.mods if m.kind == "part"]
        if len(phrase.units) != 1 or len(parts) != 1 or unit.mods[-1].kind not in {"part", "paren"}:
            return None
        part = parts[0]
        if part.vp is None or part.vp.verb.lemma not in self.g.verbs:
            return None
        if any(m.kind != "paren" for m in part.vp.mods):
            return None
        rest = Unit(unit.words, [m for m in unit.mods if m is not part], unit.suffix)
        verb = part.vp.verb
        parens = "".join(self.verbatim(english(m.toks)) for m in part.vp.mods)
        return f"{self.unit(rest)}{verb.obj}{verb_form(verb, 'polite')}{parens}"


def _describes_defect(clause: Clause, tokens: list[Token]) -> bool:
    """'X did not work', 'X could fail', 'X does not work': the bug, not the change made."""
    could = any(t.text.lower() == "could" for t in tokens)
    broken = clause.neg and clause.vp is not None and clause.vp.verb.lemma == "work"
    return (clause.past and clause.neg) or could or broken
