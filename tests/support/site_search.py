"""The site's search index read back as the browser reads it, ranked with the same steps.

`tracker/resources/site/zzxt-search.js` rebuilds the segmenter and the field indexes
from `search/zzxt-index.js`; `ExportedIndex` does the same from the same data, so
a test can check that the export carries everything `FaqIndex.search` uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tracker.kb import ranking

PREFIX = "window.zzxtSearchIndex = "


def read_index(path: Path) -> dict[str, Any]:
    """Return the data of a built site's `search/zzxt-index.js`."""
    text = path.read_text("utf-8")
    assert text.startswith(PREFIX) and text.endswith(";\n"), "zzxt-index.js 的格式不对"
    data: dict[str, Any] = json.loads(text[len(PREFIX) : -2])
    return data


class ExportedIndex:
    """Rank an exported index: the segmenter, postings and weights the browser builds."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.segmenter = ranking.Segmenter(
            dict(zip(data["words"], data["costs"], strict=True)),
            data["extra"],
            data["unknown"],
            data["stopwords"],
            data["synonyms"],
        )
        self.fields = [
            ranking.FieldIndex(
                f["name"],
                f["weight"],
                f["grams"],
                f["lengths"],
                {
                    t: ranking.decode_postings(p)
                    for t, p in zip(f["terms"], f["postings"], strict=True)
                },
            )
            for f in data["fields"]
        ]
        self.ids = [d[0] for d in data["docs"]]

    def search(self, query: str, limit: int) -> list[tuple[str, float]]:
        words = dict.fromkeys(self.segmenter.tokens(query), 1.0)
        pairs = dict.fromkeys(ranking.grams(query), 1.0)
        k1, b = self.data["k1"], self.data["b"]
        total = ranking.score(self.fields, len(self.ids), words, pairs, k1, b)
        return [(self.ids[i], total[i]) for i in ranking.best(total, limit)]
