"""Language of an article (ar / fr / other) and a mixed-language flag.

Detector: py3langid (a maintained fork of langid.py; its model ships inside the wheel, so
nothing is downloaded at run time), restricted to the languages an Algerian news page is
likely to be in, so a short French title is not taken for Catalan or Occitan. Measured on
the labelled set (72 articles + 6 in other languages, full text and title alone): 78/78 and
78/78 at about 0.1 ms per call; langdetect 78/78 and 78/78 at 2.9 ms; lingua 78/78 and
77/78 at 10 ms with a 96 MB wheel (docs/text-analysis.md).

Rules, in order:
1. No letters at all -> None (language unknown).
2. Arabic letters are at least 60 % of the Arabic + Latin letters -> "ar" (the script is
   decisive, and the detector only adds Persian/Urdu confusions on short text).
3. Otherwise the detector decides among DETECTOR_LANGUAGES; "ar" and "fr" are kept,
   anything else is "other".

Mixed language: the minority script (Arabic vs Latin letters) holds at least
MIXED_MIN_SHARE of the letters and at least MIXED_MIN_LETTERS letters. A French article
quoting an Arabic paragraph is mixed; an Arabic article naming "Cluster Boissons Algérie"
once is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from scrapers.text.normalise import script_counts

DETECTOR_LANGUAGES = (
    "ar", "fr", "en", "es", "it", "de", "pt", "nl", "tr", "fa", "ur", "sw", "ca", "oc",
)  # fmt: skip
ARABIC_SCRIPT_SHARE = 0.6
MIXED_MIN_SHARE = 0.15
MIXED_MIN_LETTERS = 30


@dataclass(frozen=True)
class LanguageResult:
    language: str | None  # 'ar' | 'fr' | 'other' | None (no letters)
    is_mixed: bool
    arabic_share: float  # Arabic letters / (Arabic + Latin letters); 0 without letters
    confidence: float  # detector probability (1.0 when decided by script)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    available = set(identifier.nb_classes)
    identifier.set_languages([lang for lang in DETECTOR_LANGUAGES if lang in available])
    return identifier


def detect_language(text: str) -> LanguageResult:
    arabic, latin = script_counts(text)
    letters = arabic + latin
    if letters == 0:
        return LanguageResult(None, False, 0.0, 0.0)
    share = arabic / letters
    minority = min(arabic, latin)
    is_mixed = minority >= MIXED_MIN_LETTERS and minority / letters >= MIXED_MIN_SHARE
    if share >= ARABIC_SCRIPT_SHARE:
        return LanguageResult("ar", is_mixed, round(share, 4), 1.0)
    language, probability = _identifier().classify(text)
    mapped = language if language in ("ar", "fr") else "other"
    return LanguageResult(mapped, is_mixed, round(share, 4), round(float(probability), 4))
