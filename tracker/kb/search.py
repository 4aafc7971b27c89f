"""FAQ search: Chinese word segmentation and BM25 over the FAQ entries.

    entries ──> FieldTexts (title, keywords, aliases, body) ──> Analyzer.tokens()
            ──> one BM25 index per field (bm25s) ──> weighted sum ──> [Hit]

The analyzer normalises width and case (NFKC + casefold), segments with jieba
using the domain dictionary the site's search uses (`jieba_userdict.txt`), drops
stop words (`faq_stopwords.txt`) and adds the standard word for every colloquial
one (`faq_synonyms.txt`). Documents and queries go through the same analyzer, so
"口令" in a query meets "密码" in an answer and the other way round.

Tokenising every answer is the slow part, so a built index is saved under a
cache directory, keyed by a hash of everything that goes into it: the indexed
text of each entry, the three resource files, the weights and the library
versions. A changed FAQ page or dictionary gives a new key, hence a new build.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import bm25s  # type: ignore[import-untyped]

from tracker.errors import InputError
from tracker.kb import site
from tracker.kb.entries import Entry, fill_policy_facts
from tracker.policy import Policy

with warnings.catch_warnings():
    # jieba imports pkg_resources, which newer setuptools deprecate at import time.
    warnings.simplefilter("ignore", DeprecationWarning)
    import jieba  # type: ignore[import-untyped]

USER_DICT = "jieba_userdict.txt"
SYNONYMS = "faq_synonyms.txt"
STOPWORDS = "faq_stopwords.txt"
DEFAULT_LIMIT = 5
# Bump when the analyzer or the cache layout changes in a way the hash cannot see.
FORMAT_VERSION = 1
CACHE_PREFIX = "faq-index-"
CACHE_KEEP = 4

# How much a match in each field counts. The title states the question and the
# aliases are other ways to ask it, so they weigh most; keywords are curated but
# terse; the answer is long and mentions many side topics, so it weighs least but
# still catches words (e.g. error messages) that only the answer uses. `grams`
# indexes the title, aliases and keywords again as overlapping pairs of Chinese
# characters: it matches where jieba cuts a colloquial query differently from the
# page ("证件号有问题" vs "证件号码"), at the price of some noise, hence its own weight.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "aliases": 2.0,
    "keywords": 2.0,
    "body": 1.0,
    "grams": 2.0,
}
GRAM_FIELDS = ("grams",)
# BM25 parameters: k1 as usual; b lower than 0.75 because titles and aliases are
# short and of similar length, so length normalisation matters little there.
K1 = 1.2
B = 0.5
# jieba's HMM guesses new words from runs of characters it does not know; in colloquial
# queries those guesses ("咋弄") never occur in a page and only hide the characters.
HMM = False


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


def normalise(text: str) -> str:
    """Return `text` with full-width forms folded to half-width and letters in lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_URL = re.compile(r"<?https?://\S+>?")
_MD_ADMONITION = re.compile(r'^\s*(?:!!!|\?\?\?\+?)\s*\w+(?:\s+"([^"]*)")?\s*$', re.M)
_MD_ATTR = re.compile(r"\{[:.#][^}]*\}")
_MD_HTML = re.compile(r"<[^>]+>")
_MD_MARKS = re.compile(r"[*_`#>|~]+")


def markdown_text(markdown: str) -> str:
    """Return the words of a Markdown answer without its markup, links' targets or URLs."""
    text = _MD_LINK.sub(r"\1", markdown)
    text = _MD_ADMONITION.sub(r"\1", text)
    text = _MD_URL.sub(" ", text)
    text = _MD_ATTR.sub(" ", text)
    text = _MD_HTML.sub(" ", text)
    return _MD_MARKS.sub(" ", text)


@dataclass(frozen=True)
class FieldTexts:
    """The text of one entry that search looks at, by field."""

    id: str
    title: str
    trained: bool
    fields: dict[str, str]

    @classmethod
    def of(cls, entry: Entry, policy: Policy) -> FieldTexts:
        meta = entry.meta
        body = markdown_text(fill_policy_facts(policy, entry))
        fields = {
            "title": meta.title,
            "aliases": "\n".join(meta.aliases),
            "keywords": "\n".join(meta.keywords),
            "body": body,
            "grams": "\n".join([meta.title, *meta.aliases, *meta.keywords]),
        }
        return cls(id=meta.id, title=meta.title, trained=meta.trained, fields=fields)


def entry_url(policy: Policy, entry_id: str) -> str:
    """Return the address of an FAQ page on the built site.

    The offline plugin turns directory URLs off, so `faq/<id>.md` becomes `faq/<id>.html`.
    """
    page = site.FAQ_DIR + f"/{entry_id}.html"
    return policy.site.url.rstrip("/") + "/" + page


# The analyzer.


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


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


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
        self.synonyms: dict[str, tuple[str, ...]] = {}
        for standard, *others in groups:
            words = tuple(self._segment(standard))
            for other in others:
                self.synonyms.setdefault(other, words)

    def _segment(self, text: str) -> list[str]:
        words = []
        for word in self._jieba.cut_for_search(text, HMM=HMM):
            # Case is folded after segmentation so that jieba still knows "U盘".
            word = word.strip().casefold()
            if word and any(ch.isalnum() for ch in word) and word not in self.stopwords:
                words.append(word)
        return words

    def grams(self, text: str) -> list[str]:
        """Return the overlapping pairs of Chinese characters in `text`."""
        out: list[str] = []
        for run in _HAN_RUN.findall(unicodedata.normalize("NFKC", text)):
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        return out

    def field_tokens(self, field: str, text: str) -> list[str]:
        """Return the tokens of `text` as the index of `field` sees them."""
        return self.grams(text) if field in GRAM_FIELDS else self.tokens(text)

    def tokens(self, text: str) -> list[str]:
        """Return the tokens of `text`, each colloquial word followed by its standard form."""
        out: list[str] = []
        for word in self._segment(unicodedata.normalize("NFKC", text)):
            out.append(word)
            out.extend(self.synonyms.get(word, ()))
        return out


