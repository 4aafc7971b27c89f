"""FAQ ranking as plain data: query segmentation, BM25 postings and the weighted sum.

Everything here is mirrored, step by step, in `tracker/resources/site/zzxt-search.js`,
which ranks the same exported index in the browser. Keep the two in step: the
same normalisation, the same segmentation over the same dictionary, the same
arithmetic in the same order (IEEE doubles on both sides), the same tie-break.
`tests/test_site_search.py` runs both on the same queries and compares.

Query segmentation needs no jieba. Documents are segmented with jieba when the
index is built (`tracker.kb.search`); a query term that no document contains
scores nothing, so the query side only has to find the words the index knows.
It does so as jieba does, restricted to that vocabulary: the dictionary is the
index's words plus the stop words and synonyms, each with jieba's frequency
turned into an integer cost; the segmentation is the cheapest path through the
words found in the text (jieba's maximum-probability route, HMM off), and long
words also yield the dictionary words inside them (jieba's search mode).

    query ──> normalise ──> Segmenter.tokens() ──> {term: weight}
          ──> per field: BM25 weight of each posting × field weight × term weight
          ──> sum per entry ──> best first (equal scores: entry order)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

# Integer costs keep the segmentation exact across languages: costs are added, never rounded.
COST_SCALE = 1000

# jieba's block of text it segments with its dictionary (re_han_default); anything
# else is split into single characters.
_BLOCK = re.compile(r"([\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+)")
_ENG = re.compile(r"[a-zA-Z0-9]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")

# The alphabet of the posting codec: safe in JSON and in JavaScript string literals.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_VALUE = {ch: i for i, ch in enumerate(_DIGITS)}


def normalise(text: str) -> str:
    """Return `text` with full-width forms folded to half-width and letters in lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


def grams(text: str) -> list[str]:
    """Return the overlapping pairs of Chinese characters in `text`."""
    out: list[str] = []
    for run in _HAN_RUN.findall(unicodedata.normalize("NFKC", text)):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def cost(freq: int | None, total: int) -> int:
    """Return the integer cost of a word with jieba frequency `freq` (None or 0: unknown)."""
    return round((math.log(total) - math.log(freq or 1)) * COST_SCALE)


def is_word(token: str) -> bool:
    """Return whether a segmented token can be a search term (not blank, not punctuation)."""
    return any(ch.isalnum() for ch in token)


class Segmenter:
    """Cut text into the words of a fixed dictionary, as jieba's search mode would.

    `costs` holds the dictionary words (jieba knows them) with their costs; `extra`
    the index's own words jieba does not know (codes, rare characters), which may
    be cut out whole but are not looked for inside longer words. A character in no
    word stands alone at the `unknown` cost.
    """

    def __init__(
        self,
        costs: Mapping[str, int],
        extra: Iterable[str],
        unknown: int,
        stopwords: Iterable[str],
        synonyms: Mapping[str, Sequence[str]],
    ) -> None:
        self.costs = {w: c for w, c in costs.items() if w}
        for word in extra:
            if word:
                self.costs.setdefault(word, unknown)
        self.known = frozenset(w for w in costs if w)
        self.unknown = unknown
        self.prefixes = frozenset(w[:i] for w in self.costs for i in range(1, len(w) + 1))
        self.stopwords = frozenset(stopwords)
        self.synonyms = {k: tuple(v) for k, v in synonyms.items()}

    def _route(self, text: str) -> Iterator[str]:
        """Yield the cheapest cut of one block; equal costs prefer the longer first word."""
        n = len(text)
        best = [0] * (n + 1)
        step = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            ends = []
            j = i + 1
            while j <= n and text[i:j] in self.prefixes:
                if text[i:j] in self.costs:
                    ends.append(j)
                j += 1
            if not ends:
                ends.append(i + 1)
            choice, choice_cost = 0, 0
            for end in ends:
                total = self.costs.get(text[i:end], self.unknown) + best[end]
                if choice == 0 or total < choice_cost or (total == choice_cost and end > choice):
                    choice, choice_cost = end, total
            best[i], step[i] = choice_cost, choice
        # Single letters and digits in a row stay together ("ie11"), as in jieba.
        i, run = 0, ""
        while i < n:
            word = text[i : step[i]]
            i = step[i]
            if len(word) == 1 and _ENG.fullmatch(word):
                run += word
                continue
            if run:
                yield run
                run = ""
            yield word
        if run:
            yield run

    def cut(self, text: str) -> Iterator[str]:
        """Yield the words of normalised `text`, long words followed by the known words inside."""
        for block in _BLOCK.split(text):
            if not block:
                continue
            if _BLOCK.fullmatch(block):
                words: Iterable[str] = self._route(block)
            else:
                words = list(block)
            for word in words:
                for size in (2, 3):
                    if len(word) > size:
                        for k in range(len(word) - size + 1):
                            if word[k : k + size] in self.known:
                                yield word[k : k + size]
                yield word

    def tokens(self, text: str) -> list[str]:
        """Return the search terms of `text`, each colloquial word followed by its standard form."""
        out: list[str] = []
        for word in self.cut(normalise(text)):
            word = word.strip()
            if word and is_word(word) and word not in self.stopwords:
                out.append(word)
                out.extend(self.synonyms.get(word, ()))
        return out


