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

# A number (digits with decimal/thousands separators), else a run of letters, marks,
# digits and format characters (a bidi mark or ZWNJ inside a word keeps it one word).
_TOKEN = regex.compile(r"\p{Nd}+(?:[.,٫٬]\p{Nd}+)*|[\p{L}\p{M}\p{Nd}\p{Cf}]+")
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


def is_arabic_char(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _ARABIC_RANGES)


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


def _script(norm: str) -> str:
    if norm.isdigit() or norm[0].isdigit():
        return "num"
    return "ar" if is_arabic_char(norm[0]) else "lat"


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
    arabic = latin = 0
    for char in unicodedata.normalize("NFKC", text or ""):
        if not char.isalpha():
            continue
        if is_arabic_char(char):
            arabic += 1
        elif char.isascii() or "LATIN" in unicodedata.name(char, ""):
            latin += 1
    return arabic, latin
