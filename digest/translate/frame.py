"""The Japanese frame around a rendered line: component lead-in, tickets, conservative rendering.

A line the engine cannot parse whole gets a conservative rendering built only from what is
certain, never an invented clause: the component (its glossary label), the kind of change when
the line opens with a verb that reports finished work (Fix -> 修正, Add -> 追加, Remove -> 削除,
Deprecate -> 非推奨化, anything else -> 変更) and the line's identifiers, verbatim. The English
line is shown as the link text right above the explanation, so the explanation does not repeat
it; the line keeps state `needs_review` and the draft marks it.

    pengine: Do not claim to be stopping an already stopped orphan -> pengineの変更です。
    PE: Prevent use-of-NULL if anyone passes NULL to native_assign_node()
        -> PEで、NULL、native_assign_node()に関する変更です。
    fix on mouse over not working all the time -> 修正です。
"""

from __future__ import annotations

import re

from digest.translate import ja
from digest.translate.glossary import Glossary
from digest.translate.lines import LineParts
from digest.translate.syntax import COMPARISONS
from digest.translate.tokens import Token

_SPACES = re.compile(r" {2,}")
AGENT_LABELS = {"リソースエージェント"}
KINDS = {
    "修正", "追加", "削除", "変更", "更新", "改善", "実装", "導入", "非推奨化", "有効化",
    "無効化", "名前変更", "整理", "簡素化", "最適化", "リファクタリング",
}  # fmt: skip
NEGATION_OPENERS = {"do", "don't", "dont", "never", "not", "no"}


def component_lead_in(g: Glossary, components: tuple[str, ...]) -> str:
    """Component prefixes as a Japanese lead-in: 'PE: ' -> 'PEで、'."""
    label = component_label(g, components)
    return ja.join([label, "で、"]) if label else ""


def component_label(g: Glossary, components: tuple[str, ...]) -> str:
    """Component prefixes as one Japanese noun: ('Tools', 'attrd') -> 'ツールのattrd'."""
    if not components:
        return ""
    labels = [
        "、".join(_label(g, c.strip()) for c in component.split(",")) for component in components
    ]
    if len(labels) > 1 and labels[0].lower() in AGENT_LABELS:
        labels = [labels[-1] + "リソースエージェント"]
    return "の".join(_dedupe(labels))


def frame(g: Glossary, parts: LineParts, sentence: str) -> str:
    """Lead-in + sentence + ticket references."""
    lead = component_lead_in(g, parts.components)
    return _SPACES.sub(" ", f"{lead}{sentence}{trailer(parts)}").strip()


def trailer(parts: LineParts) -> str:
    """What follows the sentence: the regression note '(X でのデグレード)', then '(tickets)'."""
    note = f"({parts.regression}でのデグレード)" if parts.regression else ""
    return note + (f"({', '.join(parts.tickets)})" if parts.tickets else "")


def conservative(g: Glossary, parts: LineParts, tokens: list[Token]) -> str:
    """What is certain of an unsure line: component, kind of change and identifiers."""
    label = component_label(g, parts.components)
    kind = change_kind(g, tokens)
    ids = [i for i in identifier_chunks(parts.body, tokens) if i not in label]
    if ids:
        lead = component_lead_in(g, parts.components)
        text = f"{lead}{'、'.join(ids)}に関する{kind}です。"
    else:
        text = ja.join([label + "の" if label else "", f"{kind}です。"])
    return _SPACES.sub(" ", text + trailer(parts)).strip()


def change_kind(g: Glossary, tokens: list[Token]) -> str:
    """The kind of change when the line opens with a verb of finished work, else 変更."""
    if not tokens or tokens[0].kind != "word" or tokens[0].text.lower() in NEGATION_OPENERS:
        return "変更"
    found = g.verb(tokens[0].text)
    if found is None or found[1] not in {"base", "ed"} or not found[0].done:
        return "変更"
    return kind_noun(found[0].ja)


def kind_noun(verb: str) -> str:
    """The kind noun of a lexicon verb (修正する -> 修正, 非推奨にする -> 非推奨化) if it names
    a kind of change the digest uses; anything else is a 変更."""
    noun = verb.removesuffix("にする") + "化" if verb.endswith("にする") else verb
    noun = noun.removesuffix("する")
    return noun if noun in KINDS else "変更"


def identifier_chunks(body: str, tokens: list[Token]) -> list[str]:
    """Runs of adjacent identifiers as the body writes them ('crm_resource --cleanup', '>= 19',
    'major()/minor()'), in order, each once."""
    spans: list[tuple[int, int]] = []
    run: tuple[int, int] | None = None
    pos = 0
    for i, t in enumerate(tokens):
        start = body.find(t.text, pos)
        start = pos if start < 0 else start
        pos = start + len(t.text)
        next_is_id = i + 1 < len(tokens) and tokens[i + 1].protected
        if t.protected or (t.text in COMPARISONS and next_is_id):
            run = (run[0] if run else start, pos)
            continue
        if run:
            spans.append(run)
        run = None
    if run:
        spans.append(run)
    return _dedupe([_glued(body, s, e) for s, e in spans])


def _glued(body: str, start: int, end: int) -> str:
    """The span, with an empty call '()' glued to its end kept ('minor()')."""
    while body.startswith("()", end):
        end += 2
    return body[start:end]


def _label(g: Glossary, component: str) -> str:
    """The Japanese label of a component; a protected one must appear in it verbatim."""
    label = g.components.get(component.lower(), component)
    if component in label or not g.finder.find(component):
        return label
    return component


def _dedupe(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        if label not in out:
            out.append(label)
    return out
