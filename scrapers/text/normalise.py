"""Matching normalisation for Arabic and French text, and tokens with their spans.

Stored text stays as published: these functions build *matching* forms only (for the
lexicon, the gazetteers, content hashes and shingles), and every token keeps the span of
the original characters it came from, so a match can be reported with its surface form.

Rules (the same for every script, so mixed text needs no language decision first):

1. NFKC: Arabic Presentation Forms A/B (ﺍﻟﺘﺠﻤﻌﺎﺕ, the lam-alef ligature ﻻ) become the
   ordinary letters; NBSP, narrow NBSP and other compatibility spaces become spaces.
2. Format characters (category Cf) are dropped: bidi marks (LRM, RLM, ALM, embeddings,
   isolates), zero-width space/joiners, BOM, soft hyphen. Tatweel (ـ) is dropped.
3. Case folding (casefold: `ß`→`ss`), then canonical decomposition and removal of every
   combining mark: French accents (é→e, ï→i), Arabic harakat (fatha ... sukun, shadda,
   tanwin, superscript alef, Quranic marks) and the hamza/madda carried by a letter, so
   أ إ آ → ا, ؤ → و, ئ → ي. Standalone hamza ء is kept.
4. Letter map: ٱ (wasla) → ا, ة → ه, ى → ي, Persian ی → ي, ک → ك, and the Maghrebi
   letters ڤ → ف, ڨ → ق (ڨالمة = قالمة); œ → oe, æ → ae.
5. Digits: Eastern Arabic ٠-٩ and Persian ۰-۹ → 0-9 (Arabic decimal separator ٫ → `,`,
   thousands separator ٬ removed inside numbers).
6. Apostrophes ’ ʼ ‘ ` ´ ′ ＇ → `'`; a French elided word before an apostrophe (l' d' j'
   m' n' s' t' c' qu' jusqu' lorsqu' puisqu' quoiqu') is dropped from the tokens, so
   "l'Industrie", "L’industrie" and "industrie" match alike.

`normalise()` returns the folded tokens joined by single spaces (punctuation gone).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

APOSTROPHES = "'’ʼ‘`´′＇"
ELIDED = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
# Characters that end a sentence (or a title line) between two tokens.
SENTENCE_BREAKS = frozenset(".!?؟;؛\n…")

_LETTER_MAP = str.maketrans(
    {
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ې": "ي",
        "ک": "ك",  # Persian keheh
        "ڤ": "ف",  # Maghrebi veh (used for g/v in names)
        "ڨ": "ق",  # Maghrebi qaf with three dots (ڨالمة)
        "ۀ": "ه",
        "œ": "oe",
        "æ": "ae",
        "ـ": None,  # tatweel
        "٫": ",",  # Arabic decimal separator
        "٬": None,  # Arabic thousands separator
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Eastern Arabic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{c: "'" for c in APOSTROPHES},
    }
)

# A number (digits with decimal/thousands separators), else a run of letters, marks and
# format characters (a bidi mark or ZWNJ inside a word keeps it one word). Digits are
# never part of a word: "و7" and "بـ60" give a clitic and a number ("الـ20", an ordinal,
# is recognised as such by the number extractor). The modifier-letter apostrophe ʼ is a
# letter for Unicode but an apostrophe in French text.
_TOKEN = regex.compile(r"(?V1)\p{Nd}+(?:[.,٫٬]\p{Nd}+)*|[[\p{L}\p{M}\p{Cf}]--[\u02bc]]+")
_ARABIC_LETTER = regex.compile(r"(?V1)[\p{Arabic}&&\p{L}]")
_LATIN_LETTER = regex.compile(r"(?V1)[\p{Latin}&&\p{L}]")
_ARABIC = regex.compile(r"\p{Arabic}")


def is_arabic_char(char: str) -> bool:
    return bool(_ARABIC.match(char))


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Character-level folding of rules 1-5 (and apostrophes); keeps spaces and punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = text.casefold().translate(_LETTER_MAP)
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True, slots=True)
class Token:
    """One matching token: `norm` is the folded form; `start`/`end` the span in the
    original text; `script` is 'ar', 'lat' or 'num'; `brk` says a sentence break (. ! ? ؟ ;
    or a new line) separates it from the previous token."""

    norm: str
    start: int
    end: int
    script: str
    brk: bool = False


@lru_cache(maxsize=4096)
def _script_of(char: str) -> str:
    if char.isdigit():
        return "num"
    return "ar" if _ARABIC.match(char) else "lat"


def _script(norm: str) -> str:
    return _script_of(norm[0])


def _is_elision(text: str, end: int, norm: str) -> bool:
    return (
        norm in ELIDED
        and end + 1 < len(text)
        and text[end] in APOSTROPHES
        and text[end + 1].isalpha()
    )


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` in order, folded, with French elided words dropped."""
    tokens: list[Token] = []
    previous_end = 0
    for match in _TOKEN.finditer(text or ""):
        start, end = match.span()
        gap = text[previous_end:start]
        brk = bool(tokens) and any(c in SENTENCE_BREAKS for c in gap)
        folded = fold(match.group())
        pieces = folded.split()  # NFKC may expand one character into several words
        emitted = False
        for piece in pieces:
            piece = piece.strip("'")
            if not piece:
                continue
            if len(pieces) == 1 and _is_elision(text, end, piece):
                continue
            if not any(c.isalnum() for c in piece):
                continue
            tokens.append(Token(piece, start, end, _script(piece), brk and not emitted))
            emitted = True
        if emitted:
            previous_end = end
    return tokens


def normalise(text: str) -> str:
    """The matching form of a text: folded tokens joined by single spaces."""
    return " ".join(token.norm for token in tokenize(text))


def normalise_arabic(text: str) -> str:
    """Same as `normalise`; named for readers looking for the Arabic rules."""
    return normalise(text)


def normalise_french(text: str) -> str:
    """Same as `normalise`; named for readers looking for the French rules."""
    return normalise(text)


def script_counts(text: str) -> tuple[int, int]:
    """(Arabic letters, Latin letters) in `text` after NFKC."""
    text = unicodedata.normalize("NFKC", text or "")
    return len(_ARABIC_LETTER.findall(text)), len(_LATIN_LETTER.findall(text))
