"""Bilingual (Arabic / French) text analysis of articles: pure functions over text.

- normalise: matching forms (stored text stays as published) and tokens with spans
- matcher:   phrase matching on token boundaries (Arabic clitics, French plurals)
- language:  ar / fr / other with py3langid (model inside the wheel), mixed-script flag
- lexicon:   cluster relevance from data/cluster_lexicon.yaml
- entities:  clusters, sectors, wilayas, organisations, people, numbers from gazetteers
- dedup:     exact duplicates (canonical URL, content hash), near-duplicates (MinHash/LSH)
- stories:   cross-language grouping of articles about one event into a story_id
- analyse:   analyse_article() and assign_stories(), the integration API
- store:     rows in raw.article_analysis / raw.article_mentions (the only I/O here)
- evaluate:  precision / recall on the labelled set (python -m scrapers.text.evaluate)
- data/:     the lexicon and gazetteers, editable, each with its sources (data_files.py)

See docs/text-analysis.md.
"""
