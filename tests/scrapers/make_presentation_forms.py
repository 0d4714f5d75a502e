"""Write Arabic text in Presentation Forms-B, as some El Khabar pages store it.

Used once to build fixtures/elkhabar/malformed-datetime-presentation-forms.html (title and
first paragraph): `printf '%s' 'نص' | python tests/scrapers/make_presentation_forms.py`.
A small contextual shaper (isolated / initial / medial / final forms, lam-alef
ligatures); NFKC must give the input back, which the script asserts.
"""

import sys
import unicodedata

RIGHT_JOINING = set("اأإآدذرزوؤةى")
NON_JOINING = set("ء")


def forms(ch):
    name = unicodedata.name(ch)
    out = {}
    for form in ("ISOLATED", "FINAL", "INITIAL", "MEDIAL"):
        try:
            out[form] = unicodedata.lookup(f"{name} {form} FORM")
        except KeyError:
            pass
    return out


def joins_left(ch):  # can connect to the following letter
    return ch not in RIGHT_JOINING and ch not in NON_JOINING and bool(forms(ch).get("INITIAL"))


def is_arabic_letter(ch):
    return "\u0621" <= ch <= "\u064a"


def shape(text):
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if not is_arabic_letter(ch):
            out.append(ch)
            i += 1
            continue
        prev = text[i - 1] if i > 0 else ""
        connect_prev = bool(prev) and is_arabic_letter(prev) and joins_left(prev)
        nxt = text[i + 1] if i + 1 < len(text) else ""
        # lam + alef ligature
        if ch == "ل" and nxt and nxt in "اأإآ":
            base = {
                "ا": "ALEF",
                "أ": "ALEF WITH HAMZA ABOVE",
                "إ": "ALEF WITH HAMZA BELOW",
                "آ": "ALEF WITH MADDA ABOVE",
            }[nxt]
            form = "FINAL" if connect_prev else "ISOLATED"
            out.append(unicodedata.lookup(f"ARABIC LIGATURE LAM WITH {base} {form} FORM"))
            i += 2
            continue
        connect_next = bool(nxt) and is_arabic_letter(nxt) and joins_left(ch)
        f = forms(ch)
        if connect_prev and connect_next:
            form = "MEDIAL"
        elif connect_prev:
            form = "FINAL"
        elif connect_next:
            form = "INITIAL"
        else:
            form = "ISOLATED"
        out.append(f.get(form) or f.get("ISOLATED") or ch)
        i += 1
    return "".join(out)


if __name__ == "__main__":
    src = sys.stdin.read()
    shaped = shape(src)
    assert unicodedata.normalize("NFKC", shaped) == unicodedata.normalize("NFKC", src), (
        "NFKC does not round-trip"
    )
    sys.stdout.write(shaped)
