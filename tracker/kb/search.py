"""FAQ search: the index `zzxt faq search`, the triage bot and the site's search box share.

    entries ──> FieldTexts (title, aliases, keywords, body, grams)
            ──> Analyzer.tokens() (jieba, once per entry, cached) ──> term counts
            ──> one BM25 index per field (`tracker.kb.ranking`) ──> FaqIndex
    query   ──> Segmenter (the index's own dictionary, no jieba) ──> weighted sum ──> [Hit]

The analyzer normalises width and case (NFKC + casefold), segments documents
with jieba and the domain dictionary (`jieba_userdict.txt`), drops stop words
(`faq_stopwords.txt`) and adds the standard word for every colloquial one
(`faq_synonyms.txt`), so "口令" in a query meets "密码" in an answer.

Queries are cut by `ranking.Segmenter` over the words the index holds, which is
what the browser does with the exported index (`FaqIndex.export()`); the site's
search box and this module therefore rank alike by construction.

Segmenting every answer with jieba is the slow part, so the term counts of each
entry are saved in a cache directory, keyed by a hash of the entry's text, with
the analyzer's own settings (word lists, jieba's version) in the file's name.
An edited page is segmented again on the next build; the others are not.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tempfile
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from tracker.errors import InputError
from tracker.kb import ranking, site
from tracker.kb.entries import Entry, fill_policy_facts
from tracker.kb.ranking import FieldIndex, Segmenter, normalise
from tracker.policy import Policy

with warnings.catch_warnings():
    # jieba imports pkg_resources, which newer setuptools deprecate at import time.
    warnings.simplefilter("ignore", DeprecationWarning)
    import jieba  # type: ignore[import-untyped]

__all__ = ["FaqIndex", "Hit", "SearchError", "Section", "normalise", "page_sections"]

USER_DICT = "jieba_userdict.txt"
SYNONYMS = "faq_synonyms.txt"
STOPWORDS = "faq_stopwords.txt"
DEFAULT_LIMIT = 5
# Bump when the analyzer or the cache layout changes in a way the hash cannot see.
FORMAT_VERSION = 2
# The layout of the exported index the site's script reads (tracker/resources/site/zzxt-search.js).
EXPORT_FORMAT = 1
CACHE_PREFIX = "faq-tokens-"
LEGACY_PREFIX = "faq-index-"  # whole-index caches of earlier versions, removed when seen
CACHE_KEEP = 2
CACHE_ENTRIES = 20_000  # term counts kept for entries no longer indexed (other folders)
SNIPPET_CHARS = 60

# How much a match in each field counts. The title states the question and the
# aliases are other ways to ask it, so they weigh most; keywords are curated but
# terse; the answer is long and mentions many side topics, so it weighs least but
# still catches words (e.g. error messages) that only the answer uses. `grams`
# indexes the title, aliases and keywords again as overlapping pairs of Chinese
# characters: it matches where segmentation cuts a colloquial query differently
# from the page ("证件号有问题" vs "证件号码"), at the price of some noise.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "aliases": 2.0,
    "keywords": 2.0,
    "body": 1.0,
    "grams": 2.0,
}
GRAM_FIELDS = ("grams",)
WORD_FIELDS = tuple(f for f in FIELD_WEIGHTS if f not in GRAM_FIELDS)
# BM25 parameters: k1 as usual; b lower than 0.75 because titles and aliases are
# short and of similar length, so length normalisation matters little there.
K1 = 1.2
B = 0.5
# jieba's HMM guesses new words from runs of characters it does not know; in colloquial
# text those guesses ("咋弄") never occur in a page and only hide the characters.
HMM = False
# A report's body counts at most half as much as its title: the title names the problem,
# the body also tells side facts (a student's record, an earlier error) that are not it.
REPORT_BODY_WEIGHT = 0.5


class SearchError(InputError):
    """A search query cannot be used."""


@dataclass(frozen=True)
class Hit:
    """One search result, best first in a result list."""

    id: str
    title: str
    score: float
    url: str
    trained: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "score": self.score, "url": self.url}


# Text preparation.


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_URL = re.compile(r"<?https?://\S+>?")
_MD_ADMONITION = re.compile(r'^\s*(?:!!!|\?\?\?\+?)\s*\w+(?:\s+"([^"]*)")?\s*$', re.M)
_MD_ATTR = re.compile(r"\{[:.#][^}]*\}")
_MD_HTML = re.compile(r"<[^>]+>")
_MD_MARKS = re.compile(r"[*_`#>|~]+")
_BLOCK_START = re.compile(r"^\s*(?:#|!!!|\?\?\?|\||[-*+] |\d+\. |<)")


def markdown_text(markdown: str) -> str:
    """Return the words of a Markdown answer without its markup, links' targets or URLs."""
    text = _MD_LINK.sub(r"\1", markdown)
    text = _MD_ADMONITION.sub(r"\1", text)
    text = _MD_URL.sub(" ", text)
    text = _MD_ATTR.sub(" ", text)
    text = _MD_HTML.sub(" ", text)
    return _MD_MARKS.sub(" ", text)


