"""Which words of a demo prompt matter: the labels the demo LLMLingua-2 classifier learns.

LLMLingua-2 is trained on words labelled keep or drop. Its authors had GPT-4 label meeting
transcripts; the demo world needs no oracle, because its generator knows what every answer
depends on. The rule, applied word by word (a word is a whitespace-separated string):

1. Function words (STOPWORDS: articles, pronouns, auxiliaries, most prepositions) get 0.
   Words that carry the rules' logic or a ticket's intent are not function words: not, no,
   never, unless, if, or, only, any, than, above, fewer, more, after, inside, outside, equal,
   where, what.
2. Filler gets 0: in the manual the assistant's role sentence and "Be polite, but"; in a
   ticket the generator's greetings, closings and small talk (generator.GREETINGS, CLOSINGS,
   STANDARD).
3. Every other ticket word gets 1: it states a fact the answer needs (intent, order id, price,
   days, membership, opened or sealed).
4. Every other manual word gets 0.5 + 0.5 x usage, where usage is the share of requests whose
   answer applies the manual span the word is in (`spans_used`: the intent's definition, the
   membership and return-window sentences, the one rule that decides, the escalation rule for
   any refund; the answer-format sentences are used by every request). Every content word is
   kept at LLMLingua-2's usual 0.5 threshold, and when a rate asks for fewer words, the spans
   most requests need rank first.

Labels are soft targets for training; `binary` (>= 0.5) gives the keep/drop labels the
classifier's F1 is measured on. Pure Python: no torch here.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from llmopt.demo import generator, manual
from llmopt.demo.generator import EASY, Facts
from llmopt.errors import AssetError

STOPWORDS = frozenset({
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "of", "to", "in", "on",
    "at", "by", "for", "with", "and", "as", "it", "its", "this", "that", "these", "those", "i",
    "my", "me", "you", "your", "we", "our", "they", "their", "them", "there", "here", "so", "do",
    "does", "did", "has", "have", "had", "will", "would", "can", "could", "please", "from",
    "into", "about", "also", "just", "still", "but",
})
FILLER = "filler"
ALWAYS = "always"
USAGE_SAMPLE = 4000
"""Requests (generator seed USAGE_SEED, the workload's tier mix) the usage shares come from."""
USAGE_SEED = 20_240_101

_WINDOW_RULE = {("damaged", True): "rule1", ("wrong_item", True): "rule2",
                ("damaged", False): "rule3", ("wrong_item", False): "rule3",
                ("changed_mind", True): "rule4", ("changed_mind", False): "rule5"}
_EASY_RULE = {"cancel": "rule8:cancel", "tracking": "rule8:tracking",
              "address_change": "rule8:address"}
_WORD = re.compile(r"\S+")


def manual_spans(text: str = manual.MANUAL) -> list[tuple[int, int, str]]:
    """(start, end, name) of the manual's named spans; the rest of the text is ALWAYS.
    AssetError when the manual no longer has one of them (the rule must follow the text)."""
    patterns = {
        FILLER: [r"You are the support assistant of [^.]+\.", r"Be polite, but"],
        "membership": [r"Membership: [^.]+\."],
        "window": [r"The return window is [^.]+\."],
        "window_edge": [r"A day count equal to the window is still inside it\."],
        **{f"intent:{i}": [rf"\b{i} \([^)]*\)"] for i in (*EASY, *generator.HARD)},
        **{f"rule{n}": [rf"(?m)^{n}\. .*$"] for n in range(1, 8)},
        "rule8:cancel": [r"8\. Cancel: [^.]+\."],
        "rule8:tracking": [r"Tracking: [^.]+\."],
        "rule8:address": [r"Address change: [^.]+\."],
    }
    found = []
    for name, regexes in patterns.items():
        for regex in regexes:
            match = re.search(regex, text)
            if match is None:
                raise AssetError(f"the manual has no span {name!r} ({regex!r}); update "
                                 "llmopt.compress.labels with the manual")
            found.append((match.start(), match.end(), name))
    return sorted(found)


def spans_used(facts: Facts) -> set[str]:
    """The manual spans the answer to a request with these facts applies."""
    used = {ALWAYS, f"intent:{facts.intent}"}
    if facts.intent in _EASY_RULE:
        return used | {_EASY_RULE[facts.intent]}
    used.add("membership")
    if facts.intent == "late_delivery":
        return used | {"rule6"}
    window = manual.WINDOW_DAYS[facts.member]
    rule = _WINDOW_RULE[(facts.intent, facts.days <= window)]
    used |= {"window", rule}
    if facts.days == window:
        used.add("window_edge")
    if rule in ("rule1", "rule4"):  # a refund: checked against the escalation threshold
        used.add("rule7")
    return used


@cache
def usage(sample: int = USAGE_SAMPLE, seed: int = USAGE_SEED) -> dict[str, float]:
    """Share of requests using each span (ALWAYS: 1.0)."""
    counts: Counter[str] = Counter()
    items = generator.generate(sample, seed=seed)
    for item in items:
        counts.update(spans_used(Facts.from_dict(item.facts)))
    return {name: counts[name] / len(items) for name in counts}


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str
    label: float


def is_stopword(word: str) -> bool:
    return re.sub(r"[^\w]", "", word).lower() in STOPWORDS


def manual_words(text: str = manual.MANUAL) -> list[Word]:
    """The manual's words with their soft labels (rule 1, 2 and 4)."""
    spans, shares = manual_spans(text), usage()
    words = []
    for match in _WORD.finditer(text):
        name = next((n for a, b, n in spans if a <= match.start() < b), ALWAYS)
        if name == FILLER or is_stopword(match.group()):
            label = 0.0
        else:
            label = 0.5 + 0.5 * shares.get(name, 0.0)
        words.append(Word(match.start(), match.end(), match.group(), label))
    return words


def ticket_words(ticket: str) -> list[Word]:
    """A ticket's words with their labels (rules 1 to 3)."""
    filler = [s for s in (*generator.GREETINGS, *generator.CLOSINGS, *generator.STANDARD) if s]
    covered = [(m.start(), m.end()) for s in filler for m in re.finditer(re.escape(s), ticket)]
    words = []
    for match in _WORD.finditer(ticket):
        in_filler = any(a <= match.start() < b for a, b in covered)
        label = 0.0 if in_filler or is_stopword(match.group()) else 1.0
        words.append(Word(match.start(), match.end(), match.group(), label))
    return words


def drop_words(words: list[Word], text: str, rate: float,
               rng: random.Random) -> tuple[str, list[Word]]:
    """The text with a share `rate` of its words dropped at random (as the demo models were
    trained on), and the kept words at their new offsets."""
    parts, kept, at = [], [], 0
    ends = [w.start for w in words[1:]] + [len(text)]
    for word, next_start in zip(words, ends, strict=True):
        if rng.random() < rate:
            continue
        gap = text[word.end:next_start]
        start = at
        parts.append(word.text + (gap or " "))
        at += len(parts[-1])
        kept.append(Word(start, start + len(word.text), word.text, word.label))
    return "".join(parts).rstrip(), kept


def binary(label: float) -> int:
    """The keep (1) / drop (0) label a soft label stands for."""
    return int(label >= 0.5)
