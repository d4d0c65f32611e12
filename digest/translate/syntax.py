"""The parse tree of a changelog line (NP, Unit, Mod, VP, Clause) and English word classes."""

from __future__ import annotations

from dataclasses import dataclass, field

from digest.translate.glossary import Verb
from digest.translate.tokens import Token

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
# -ing words that before a noun describe it ('existing resources'), not act on it.
PARTICIPLE_ADJECTIVES = {
    "existing", "remaining", "failing", "pending", "missing", "running", "matching",
    "corresponding", "following", "leading", "trailing", "outstanding", "surviving", "rolling",
    "conflicting", "preceding", "resulting", "ongoing", "incoming", "outgoing", "underlying",
    "changing", "increasing", "decreasing", "working", "waiting", "hanging", "dangling",
}  # fmt: skip
# Nouns of a defect: 'a crash displaying X' says what was being done when it happened.
DEFECT_NOUNS = {
    "crash", "segfault", "leak", "hang", "deadlock", "race", "error", "failure", "assertion",
    "abort", "timeout",
}  # fmt: skip
# Head nouns whose modifiers are names: 'colonptr variable', 'target-role attribute'.
CLASSIFIERS = {
    "command", "option", "parameter", "attribute", "plugin", "property", "variable", "field",
    "directive", "keyword", "subcommand", "function", "flag", "task", "macro", "method",
}  # fmt: skip
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
FIX_VERBS = {"fix", "correct", "repair"}
# Verbs that take no 'to': after their object, 'to X' belongs to it ('drop argument to f()').
TO_NOUN_VERBS = {"drop", "remove", "delete", "deprecate", "fix", "document"}
# C qualifiers a change can give a thing: 'make X const' -> Xをconstにしました (kept verbatim).
C_QUALIFIERS = {"const", "static", "inline", "volatile", "extern"}
# Verbs whose object can be an action: 'allow setting X', 'stop ignoring X', 'fix parsing X'.
ENABLE_VERBS = {"allow", "enable", "support", "permit"}
STOP_VERBS = {"stop", "skip"}
FAIL_VERBS = {"fail"}  # 'failing to open X': Xを開くのに失敗
TIMING_VERBS = {"delay", "defer", "postpone", "retry", "resume", "finish"}  # 'Delay creating X'
DOC_VERBS = {"document", "describe", "explain"}  # 'Document using X': how to use X
REWORK_VERBS = {"functionize", "refactor", "simplify"}  # 'Functionize checking X': that code
GERUND_OBJECT_VERBS = (
    FIX_VERBS | ENABLE_VERBS | STOP_VERBS | TIMING_VERBS | DOC_VERBS | REWORK_VERBS
)
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


def drop_no(phrase: NP) -> bool:
    """'no X' as a subject: drop 'no' and report that the clause is negated."""
    words = phrase.units[0].words
    if len(phrase.units) == 1 and len(words) > 1 and words[0].text.lower() == "no":
        del words[0]
        return True
    return False


def plural_subject(phrase: NP) -> bool:
    """A plural subject: coordinated, or a head noun ending in -s."""
    head = phrase.units[-1].words[-1]
    return len(phrase.units) > 1 or (head.kind == "word" and head.text.lower().endswith("s"))


def lemma_in(word: str, table: set[str]) -> bool:
    """True when a word or its plural-less form is in the table ('options' -> 'option')."""
    return word in table or word.rstrip("s") in table
