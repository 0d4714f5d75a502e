"""Text normalisation for loading (pure functions).

- `normalise_digits`: Eastern Arabic (٠-٩) and Persian (۰-۹) digits to ASCII, the Arabic
  decimal and thousands separators to '.' and nothing. PostgreSQL rejects the former
  in numbers and dates (PLATFORM.md), and identifiers must compare equal.
- `label_key`: a header label or a place name reduced to what matching needs: lower
  case, no accents, no harakat or tatweel, one alef, no punctuation.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_DIGITS[0x066B] = "."  # ARABIC DECIMAL SEPARATOR
_DIGITS[0x066C] = ""  # ARABIC THOUSANDS SEPARATOR
_NON_ASCII_DIGIT = re.compile("[\u0660-\u066c\u06f0-\u06f9]")

# Harakat, superscript alef, tatweel; bidi and zero-width marks.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ALEF = re.compile("[\u0622\u0623\u0625\u0671]")
_SEPARATORS = re.compile(r"[^0-9a-z\u0621-\u064a]+")


def normalise_digits(text: str) -> str:
    if _NON_ASCII_DIGIT.search(text):
        return text.translate(_DIGITS)
    return text


def clean_cell(value: str) -> str:
    """A cell's text as stored: digits normalised, bidi/zero-width marks and NBSP gone,
    inner runs of spaces kept (addresses), ends stripped."""
    text = normalise_digits(value)
    if not text.isascii():
        text = text.replace("\u00a0", " ").replace("\ufeff", "")
        text = re.sub("[\u200b-\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    return text.strip()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def label_key(text: str) -> str:
    """'N° R.C.' -> 'n rc'; 'Numéro d’identification' -> 'numero d identification';
    'رقم السجلّ التجاري' -> 'رقم السجل التجاري'."""
    text = normalise_digits(unicodedata.normalize("NFKC", text)).lower()
    text = _ARABIC_MARKS.sub("", text)
    text = _ALEF.sub("\u0627", text)
    text = strip_accents(text)
    text = text.replace("\u00b0", " ").replace("\u00ba", " ")  # N° / Nº
    # R.C. / N.I.F.: dots between single letters are an abbreviation, not a separator.
    text = re.sub(r"\b([a-z])\.(?=[a-z]\b)", r"\1", text)
    text = re.sub(r"\b([a-z])\.(?=\s|$)", r"\1", text)
    return " ".join(_SEPARATORS.sub(" ", text).split())


def place_key(text: str) -> str:
    """Like `label_key`, for matching place names: also drops 'wilaya de', 'ولاية',
    the Arabic article and the ta marbuta / alef maqsura differences."""
    key = label_key(text)
    key = re.sub(r"^(wilaya|province|willaya)( de| d| of)? ", "", key)
    key = re.sub(r"^ولاية ", "", key)
    key = key.replace("\u0629", "\u0647").replace("\u0649", "\u064a")
    key = re.sub(r"(^| )ال", r"\1", key)
    return key.replace(" ", "")


DIGITS_ONLY = re.compile(r"\d+")
