"""What a file is, from its first bytes (pure): container, text encoding, delimiter.

Content decides, not the extension: an XLSX renamed .csv is read as XLSX, a PNG renamed
.csv is rejected as binary.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from ingest.formats.base import UnreadableFile

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive (decompress it first)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "a legacy Excel .xls / OLE2 file (save it as .xlsx or CSV)"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u00ff]")


@dataclass(frozen=True)
class Sniffed:
    container: str              # 'csv' | 'xlsx' | 'json'
    encoding: str | None = None
    why: str = ""


def sniff(sample: bytes, size: int, zip_names: list[str] | None = None) -> Sniffed:
    """Container and encoding of a file from its first bytes. `zip_names`: the member
    names when the file is a zip archive (the caller opens it)."""
    if size == 0:
        raise UnreadableFile("empty_file", "the file has 0 bytes")
    if sample.startswith(b"PK\x03\x04"):
        names = zip_names or []
        if "xl/workbook.xml" in names:
            return Sniffed("xlsx", why="zip archive with xl/workbook.xml")
        raise UnreadableFile("unsupported_archive", "a zip archive that is not an XLSX workbook")
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            raise UnreadableFile("binary_file", f"the content is {what}, not a data file")
    encoding, why = detect_encoding(sample, complete=len(sample) >= size)
    text = sample.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    control = sum(1 for c in text[:4096] if (ord(c) < 32 and c not in "\t\r\n\f") or c == "\ufffd")
    if control > max(2, len(text[:4096]) // 100):
        raise UnreadableFile("binary_file", f"{control} control or undecodable characters in the first "
                             f"4 KB: not text in {encoding}")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return Sniffed("json", encoding, why)
    return Sniffed("csv", encoding, why)


def detect_encoding(sample: bytes, complete: bool) -> tuple[str, str]:
    """(Python codec name, why). BOM first; then strict UTF-8; then windows-1256 when the
    non-ASCII bytes read as Arabic words; else windows-1252 / latin-1 (French)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name, "byte order mark"
    if b"\x00" in sample[:4096]:
        even, odd = sample[0:4096:2].count(0), sample[1:4096:2].count(0)
        if odd > len(sample[:4096]) // 4 and even == 0:
            return "utf-16-le", "every second byte is zero (UTF-16 LE without BOM)"
        if even > len(sample[:4096]) // 4 and odd == 0:
            return "utf-16-be", "every second byte is zero (UTF-16 BE without BOM)"
        raise UnreadableFile("binary_file", "NUL bytes in the first 4 KB: not a text file")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8", "valid UTF-8" if any(b > 127 for b in sample) else "ASCII"
    except UnicodeDecodeError:
        pass
    arabic = sample.decode("cp1256", errors="replace")
    letters = _ARABIC_LETTER.findall(arabic)
    if letters:
        # In a latin-1 French file read as cp1256, capitals like É (0xC9) become Arabic
        # letters glued to Latin ones ('SةTIF'); real Arabic text has Arabic neighbours.
        mixed = len(re.findall("(?:[A-Za-z][\u0621-\u064a]|[\u0621-\u064a][A-Za-z])", arabic))
        if mixed <= len(letters) // 10:
            return "cp1256", f"{len(letters)} Arabic letters in windows-1256"
    try:
        sample.decode("cp1252")
        return "cp1252", "windows-1252 (not UTF-8, no Arabic words)"
    except UnicodeDecodeError:
        return "latin-1", "latin-1 (not UTF-8, no Arabic words)"


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the sample's lines into the most consistent number of
    fields (quotes respected, so a quoted newline or comma does not mislead)."""
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample ends inside a line
    sample = "".join(lines[:200])
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        split = [count for count in counts if count > 1]  # one-field lines are titles
        if not split:
            continue
        mode, seen = Counter(split).most_common(1)[0]
        score = (seen / len(counts), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best