@cache
def default_analyzer() -> Analyzer:
    """Return the shared analyzer; loading jieba's dictionary takes about a second."""
    return Analyzer()


# The index.


def _fingerprint(docs: Sequence[FieldTexts]) -> str:
    digest = hashlib.sha256()
    settings = {
        "format": FORMAT_VERSION,
        "weights": FIELD_WEIGHTS,
        "k1": K1,
        "b": B,
        "hmm": HMM,
        "bm25s": bm25s.__version__,
        "jieba": jieba.__version__,
        "resources": resources_digest(),
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for doc in docs:
        record = [doc.id, doc.title, doc.trained, doc.fields]
        digest.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n")
    return digest.hexdigest()


def _new_bm25() -> Any:
    return bm25s.BM25(k1=K1, b=B, method="lucene")


class FaqIndex:
    """A BM25 index over FAQ entries, one per field, searched with a weighted sum.

    `tokenised` counts the entries this index tokenised when it was built: 0 when it
    came from the cache.
    """

    def __init__(
        self,
        docs: Sequence[FieldTexts],
        policy: Policy,
        fields: dict[str, Any],
        analyzer: Analyzer,
        *,
        tokenised: int,
        key: str,
    ) -> None:
        self.docs = list(docs)
        self.urls = [entry_url(policy, d.id) for d in docs]
        self.fields = fields
        self.analyzer = analyzer
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
        """Index `entries`, or load the same index from `cache_dir` if it was built before."""
        analyzer = default_analyzer()
        docs = [FieldTexts.of(e, policy) for e in entries]
        key = _fingerprint(docs)
        if cache_dir is not None:
            fields = _load(cache_dir, key)
            if fields is not None:
                return cls(docs, policy, fields, analyzer, tokenised=0, key=key)
        fields = {}
        for name in FIELD_WEIGHTS:
            corpus = [analyzer.field_tokens(name, d.fields[name]) for d in docs]
            if any(corpus):  # BM25 of a field no entry uses (say, no aliases anywhere) is 0/0
                index = _new_bm25()
                index.index(corpus, show_progress=False)
                fields[name] = index
        if cache_dir is not None:
            _save(cache_dir, key, fields)
        return cls(docs, policy, fields, analyzer, tokenised=len(docs), key=key)

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[Hit]:
        """Return at most `limit` entries matching `query`, best first; no match gives []."""
        if not query.strip():
            raise SearchError("搜索内容不能为空，请输入要查找的问题，例如“忘记密码”。")
        if limit < 1:
            raise SearchError(f"返回条数应为正整数，收到 {limit}。")
        words = list(dict.fromkeys(self.analyzer.tokens(query)))
        grams = list(dict.fromkeys(self.analyzer.grams(query)))
        total: Any = None  # a numpy array of scores, one per entry, from bm25s
        for name, index in self.fields.items():
            ids = index.get_tokens_ids(grams if name in GRAM_FIELDS else words)
            if ids:
                part = index.get_scores_from_ids(ids).astype("float64") * FIELD_WEIGHTS[name]
                total = part if total is None else total + part
        if total is None:
            return []
        # Stable sort: equal scores keep the entries' order (by id), so results are repeatable.
        order = (-total).argsort(kind="stable")[:limit]
        hits = []
        for i in order.tolist():
            score = float(total[i])
            if score <= 0:
                break
            doc = self.docs[i]
            hits.append(Hit(doc.id, doc.title, round(score, 4), self.urls[i], doc.trained))
        return hits


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / (CACHE_PREFIX + key[:32])


def _save(cache_dir: Path, key: str, fields: dict[str, Any]) -> None:
    """Write the index to `cache_dir` atomically and keep only the newest few."""
    target = _cache_path(cache_dir, key)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_dir))
    except OSError:
        return  # an unwritable cache only costs the next run a rebuild
    try:
        for name, index in fields.items():
            index.save(str(work / name), show_progress=False)
        meta = {"key": key, "fields": list(fields)}
        (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        os.replace(work, target)
    except OSError:
        # Another process saved the same index first, or the disk is full.
        shutil.rmtree(work, ignore_errors=True)
        return
    _prune(cache_dir, keep=target)


def _prune(cache_dir: Path, keep: Path) -> None:
    """Delete all but the newest few cached indexes (other FAQ folders, older versions)."""
    ages = []
    for path in cache_dir.glob(CACHE_PREFIX + "*"):
        try:
            ages.append((path.stat().st_mtime, path))
        except OSError:
            continue
    ages.sort(reverse=True)
    for _, path in [a for a in ages if a[1] != keep][CACHE_KEEP - 1 :]:
        shutil.rmtree(path, ignore_errors=True)


def _load(cache_dir: Path, key: str) -> dict[str, Any] | None:
    """Return the cached per-field indexes for `key`, or None when absent or unusable."""
    path = _cache_path(cache_dir, key)
    try:
        meta = json.loads((path / "meta.json").read_text("utf-8"))
        if meta.get("key") != key:
            return None
        return {
            name: bm25s.BM25.load(str(path / name), show_progress=False) for name in meta["fields"]
        }
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


def default_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Return where to cache indexes: `$ZZXT_CACHE_DIR`, else `$XDG_CACHE_HOME/zzxt`, else `~/.cache/zzxt`.

    For the command line to call: the library itself never reads the environment.
    """
    if env.get("ZZXT_CACHE_DIR"):
        return Path(env["ZZXT_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zzxt"