# Postings: (entry, term frequency) pairs, encoded for the site as a short string.


def _put(number: int, out: list[str]) -> None:
    """Append `number` as base-32 digits, low first; 32 marks that another digit follows."""
    while True:
        low = number & 31
        number >>= 5
        if number:
            out.append(_DIGITS[low | 32])
        else:
            out.append(_DIGITS[low])
            return


def encode_postings(postings: Sequence[tuple[int, int]]) -> str:
    """Return the postings (entry ascending, tf >= 1) as a compact string."""
    out: list[str] = []
    previous = -1
    for doc, tf in postings:
        gap = doc - previous - 1
        previous = doc
        _put(gap * 2 + (tf > 1), out)
        if tf > 1:
            _put(tf - 2, out)
    return "".join(out)


def decode_postings(text: str) -> list[tuple[int, int]]:
    """Return the postings encoded by `encode_postings`."""
    numbers: list[int] = []
    value = shift = 0
    for ch in text:
        digit = _VALUE[ch]
        value |= (digit & 31) << shift
        if digit & 32:
            shift += 5
        else:
            numbers.append(value)
            value = shift = 0
    out: list[tuple[int, int]] = []
    previous = -1
    i = 0
    while i < len(numbers):
        head = numbers[i]
        i += 1
        tf = 1
        if head & 1:
            tf = numbers[i] + 2
            i += 1
        previous += (head >> 1) + 1
        out.append((previous, tf))
    return out


@dataclass
class FieldIndex:
    """One field's BM25 index: the length of every entry's text and the postings of each term."""

    name: str
    weight: float
    grams: bool
    lengths: list[int]
    postings: dict[str, list[tuple[int, int]]]
    _weighted: dict[str, list[tuple[int, float]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.average = sum(self.lengths) / len(self.lengths) if self.lengths else 0.0

    def weights(self, term: str, k1: float, b: float) -> list[tuple[int, float]]:
        """Return (entry, BM25 weight) for every entry containing `term` (Lucene's idf)."""
        cached = self._weighted.get(term)
        if cached is not None:
            return cached
        postings = self.postings.get(term, [])
        n, df = len(self.lengths), len(postings)
        out: list[tuple[int, float]] = []
        if df and self.average > 0:
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for doc, tf in postings:
                norm = k1 * ((1 - b) + b * self.lengths[doc] / self.average)
                out.append((doc, idf * (tf / (norm + tf))))
        self._weighted[term] = out
        return out


def score(
    fields: Sequence[FieldIndex],
    count: int,
    words: Mapping[str, float],
    pairs: Mapping[str, float],
    k1: float,
    b: float,
) -> list[float]:
    """Return every entry's score: the sum over fields and query terms of weighted BM25."""
    total = [0.0] * count
    for index in fields:
        terms = pairs if index.grams else words
        for term, weight in terms.items():
            factor = index.weight * weight
            for doc, value in index.weights(term, k1, b):
                total[doc] += factor * value
    return total


def best(total: Sequence[float], limit: int) -> list[int]:
    """Return the entries with a positive score, best first; equal scores keep entry order."""
    order = sorted((i for i, s in enumerate(total) if s > 0), key=lambda i: (-total[i], i))
    return order[:limit]
