"""robots.txt as RFC 9309 reads it (pure: text in, decisions out).

Python's `urllib.robotparser` takes the first matching rule in file order and knows no
wildcards; RFC 9309 wants the *longest* matching rule, `allow` winning a tie, `*` and
`$` in paths, and the groups of every matching user-agent line merged. This module does
that, plus the widespread (non-standard) `Crawl-delay`.

The HTTP side (4xx = no rules, 5xx / unreachable = disallow everything for now, at most
five redirects, 500 KiB parsed) is in `scrapers.http`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

MAX_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least 500 KiB


@dataclass(frozen=True)
class Rule:
    allow: bool
    path: str  # as written (percent-encoding normalised)
    pattern: re.Pattern

    @property
    def length(self) -> int:
        return len(self.path)


@dataclass
class Group:
    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None


def _normalise_path(path: str) -> str:
    # Compare paths in one percent-encoding: decode, then re-encode all but reserved.
    return quote(unquote(path), safe="/*$?=&;:@!,'()+%~-._")


def _compile(path: str) -> re.Pattern:
    anchored = path.endswith("$")
    body = path[:-1] if anchored else path
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""))


def parse(text: str) -> list[Group]:
    groups: list[Group] = []
    current: Group | None = None
    last_was_agent = False
    for raw_line in text[:MAX_BYTES].splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if not line or ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if current is None or not last_was_agent:
                current = Group()
                groups.append(current)
            current.agents.append(value.lower())
            last_was_agent = True
            continue
        last_was_agent = False
        if current is None:
            continue  # rules before any user-agent line belong to no group
        if key in ("allow", "disallow"):
            if not value:
                continue  # "Disallow:" with no path allows everything: no rule
            path = _normalise_path(value)
            current.rules.append(Rule(key == "allow", path, _compile(path)))
        elif key == "crawl-delay":
            try:
                current.crawl_delay = float(value)
            except ValueError:
                pass
    return groups


def product_token(user_agent: str) -> str:
    """`clusterwatch/0.1 (+https://...)` -> `clusterwatch` (RFC 9309 2.2.1)."""
    match = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return (match.group(0) if match else user_agent).lower()


class RobotsRules:
    """The rules of one host for one crawler."""

    def __init__(self, text: str = "", *, allow_all: bool = False, disallow_all: bool = False):
        self.allow_all = allow_all
        self.disallow_all = disallow_all
        self.groups = parse(text) if text else []

    @classmethod
    def allowing_everything(cls) -> RobotsRules:
        return cls(allow_all=True)

    @classmethod
    def disallowing_everything(cls) -> RobotsRules:
        return cls(disallow_all=True)

    def _groups_for(self, user_agent: str) -> list[Group]:
        token = product_token(user_agent)
        specific = [g for g in self.groups if token in g.agents]
        if specific:
            return specific
        return [g for g in self.groups if "*" in g.agents]

    def can_fetch(self, user_agent: str, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all:
            return True
        parts = urlsplit(url)
        target = _normalise_path((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        if target == "/robots.txt":
            return True
        best: Rule | None = None
        for group in self._groups_for(user_agent):
            for rule in group.rules:
                if rule.pattern.match(target):
                    if (
                        best is None
                        or rule.length > best.length
                        or (rule.length == best.length and rule.allow and not best.allow)
                    ):
                        best = rule
        return True if best is None else best.allow

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.allow_all or self.disallow_all:
            return None
        delays = [g.crawl_delay for g in self._groups_for(user_agent) if g.crawl_delay]
        return max(delays) if delays else None
