"""Related questions: for each FAQ entry, the others the search ranks highest for it.

Computed when the site is built, with the same index and ranking as `zzxt faq
search` and the triage bot: the entry's title and keywords are the query, and the
entry itself is left out of its own list.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.kb.entries import Entry
from tracker.kb.search import FaqIndex

RELATED_LIMIT = 3


def related_entries(
    index: FaqIndex, entries: Sequence[Entry], limit: int = RELATED_LIMIT
) -> dict[str, list[Entry]]:
    """Return {entry id: up to `limit` other entries, most related first}."""
    by_id = {e.id: e for e in entries}
    out: dict[str, list[Entry]] = {}
    for entry in entries:
        query = " ".join([entry.meta.title, *entry.meta.keywords])
        hits = index.search(query, limit + 1)
        out[entry.id] = [by_id[h.id] for h in hits if h.id != entry.id and h.id in by_id][:limit]
    return out