def snippet(markdown: str, size: int = SNIPPET_CHARS) -> str:
    """Return the opening of an answer's first paragraph of prose, as plain text."""
    for paragraph in re.split(r"\n\s*\n", markdown):
        if paragraph.strip() and not _BLOCK_START.match(paragraph):
            text = " ".join(markdown_text(paragraph).split())
            return text if len(text) <= size else text[: size - 1] + "…"
    return ""


@dataclass(frozen=True)
class FieldTexts:
    """The text of one entry that search looks at, by field."""

    id: str
    title: str
    trained: bool
    fields: dict[str, str]
    snippet: str = ""

    @classmethod
    def of(cls, entry: Entry, policy: Policy) -> FieldTexts:
        meta = entry.meta
        answer = fill_policy_facts(policy, entry)
        fields = {
            "title": meta.title,
            "aliases": "\n".join(meta.aliases),
            "keywords": "\n".join(meta.keywords),
            "body": markdown_text(answer),
            "grams": "\n".join([meta.title, *meta.aliases, *meta.keywords]),
        }
        return cls(meta.id, meta.title, meta.trained, fields, snippet(_without_title(answer)))

    @cached_property
    def key(self) -> str:
        """A hash of the text the analyzer reads: equal texts, equal tokens."""
        words = "\0".join(self.fields[name] for name in WORD_FIELDS)
        return hashlib.sha256(words.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Section:
    """A part of a page under a `## 标题 {#anchor}` heading."""

    anchor: str
    title: str
    markdown: str


_SECTION = re.compile(r"^## (.+?)\s*\{#([\w-]+)\}\s*$", re.M)


def page_sections(markdown: str) -> list[Section]:
    """Return the sections of a page that start at second-level headings with an anchor."""
    heads = list(_SECTION.finditer(markdown))
    out = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(markdown)
        out.append(Section(head.group(2), head.group(1), markdown[head.end() : end]))
    return out


def _without_title(markdown: str) -> str:
    return re.sub(r"^# .*$", "", markdown, count=1, flags=re.M)


def entry_url(policy: Policy, entry_id: str) -> str:
    """Return the address of an FAQ page on the built site."""
    return policy.site.url.rstrip("/") + "/" + entry_path(entry_id)


def entry_path(entry_id: str) -> str:
    """Return an FAQ page's path on the site; the offline plugin turns directory URLs off."""
    return site.FAQ_DIR + f"/{entry_id}.html"


# The analyzer: jieba, for documents.


def _resource_bytes(name: str) -> bytes:
    return resources.files("tracker.resources").joinpath(name).read_bytes()


def _word_lines(name: str) -> list[list[str]]:
    """Return the non-comment lines of a word-list resource, split on whitespace."""
    lines = []
    for raw in _resource_bytes(name).decode("utf-8").splitlines():
        words = raw.split("#", 1)[0].split()
        if words:
            lines.append([normalise(w) for w in words])
    return lines


def resources_digest() -> str:
    """Return a hash of the dictionary, synonyms and stop words: the analyzer's inputs."""
    digest = hashlib.sha256()
    for name in (USER_DICT, SYNONYMS, STOPWORDS):
        digest.update(name.encode() + b"\0" + _resource_bytes(name) + b"\0")
    return digest.hexdigest()


def analyzer_key() -> str:
    """Return a hash of everything that decides an entry's tokens, besides its text."""
    settings = {
        "format": FORMAT_VERSION,
        "hmm": HMM,
        "jieba": jieba.__version__,
        "resources": resources_digest(),
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]


class Analyzer:
    """Turn text into search tokens: normalise, segment, drop stop words, add synonyms."""

    def __init__(self) -> None:
        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr
        self._jieba = jieba.Tokenizer()
        self._jieba.load_userdict(io.BytesIO(_resource_bytes(USER_DICT)))
        self.stopwords = frozenset(w for line in _word_lines(STOPWORDS) for w in line)
        groups = _word_lines(SYNONYMS)
        for group in groups:
            for word in group:
                # Colloquial phrases ("登不上") must come out of jieba as one token.
                if len(word) > 1 and not self._jieba.FREQ.get(word):
                    self._jieba.add_word(word)
        self._spelling: dict[str, str] = {}
        # jieba word -> search token (None: dropped); a page set has few distinct words.
        self._kept: dict[str, str | None] = {}
        self.synonyms: dict[str, tuple[str, ...]] = {}
        for standard, *others in groups:
            words = tuple(self._segment(standard))
            for other in others:
                self.synonyms.setdefault(other, words)

    def _segment(self, text: str) -> list[str]:
        words = []
        kept = self._kept
        for word in self._jieba.cut_for_search(text, HMM=HMM):
            token = kept.get(word, "")
            if token == "":
                token = kept[word] = self._keep(word)
            if token is not None:
                words.append(token)
        return words

    def _keep(self, word: str) -> str | None:
        """Return the search token of one jieba word, or None when it is not one."""
        # Case is folded after segmentation so that jieba still knows "U盘".
        folded = word.strip().casefold()
        if not folded or not ranking.is_word(folded) or folded in self.stopwords:
            return None
        if folded != word:
            self._spelling.setdefault(folded, word.strip())
        return folded

    def tokens(self, text: str) -> list[str]:
        """Return the tokens of `text`, each colloquial word followed by its standard form."""
        out: list[str] = []
        for word in self._segment(unicodedata.normalize("NFKC", text)):
            out.append(word)
            out.extend(self.synonyms.get(word, ()))
        return out

    def cost(self, word: str) -> int | None:
        """Return the segmentation cost of a word jieba knows, or None for one it does not."""
        freq = self._jieba.FREQ.get(word) or self._jieba.FREQ.get(self._spelling.get(word, ""))
        return ranking.cost(freq, self._jieba.total) if freq else None

    def unknown_cost(self) -> int:
        return ranking.cost(None, self._jieba.total)


@cache
def default_analyzer() -> Analyzer:
    """Return the shared analyzer; loading jieba's dictionary takes about a second."""
    return Analyzer()


# The per-entry token cache.


class _TokenStore:
    """Term counts per entry text, and jieba's costs and synonyms, as one JSON file."""

    def __init__(self, path: Path | None, data: dict[str, Any]) -> None:
        self.path = path
        self.entries: dict[str, dict[str, str]] = data.get("entries", {})
        self.costs: dict[str, int | None] = data.get("costs", {})
        self.unknown: int | None = data.get("unknown")
        self.synonyms: dict[str, list[str]] | None = data.get("synonyms")
        self.used: set[str] = set()
        self.dirty = False

    @classmethod
    def open(cls, cache_dir: Path | None, key: str) -> _TokenStore:
        if cache_dir is None:
            return cls(None, {})
        path = cache_dir / f"{CACHE_PREFIX}{key}.json"
        try:
            data = json.loads(path.read_text("utf-8"))
            if not isinstance(data, dict) or data.get("key") != key:
                data = {}
        except (OSError, ValueError):
            data = {}  # absent or damaged: rebuilt, which only costs time
        return cls(path, data)

    def tokens(self, doc: FieldTexts) -> dict[str, list[str]] | None:
        """Return the entry's tokens by field, or None when its text was not segmented yet."""
        key = doc.key
        found = self.entries.get(key)
        if isinstance(found, dict) and all(isinstance(found.get(f), str) for f in WORD_FIELDS):
            self.used.add(key)
            return {f: found[f].split(" ") if found[f] else [] for f in WORD_FIELDS}
        return None

    def put(self, doc: FieldTexts, tokens: dict[str, list[str]]) -> None:
        # Tokens never contain a space (jieba cuts at spaces), so a joined string is
        # a faithful and fast-to-read record.
        key = doc.key
        self.entries[key] = {f: " ".join(words) for f, words in tokens.items()}
        self.used.add(key)
        self.dirty = True

    def save(self, key: str) -> None:
        """Write the store atomically; keep the entries used now and a few thousand others."""
        if self.path is None or not self.dirty:
            return
        others = [k for k in self.entries if k not in self.used][: max(0, CACHE_ENTRIES)]
        keep = {k: self.entries[k] for k in [*self.used, *others]}
        data = {
            "key": key,
            "costs": self.costs,
            "unknown": self.unknown,
            "synonyms": self.synonyms,
            "entries": keep,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".writing-", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(temp, self.path)
        except OSError:
            return  # an unwritable cache only costs the next run the segmentation
        _prune(self.path.parent, self.path)


def _prune(cache_dir: Path, keep: Path) -> None:
    """Delete older token caches (other analyzer settings) and earlier versions' indexes."""
    ages = []
    for path in [*cache_dir.glob(CACHE_PREFIX + "*"), *cache_dir.glob(LEGACY_PREFIX + "*")]:
        try:
            ages.append((path.stat().st_mtime, path))
        except OSError:
            continue
    ages.sort(reverse=True)
    stale = [p for _, p in ages if p != keep and p.name.startswith(LEGACY_PREFIX)]
    current = [p for _, p in ages if p != keep and p.name.startswith(CACHE_PREFIX)]
    for path in stale + current[CACHE_KEEP - 1 :]:
        if path.is_dir():
            for child in sorted(path.rglob("*"), reverse=True):
                child.unlink() if child.is_file() else child.rmdir()
            path.rmdir()
        else:
            path.unlink(missing_ok=True)


# The index.


class FaqIndex:
    """A BM25 index over FAQ entries, one per field, searched with a weighted sum.

    `tokenised` counts the entries jieba segmented for this index: 0 when every
    entry's tokens came from the cache.
    """

    def __init__(
        self,
        docs: Sequence[FieldTexts],
        paths: Sequence[str],
        site_url: str,
        fields: Mapping[str, FieldIndex],
        segmenter: Segmenter,
        *,
        tokenised: int,
        key: str,
    ) -> None:
        self.docs = list(docs)
        self.paths = list(paths)  # on the site, from its root
        self.urls = [site_url.rstrip("/") + "/" + path for path in paths]
        self.fields = dict(fields)
        self.segmenter = segmenter
        self.tokenised = tokenised
        self.key = key

    @classmethod
    def build(
        cls,
        entries: Iterable[Entry],
        policy: Policy,
        *,
        cache_dir: Path | None = None,
    ) -> FaqIndex:
        """Index `entries`, segmenting only those whose text is not in `cache_dir` yet."""
        docs = [FieldTexts.of(e, policy) for e in entries]
        paths = [entry_path(d.id) for d in docs]
        return cls._build(docs, paths, policy.site.url, cache_dir)

    @classmethod
    def build_sections(
        cls,
        page: str,
        sections: Sequence[Section],
        site_url: str,
        *,
        cache_dir: Path | None = None,
    ) -> FaqIndex:
        """Index the sections of a site page (`page`: its path on the site) as entries."""
        docs = [
            FieldTexts(
                s.anchor,
                s.title,
                False,
                {
                    "title": s.title,
                    "aliases": "",
                    "keywords": "",
                    "body": markdown_text(s.markdown),
                    "grams": s.title,
                },
                snippet(s.markdown),
            )
            for s in sections
        ]
        return cls._build(docs, [f"{page}#{s.anchor}" for s in sections], site_url, cache_dir)

    @classmethod
    def _build(
        cls,
        docs: Sequence[FieldTexts],
        paths: Sequence[str],
        site_url: str,
        cache_dir: Path | None,
    ) -> FaqIndex:
        store_key = analyzer_key()
        store = _TokenStore.open(cache_dir, store_key)
        counts: list[dict[str, Counter[str]]] = []
        tokenised = 0
        for doc in docs:
            found = store.tokens(doc)
            if found is None:
                analyzer = default_analyzer()
                found = {f: analyzer.tokens(doc.fields[f]) for f in WORD_FIELDS}
                store.put(doc, found)
                tokenised += 1
            counts.append({f: Counter(words) for f, words in found.items()})
        segmenter = _segmenter(store, counts)
        store.save(store_key)

        fields: dict[str, FieldIndex] = {}
        for name, weight in FIELD_WEIGHTS.items():
            if name in GRAM_FIELDS:
                per_doc: list[Mapping[str, int]] = [
                    Counter(ranking.grams(d.fields[name])) for d in docs
                ]
            else:
                per_doc = [c[name] for c in counts]
            lengths = [sum(c.values()) for c in per_doc]
            if not any(lengths):
                continue  # BM25 of a field no entry uses (say, no aliases anywhere) is 0/0
            postings: dict[str, list[tuple[int, int]]] = {}
            for i, terms in enumerate(per_doc):
                for term, tf in terms.items():
                    postings.setdefault(term, []).append((i, tf))
            fields[name] = FieldIndex(name, weight, name in GRAM_FIELDS, lengths, postings)
        digest = hashlib.sha256(store_key.encode())
        for doc in docs:
            record = "\0".join([doc.id, doc.title, str(doc.trained), doc.key, doc.fields["grams"]])
            digest.update(record.encode() + b"\n")
        key = digest.hexdigest()[:32]
        return cls(docs, paths, site_url, fields, segmenter, tokenised=tokenised, key=key)

    def _scores(self, words: Sequence[str], pairs: Sequence[str]) -> list[float]:
        fields = list(self.fields.values())
        count = len(self.docs)
        return ranking.score(
            fields, count, dict.fromkeys(words, 1.0), dict.fromkeys(pairs, 1.0), K1, B
        )

    def _hits(self, total: Sequence[float], limit: int) -> list[Hit]:
        if limit < 1:
            raise SearchError(f"返回条数应为正整数，收到 {limit}。")
        hits = []
        for i in ranking.best(total, limit):
            doc = self.docs[i]
            hits.append(Hit(doc.id, doc.title, round(total[i], 4), self.urls[i], doc.trained))
        return hits

    def terms(self, text: str) -> tuple[list[str], list[str]]:
        """Return the word terms and the character pairs a query is searched with."""
        words = list(dict.fromkeys(self.segmenter.tokens(text)))
        return words, list(dict.fromkeys(ranking.grams(text)))

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """Return at most `limit` entries matching `query`, best first; no match gives []."""
        if not query.strip():
            raise SearchError("搜索内容不能为空，请输入要查找的问题，例如“忘记密码”。")
        if limit < 1:
            raise SearchError(f"返回条数应为正整数，收到 {limit}。")
        return self._hits(self._scores(*self.terms(query)), limit)

    def search_report(
        self, title: str, body: str, limit: int = DEFAULT_LIMIT, *, confident: float = 0.0
    ) -> list[Hit]:
        """Return the entries matching a report whose title names the problem.

        An entry scores what `search(title)` gives it, plus its score for the body
        times REPORT_BODY_WEIGHT, the body's scores first scaled down so that the
        body's best never exceeds the title's best: a long body that mentions a side
        matter in many words cannot outrank what the title asks. A title whose best
        entry scores below `confident` ("求助", "咨询") says too little to lead; then
        title and body count alike, as one query.
        """
        if not (title + body).strip():
            raise SearchError("搜索内容不能为空，请输入要查找的问题，例如“忘记密码”。")
        if limit < 1:
            raise SearchError(f"返回条数应为正整数，收到 {limit}。")
        by_title = self._scores(*self.terms(title))
        top_title = max(by_title, default=0.0)
        if top_title <= 0 or top_title < confident:
            return self._hits(self._scores(*self.terms(f"{title}\n{body}")), limit)
        by_body = self._scores(*self.terms(body))
        top_body = max(by_body, default=0.0)
        scale = REPORT_BODY_WEIGHT * min(1.0, top_title / top_body) if top_body > 0 else 0.0
        return self._hits([t + scale * b for t, b in zip(by_title, by_body, strict=True)], limit)

    def export(self, *, min_score: float, report: str) -> dict[str, Any]:
        """Return the index as plain data for the site's search script.

        `min_score`: below it the site says it found nothing (and lists what it has);
        `report`: the site-relative page where a user reports a problem.
        """
        seg = self.segmenter
        known = sorted(seg.known)
        fields = []
        for index in self.fields.values():
            terms = sorted(index.postings)
            fields.append(
                {
                    "name": index.name,
                    "weight": index.weight,
                    "grams": index.grams,
                    "lengths": index.lengths,
                    "terms": terms,
                    "postings": [ranking.encode_postings(index.postings[t]) for t in terms],
                }
            )
        return {
            "format": EXPORT_FORMAT,
            "k1": K1,
            "b": B,
            "min_score": min_score,
            "report": report,
            "unknown": seg.unknown,
            "words": known,
            "costs": [seg.costs[w] for w in known],
            "extra": sorted(w for w in seg.costs if w not in seg.known),
            "stopwords": sorted(seg.stopwords),
            "synonyms": {k: list(v) for k, v in sorted(seg.synonyms.items())},
            "fields": fields,
            "docs": [
                [d.id, d.title, path, int(d.trained), d.snippet]
                for d, path in zip(self.docs, self.paths, strict=True)
            ],
        }


def _segmenter(store: _TokenStore, counts: Sequence[Mapping[str, Mapping[str, int]]]) -> Segmenter:
    """Return the query segmenter over the index's words, the stop words and the synonyms."""
    stopwords = [w for line in _word_lines(STOPWORDS) for w in line]
    if store.synonyms is None or store.unknown is None:
        analyzer = default_analyzer()
        store.synonyms = {k: list(v) for k, v in analyzer.synonyms.items()}
        store.unknown = analyzer.unknown_cost()
        store.dirty = True
    words = set(stopwords) | set(store.synonyms)
    for standard in store.synonyms.values():
        words.update(standard)
    for record in counts:
        for name in WORD_FIELDS:
            words.update(record[name])
    missing = [w for w in words if w not in store.costs]
    if missing:
        analyzer = default_analyzer()
        for word in missing:
            store.costs[word] = analyzer.cost(word)
        store.dirty = True
    costs = {w: c for w in words if (c := store.costs[w]) is not None}
    extra = [w for w in words if store.costs[w] is None]
    return Segmenter(costs, extra, store.unknown, stopwords, store.synonyms)


def default_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Return where to cache indexes: `$ZZXT_CACHE_DIR`, else `$XDG_CACHE_HOME/zzxt`, else `~/.cache/zzxt`.

    For the command line to call: the library itself never reads the environment.
    """
    if env.get("ZZXT_CACHE_DIR"):
        return Path(env["ZZXT_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zzxt"
