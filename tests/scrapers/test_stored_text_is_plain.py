"""Stored article text is plain text: a hostile page (scripts, inline handlers, iframes,
styles, comments, markup inside the selected body) gives title, lead and body with no
markup and no script text. Angle brackets that the page *wrote as text* (`&lt;b&gt;`)
stay as the characters they are: plain text, which whatever displays it must escape."""

from __future__ import annotations

import re
from pathlib import Path

from scrapers.extract import Article, extract_article
from scrapers.sources import load_source

DEMO_SOURCES = Path(__file__).resolve().parents[2] / "demo" / "sources"

PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>t</title><style>body{background:url(javascript:alert(1))}</style>
<script>document.cookie='stolen'</script></head><body>
<h1 class="page-title">Cluster <em>mécanique</em><script>alert('title')</script> de précision</h1>
<div class="field-name-post-date"><time datetime="2017-02-20T14:00:00+01:00">20/02/2017</time></div>
<div class="field-name-field-resume"><p onclick="alert('lead')">Le cluster <b>réunit</b> quarante entreprises.</p></div>
<div class="field-name-body">
<p>Le ministère soutient la création du cluster mécanique de précision à Sétif, qui associe
les opérateurs économiques, les universités et les laboratoires de recherche de la région.</p>
<iframe src="https://evil.example/frame"></iframe><img src="x" onerror="alert('img')">
<script type="text/javascript">var tracker = 'dataLayer-push';</script><!-- a comment <b> -->
<p>Un texte qui cite une balise &lt;b&gt; littérale, et <a href="javascript:alert(2)">un lien</a>
vers le programme national des clusters industriels, soutenu par le ministère.</p>
<noscript><img src="pixel.gif"></noscript>
</div></body></html>"""

TAG = re.compile(r"<\s*/?\s*(script|style|iframe|img|p|b|em|a|div|noscript)\b", re.IGNORECASE)


def test_hostile_markup_never_reaches_the_stored_text():
    source = load_source(DEMO_SOURCES / "demo_industrie.yaml", {"demo_site": "http://127.0.0.1:8000"})
    article = extract_article(PAGE.encode(), "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/x",
                              {"Content-Type": "text/html; charset=utf-8"}, source)
    assert isinstance(article, Article), article
    for field in ("title", "lead", "body_text"):
        value = getattr(article, field) or ""
        assert value, field
        assert not re.search(r"<\s*(script|style|iframe|img|a|p|div|noscript)\b", value, re.I), (field, value)
        for needle in ("alert(", "document.cookie", "dataLayer", "onerror", "onclick", "javascript:",
                       "evil.example", "a comment"):
            assert needle not in value, (field, needle)
    assert article.title == "Cluster mécanique de précision"
    assert "quarante entreprises" in article.lead
    assert "un lien" in article.body_text  # link text kept, its target not
    # text the page wrote with entities is the text itself, not markup
    assert "balise <b> littérale" in article.body_text
    assert TAG.search(article.body_text).group(0) == "<b"
