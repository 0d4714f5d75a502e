"""Phrase matching on token boundaries, for thousands of terms in one pass.

A phrase (a lexicon term, a gazetteer alias) is a sequence of *keys*; a text token offers
a small set of candidate keys; a phrase matches where each of its keys is among the
candidates of consecutive tokens, with no sentence break inside. Phrases are indexed by
their first key (a hash lookup per token and candidate), so the cost grows with the text
length, not with the number of terms.

Keys:
- Arabic: a phrase token loses a leading definite article "ال" (when two letters or more
  remain). A text token offers itself and the forms without the clitics that attach to
  the front of an Arabic word: an optional conjunction و / ف, then one of بال كال فال وال
  لل ال ب ك ل. So "التجمعات الصناعية" matches "تجمعات صناعية", "للتجمعات الصناعية" and
  "والتجمعات الصناعية"; "العاصمة" matches "بالعاصمة". Write phrases without
  prepositions or conjunctions in front (write "الدقة", not "للدقة"). Suffixes are not
  stripped: list the forms you want (تجمع، تجمعات، تجمعا).
- French and other Latin: a light singular (a final -s dropped, -aux → -al, -eaux →
  -eau, -eux → -eu) on both sides, so "pôles de compétitivité" matches "pôle de
  compétitivité". Elided articles are already gone (see normalise.py).
- Numbers: the digits as folded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from scrapers.text.normalise import Token, tokenize

_AR_CONJUNCTIONS = ("و", "ف")
_AR_PREFIXES = ("بال", "كال", "فال", "وال", "لل", "ال", "ب", "ك", "ل")


def latin_key(norm: str) -> str:
    if len(norm) > 4 and norm.endswith("eaux"):
        return norm[:-1]
    if len(norm) > 4 and norm.endswith("aux"):
        return norm[:-3] + "al"
    if len(norm) > 4 and norm.endswith("eux"):
        return norm[:-1]
    if len(norm) > 3 and norm.endswith("s") and not norm.endswith("ss"):
        return norm[:-1]
    return norm


def phrase_key(token: Token) -> str:
    """The key of a token of a phrase (term, alias)."""
    if token.script == "ar":
        if token.norm.startswith("ال") and len(token.norm) >= 4:
            return token.norm[2:]
        return token.norm
    if token.script == "lat":
        return latin_key(token.norm)
    return token.norm


def text_keys(token: Token) -> frozenset[str]:
    """The keys a token of the text can match."""
    norm = token.norm
    if token.script == "lat":
        return frozenset({latin_key(norm)})
    if token.script != "ar":
        return frozenset({norm})
    keys = {norm}
    bases = [norm]
    if norm[0] in _AR_CONJUNCTIONS and len(norm) >= 4:
        bases.append(norm[1:])
    for base in bases:
        keys.add(base)
        for prefix in _AR_PREFIXES:
            if base.startswith(prefix) and len(base) - len(prefix) >= 2:
                keys.add(base[len(prefix) :])
    return frozenset(keys)


def phrase_keys(phrase: str) -> tuple[str, ...]:
    return tuple(phrase_key(token) for token in tokenize(phrase))


@dataclass(frozen=True, slots=True)
class Match:
    """Tokens [first, last) of a document matched `payload`; chars [start, end) of the text."""

    first: int
    last: int
    start: int
    end: int
    payload: Hashable

    @property
    def length(self) -> int:
        return self.last - self.first


class Document:
    """A text tokenised once, with the candidate keys of each token."""

    __slots__ = ("keys", "text", "tokens")

    def __init__(self, text: str):
        self.text = text or ""
        self.tokens = tokenize(self.text)
        self.keys = [text_keys(token) for token in self.tokens]

    def surface(self, first: int, last: int) -> str:
        return self.text[self.tokens[first].start : self.tokens[last - 1].end]

    def has_break(self, first: int, last: int) -> bool:
        """A sentence break between tokens first..last-1 (not before `first`)."""
        return any(self.tokens[i].brk for i in range(first + 1, last))


class PhraseMatcher:
    def __init__(self) -> None:
        self._index: dict[str, list[tuple[tuple[str, ...], Hashable]]] = defaultdict(list)
        self._seen: set[tuple[tuple[str, ...], Hashable]] = set()
        self.size = 0

    def add(self, phrase: str, payload: Hashable) -> tuple[str, ...]:
        keys = phrase_keys(phrase)
        if not keys:
            raise ValueError(f"phrase {phrase!r} has no token")
        if (keys, payload) not in self._seen:
            self._seen.add((keys, payload))
            self._index[keys[0]].append((keys, payload))
            self.size += 1
        return keys

    def find_all(self, doc: Document) -> list[Match]:
        """Every match, overlapping ones included."""
        found: list[Match] = []
        tokens, keys, n = doc.tokens, doc.keys, len(doc.tokens)
        for i in range(n):
            for key in keys[i]:
                for phrase, payload in self._index.get(key, ()):
                    size = len(phrase)
                    if i + size > n:
                        continue
                    if all(
                        phrase[k] in keys[i + k] and not tokens[i + k].brk for k in range(1, size)
                    ):
                        found.append(
                            Match(i, i + size, tokens[i].start, tokens[i + size - 1].end, payload)
                        )
        return found

    def find(self, doc: Document) -> list[Match]:
        """Leftmost-longest matches that do not overlap, in text order."""
        return leftmost_longest(self.find_all(doc))


def leftmost_longest(matches: Sequence[Match]) -> list[Match]:
    chosen: list[Match] = []
    taken_until = -1
    for match in sorted(matches, key=lambda m: (m.first, -m.length, str(m.payload))):
        if match.first >= taken_until:
            chosen.append(match)
            taken_until = match.last
    return chosen
