"""Duplicates among articles: exact (canonical URL, content hash) and near (MinHash/LSH).

- Exact: two articles are the same when their canonical URLs are equal (compared
  case-insensitively on scheme and host, without fragment or trailing slash) or when their
  *content fingerprints* are equal: sha256 of the normalised title and body (normalise.py),
  so a copy that differs only in white space, harakat, tatweel, NBSP, Presentation Forms
  or accents is still an exact duplicate.
- Near: the normalised title + body is cut into word shingles (SHINGLE_SIZE words); each
  article gets a MinHash signature (NUM_PERM permutations, datasketch); a MinHashLSH index
  with the Jaccard THRESHOLD returns candidate pairs from band collisions, and a pair is
  kept when the estimated Jaccard similarity reaches THRESHOLD. Cost: one signature per
  article plus the candidates its bands collide with, so the work grows linearly with the
  number of articles as long as near-duplicate groups stay small (a wire dispatch copied
  by a handful of papers), which is what news looks like.
- Groups are the connected components of exact and near pairs; the representative of a
  group is its earliest article (published_at, then article_id).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from datasketch import MinHash, MinHashLSH

from scrapers.text.normalise import normalise

SHINGLE_SIZE = 4
NUM_PERM = 128
THRESHOLD = 0.5
CHUNK = 500


@dataclass(frozen=True)
class DedupDoc:
    article_id: str
    title: str
    body: str
    canonical_url: str | None = None
    published_at: datetime | None = None
    normalised: str | None = field(default=None, compare=False, repr=False)

    def text(self) -> str:
        if self.normalised is not None:
            return self.normalised
        return normalise(f"{self.title}\n{self.body}")


@dataclass(frozen=True)
class DedupResult:
    exact_pairs: list[tuple[str, str, str]]  # (a, b, reason: 'canonical_url' | 'content_hash')
    near_pairs: list[tuple[str, str, float]]  # (a, b, estimated Jaccard)
    groups: list[list[str]]  # groups of 2+ articles, members sorted as representatives
    duplicate_of: dict[str, str]  # article_id -> representative, for non-representatives


def canonical_url_key(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def content_fingerprint(title: str, body: str) -> str:
    """sha256 of the normalised title and body (what exact deduplication compares)."""
    return _sha256(normalise(f"{title}\n{body}"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shingles(normalised: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    words = normalised.split()
    if len(words) < size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def exact_duplicate_pairs(docs: Sequence[DedupDoc]) -> list[tuple[str, str, str]]:
    pairs: list[tuple[str, str, str]] = []
    for reason, key_of in (
        ("canonical_url", lambda d: canonical_url_key(d.canonical_url)),
        ("content_hash", lambda d: _sha256(d.text())),
    ):
        first_by_key: dict[str, str] = {}
        for doc in docs:
            key = key_of(doc)
            if key is None:
                continue
            if key in first_by_key:
                pairs.append((first_by_key[key], doc.article_id, reason))
            else:
                first_by_key[key] = doc.article_id
    return pairs


def near_duplicate_pairs(
    docs: Sequence[DedupDoc],
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
    shingle_size: int = SHINGLE_SIZE,
) -> list[tuple[str, str, float]]:
    pairs: list[tuple[str, str, float]] = []
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    signature_of: dict[str, MinHash] = {}
    with _gc_paused():
        # Streamed in chunks: only CHUNK articles' shingles are alive at a time, so the
        # working set grows with the signatures (1 KB per article), not with the text.
        for start in range(0, len(docs), CHUNK):
            chunk = docs[start : start + CHUNK]
            sets = [sorted(shingles(doc.text(), shingle_size)) for doc in chunk]
            signatures = MinHash.bulk(sets, num_perm=num_perm)
            for doc, shingle_list, signature in zip(chunk, sets, signatures, strict=True):
                if not shingle_list:
                    continue
                for other in lsh.query(signature):
                    similarity = signature.jaccard(signature_of[other])
                    if similarity >= threshold:
                        pairs.append((other, doc.article_id, round(float(similarity), 4)))
                if doc.article_id not in signature_of:
                    lsh.insert(doc.article_id, signature)
                    signature_of[doc.article_id] = signature
    return pairs


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while the index is built: the build allocates
    many long-lived objects (shingle sets, signatures, LSH buckets), and each full
    collection would scan all of them, which makes the build superlinear. Nothing built
    here holds reference cycles, so nothing is lost; the previous state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class UnionFind:
    def __init__(self, items: Iterable[str] = ()):
        self.parent: dict[str, str] = {item: item for item in items}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)

    def groups(self) -> list[list[str]]:
        by_root: dict[str, list[str]] = {}
        for item in self.parent:
            by_root.setdefault(self.find(item), []).append(item)
        return list(by_root.values())


def find_duplicates(docs: Sequence[DedupDoc], threshold: float = THRESHOLD) -> DedupResult:
    ids = [doc.article_id for doc in docs]
    if len(ids) != len(set(ids)):
        raise ValueError("find_duplicates: article ids must be unique")
    exact = exact_duplicate_pairs(docs)
    near = near_duplicate_pairs(docs, threshold=threshold)
    union = UnionFind(ids)
    for a, b, _ in exact:
        union.union(a, b)
    for a, b, _ in near:
        union.union(a, b)
    order = {doc.article_id: (_sort_time(doc.published_at), doc.article_id) for doc in docs}
    groups = [sorted(g, key=order.__getitem__) for g in union.groups() if len(g) > 1]
    groups.sort(key=lambda g: order[g[0]])
    duplicate_of = {member: group[0] for group in groups for member in group[1:]}
    return DedupResult(exact, near, groups, duplicate_of)


def _sort_time(value: datetime | None) -> float:
    return value.timestamp() if value is not None else float("inf")
