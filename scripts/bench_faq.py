"""Measure FAQ search: recall on colloquial questions, and query latency at 2,000 entries.

    .venv/bin/python scripts/bench_faq.py            # the table for docs/admin/search.md
    .venv/bin/python scripts/bench_faq.py --misses   # also list the tuning half's misses

Recall uses ../shared/faq/dev-queries.yaml (question -> FAQ id). To see whether
the method generalises rather than fits these phrasings, the queries are split in
two by their position in the file: even positions are the tuning half (the only
misses ever looked at), odd positions the held-out half. Latency is measured on
2,000 synthetic entries recombined from the real pages; the index is built once
and then every dev query is run several times. The size of the index the site
ships (search/zzxt-index.js) is given for the real pages and the synthetic ones.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.kb.entries import Entry, load_entries  # noqa: E402
from tracker.kb.search import FaqIndex, default_analyzer  # noqa: E402
from tracker.policy import load_policy  # noqa: E402

DEV = ROOT.parent / "shared" / "faq" / "dev-queries.yaml"
SYNTHETIC = 2000
ROUNDS = 10


def recall(index: FaqIndex, pairs: list[tuple[str, str]], k: int) -> float:
    found = sum(any(h.id == slug for h in index.search(q, k)) for q, slug in pairs)
    return found / len(pairs) if pairs else 0.0


def synthetic(entries: list[Entry], count: int, seed: int = 7) -> list[Entry]:
    """Return `count` entries made by recombining the titles, keywords and answers of real ones."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        base, other, third = rng.sample(entries, 3)
        paragraphs = [p for e in (base, other, third) for p in e.body.split("\n\n") if p.strip()]
        rng.shuffle(paragraphs)
        keywords = rng.sample(base.meta.keywords + other.meta.keywords, k=3)
        aliases = (
            rng.sample(base.meta.aliases + other.meta.aliases, k=1) if base.meta.aliases else []
        )
        meta = base.meta.model_copy(
            update={
                "id": f"{base.id}-{i}",
                "title": base.meta.title.rstrip("？?") + "，" + other.meta.title,
                "keywords": keywords,
                "aliases": aliases,
            }
        )
        out.append(replace(base, meta=meta, body="\n\n".join(paragraphs[:8])))
    return out


def site_index_bytes(index: FaqIndex) -> int:
    """Return the size of the index as the site ships it."""
    data = index.export(min_score=15.0, report="guide/index.html#channels")
    text = "window.zzxtSearchIndex = " + json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode()) + 2


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the tuning half's misses")
    args = parser.parse_args()

    policy = load_policy(None)
    entries = load_entries(ROOT / "docs" / "faq", policy)
    rows = yaml.safe_load(DEV.read_text("utf-8"))
    pairs = [(r["query"], r["slug"]) for r in rows]
    known = {e.id for e in entries}
    missing = sorted({slug for _, slug in pairs} - known)
    if missing:
        sys.exit(f"dev-queries.yaml 引用了不存在的问题：{', '.join(missing)}")
    halves = {"全部": pairs, "调参一半": pairs[0::2], "保留一半": pairs[1::2]}

    index = FaqIndex.build(entries, policy)
    sizes = {len(entries): site_index_bytes(index)}
    print(f"真实问题 {len(entries)} 篇，开发集 {len(pairs)} 条查询（按位置奇偶分为两半）\n")
    print("| 查询集 | 条数 | recall@1 | recall@3 |")
    print("| --- | --- | --- | --- |")
    for name, subset in halves.items():
        r1, r3 = recall(index, subset, 1), recall(index, subset, 3)
        print(f"| {name} | {len(subset)} | {r1:.2f} | {r3:.2f} |")

    if args.misses:
        print("\n调参一半中前 3 名未命中的查询：")
        for query, slug in halves["调参一半"]:
            hits = index.search(query, 3)
            if all(h.id != slug for h in hits):
                print(f"  {query} -> 应为 {slug}，得到 {[h.id for h in hits]}")
                print(f"    分词：{index.segmenter.tokens(query)}")

    default_analyzer()  # jieba's dictionary loads once per process; keep it out of the timings
    fake = synthetic(entries, SYNTHETIC)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        big = FaqIndex.build(fake, policy, cache_dir=Path(tmp))
        build_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        FaqIndex.build(fake, policy, cache_dir=Path(tmp))
        cached_ms = (time.perf_counter() - started) * 1000
    sizes[len(fake)] = site_index_bytes(big)
    timings = []
    for _ in range(ROUNDS):
        for query, _slug in pairs:
            started = time.perf_counter()
            big.search(query, 10)
            timings.append((time.perf_counter() - started) * 1000)
    print(f"\n合成问题 {len(fake)} 篇，查询 {len(timings)} 次（每次取前 10 名）\n")
    print("| 项目 | 毫秒 |")
    print("| --- | --- |")
    print(f"| 查询延迟 p50 | {percentile(timings, 50):.2f} |")
    print(f"| 查询延迟 p95 | {percentile(timings, 95):.2f} |")
    print(f"| 首次建立索引（分词 + BM25） | {build_ms:.0f} |")
    print(f"| 已有分词缓存时建立索引 | {cached_ms:.0f} |")
    print("\n| 问题篇数 | 站点搜索索引（search/zzxt-index.js） |")
    print("| ---: | ---: |")
    for count, size in sizes.items():
        print(f"| {count} | {size / 1e3:.0f} KB |")


if __name__ == "__main__":
    main()
