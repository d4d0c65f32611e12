"""The offline rules engine: parse a changelog line and render it in the digest's Japanese."""

from __future__ import annotations

import re

from sqlite_utils import Database

from digest import store
from digest.sources.inline_markdown import code_spans
from digest.translate import ja
from digest.translate.base import Draft, Result
from digest.translate.confidence import FUNCTION_WORDS, unknown_words
from digest.translate.frame import (
    component_label,
    component_lead_in,
    conservative,
    frame,
    tickets_of,
)
from digest.translate.glossary import Glossary, Verb, load_glossary, with_terms
from digest.translate.lines import LineParts, protected_in, split_line
from digest.translate.markdown import keep_code_spans
from digest.translate.parse import NP, VP, Clause, Mod, Parser, Unit
from digest.translate.tokens import Token, english, missing_tokens

CREATION_VERBS = {"add", "implement", "introduce", "provide", "create"}
CLASSIFIERS = {
    "command", "option", "parameter", "attribute", "plugin", "property", "variable", "field",
    "directive", "keyword", "subcommand", "function", "flag", "task", "macro", "method",
}  # fmt: skip
_SPACES = re.compile(r" {2,}")
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+(?:[-~ ]?(?:rc|beta|alpha|final)\d*)?$", re.IGNORECASE)
RELEASE_KINDS = {"stable": "安定版", "beta": "ベータ版", "final": "最終版", "new": "新しい"}
FIX_VERBS = {"fix", "correct", "repair"}
DOUBTFUL = {"no", "not", "none", "only"}  # inside a noun phrase: a negation or limit misplaced
ENDINGS = ("ました", "です", "ません")
AUX_LEMMAS = {"have", "be", "do"}
PAST_BEFORE = {"after", "once"}  # 'after X-ing' -> Xした後に
_SENTENCE_BREAK = re.compile(r"\s+-\s+|(?<=[a-z])\.\s+(?=[A-Z])|;\s+")


class RulesEngine:
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
        parts = split_line(line)
        tokens = self.g.finder.tokenize(parts.body)
        protected = self._protected(parts, tokens)
        self._cues = frozenset(
            [t.text.lower() for t in tokens] + [c.lower() for c in parts.components]
        )
        self._doubt = False
        trap = self.trap(tokens)
        if trap is not None:
            return Draft(self._frame(parts, trap), self.name)
        text, sure = self._render(parts, tokens)
        if missing_tokens(protected, text):
            text, sure = self.conservative(parts, tokens), False
        text = keep_code_spans(code_spans(line), text)
        if missing_tokens(protected_in(line, self.g.finder.find(line)), text):
            text = f"{text} ({line.strip()})"
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
        text = ja.join([lead + "の" if lead else "", phrase]) + tickets_of(parts)
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
                return self.clause(clause) + "。"
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
        lead = p.lead_subordinate()
        vp = p.vp()
        if vp is None:
            return None
        if lead is not None:
            vp.mods.insert(0, lead)
        first = tokens[0].text.lower() if tokens[0].kind == "word" else ""
        plural_noun = vp.form == "s" and self.g.noun([first]) is not None  # 'bundles support X'
        return p.i, self.imperative(vp), vp.verb.lemma not in self.g.verbs or plural_noun

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
        text = self.clause(clause)
        if lead is not None:
            text = self.adjunct(lead, Verb("be", "である")) + "、" + text
        return p.i, self.pattern("declarative", clause=text), False

    def _try_np(self, tokens: list[Token]) -> tuple[int, str, bool] | None:
        p = Parser(tokens, self.g)
        p.noun_line = True
        phrase = p.np()
        return None if phrase is None else (p.i, self.noun_line(phrase), False)

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

    # -- noun phrases --------------------------------------------------------------------

    def np(self, phrase: NP | None) -> str:
        """Render coordinated noun phrase units."""
        if phrase is None:
            return ""
        out = [self.unit(phrase.units[0])]
        self._doubt |= any(self._verb_opens(u) for u in phrase.units[1:])
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
        mods = [self.postmod(m) for m in reversed(unit.mods) if m.kind != "paren"]
        parens = [self.verbatim(english(m.toks)) for m in unit.mods if m.kind == "paren"]
        return ja.join([*mods, self.words(unit.words), *parens, unit.suffix])

    def words(self, words: list[Token]) -> str:
        """Premodifiers + head: glossary terms, adjectives, participles, identifiers."""
        head = words[-1].text.lower() if words[-1].kind == "word" else ""
        self._doubt |= any(w.kind == "word" and w.text.lower() in DOUBTFUL for w in words)
        verbatim = bool(self.g.noun([head]) and _lemma_in(head, CLASSIFIERS))
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
            return f" {t.text} ", 1
        low = t.text.lower()
        if verbatim and low not in self.g.adjectives:
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
            self._doubt |= not alone and i == len(words) - 1  # 'descriptions better'
            return (t.text if alone else self.g.adjectives[low]), 1
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
            template = spec.get("ing") or spec[where]
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
            inner = self.vp(vp.inf, "vol")
            return inner + "と" + ja.conjugate("する", form)
        if vp.verb.lemma == "be":
            return ""
        if vp.result:
            verb = "保つ" if vp.verb.lemma == "keep" else "する"
            return adverbial(vp.result) + ja.conjugate(verb, form)
        return verb_form(vp.verb, form, passive=vp.passive)

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


def _negate(form: str) -> str:
    return {"dict": "neg", "past": "past_neg", "polite": "neg", "vol": "neg"}.get(form, form)


def _lemma_in(word: str, table: set[str]) -> bool:
    return word in table or word.rstrip("s") in table
