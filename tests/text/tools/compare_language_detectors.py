"""Compare language detectors on the labelled set (how language.py's choice was made).

Not a test and not a project dependency: run it in a scratch environment,

    python3.11 -m venv /tmp/langvenv
    /tmp/langvenv/bin/pip install py3langid langdetect lingua-language-detector pyyaml
    /tmp/langvenv/bin/python tests/text/tools/compare_language_detectors.py

It prints, per detector, how many of the labelled articles (plus six short texts in other
languages) get the right ar / fr / other label from the full text and from the title
alone, and the mean time per call. Every detector is restricted to the same 12 languages.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parents[1]
LANGS = ["ar", "fr", "en", "es", "it", "de", "tr", "pt", "fa", "ur", "sw", "nl"]
OTHERS = [
    "The ministry announced on Monday that seven industrial clusters had been approved.",
    "El ministerio anunció el lunes que siete clústeres industriales habían sido aprobados.",
    "Das Ministerium kündigte am Montag an, dass sieben Industriecluster genehmigt wurden.",
    "Il ministero ha annunciato lunedì che sono stati approvati sette cluster industriali.",
    "Bakanlık pazartesi günü yedi sanayi kümesinin onaylandığını duyurdu.",
    "Ministeri ya Viwanda imetangaza kuwa makundi saba ya viwanda yameidhinishwa.",
]


def texts() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted((HERE / "labelled").glob("*.yaml")):
        for a in yaml.safe_load(path.read_text(encoding="utf-8"))["articles"]:
            if a.get("body_file"):
                body = (HERE / "fixtures" / a["body_file"]).read_text(encoding="utf-8")
                title = body.splitlines()[1]
            else:
                body, title = a["body"], a["title"]
            out.append((a["language"], f"{title}\n{a.get('lead') or ''}\n{body}", title))
    return out + [("other", text, text) for text in OTHERS]


def run(name, detect, cases) -> None:
    def label(text):
        code = detect(text)
        return code if code in ("ar", "fr") else "other"

    started = time.perf_counter()
    full = sum(label(text) == lang for lang, text, _ in cases)
    titles = sum(label(title) == lang for lang, _, title in cases)
    per_call = (time.perf_counter() - started) / (2 * len(cases)) * 1000
    print(f"{name}: full {full}/{len(cases)}, titles {titles}/{len(cases)}, {per_call:.2f} ms/call")


def main() -> None:
    cases = texts()
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGS)
    run("py3langid", lambda s: identifier.classify(s)[0], cases)

    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    run("langdetect", detect, cases)

    from lingua import IsoCode639_1, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_iso_codes_639_1(
        *[getattr(IsoCode639_1, code.upper()) for code in LANGS]
    ).build()

    def lingua_code(text):
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "none"

    run("lingua", lingua_code, cases)


if __name__ == "__main__":
    main()
