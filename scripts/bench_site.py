"""Measure the knowledge-base build against plain mkdocs-material, and its search in a browser.

For each size, N synthetic FAQ pages (valid front matter, Chinese answers of
about the length of the real ones) are built with `mkdocs build --strict`:

- plain: the same pages with mkdocs-material alone, its search segmenting
  Chinese with jieba and the project's user dictionary, the offline plugin;
- the site, first build: the project's mkdocs.yml and hook (validation, the
  generated pages, the FAQ search index) with an empty segmentation cache;
- the site again: the same build with the cache the first one left.

The builds alternate (plain, site, site again, plain ...) so that a busy
machine slows all alike; the fastest of each kind counts. Wall time and
processor time (user + system, which a machine shared with others disturbs
less) are both given. With --browser the site is then opened in Debian's
chromium and the development queries are timed.

    python scripts/bench_site.py [--sizes 200 2000] [--repeat 1] [--browser]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.policy import Policy, load_policy  # noqa: E402

SUBJECTS = [
    "资助名单",
    "困难认定",
    "在校生信息",
    "家庭经济信息",
    "发放信息",
    "学籍",
    "账号",
    "密码",
]
ACTIONS = ["导入", "导出", "审核", "录入", "修改", "删除", "上报", "查询"]
PROBLEMS = ["提示格式错误", "没有反应", "数据缺失", "无法保存", "校验不通过", "页面空白"]
STEPS = [
    "登录资助系统后进入资助业务管理菜单",
    "下载最新的导入模板并按要求填写",
    "把身份证号和学籍号所在列设置为文本格式",
    "先点数据校验，按每行最后一栏的提示逐条修改",
    "由学校审核员登录后逐条审核并上报",
    "联系所在地市教育局核实后再操作",
    "清除浏览器缓存后重新登录",
    "按学段整理汇总后报送省助学办",
]


def synthetic_page(i: int, policy: Policy, rng: random.Random) -> str:
    category = rng.choice(policy.categories)
    sub = rng.choice(category.subcategories).key if category.subcategories else None
    stages = rng.sample([s.key for s in policy.stages], k=rng.choice([0, 0, 1, 2]))
    subject, action, problem = rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(PROBLEMS)
    title = f"{action}{subject}时{problem}怎么办（{i}）？"
    keywords = sorted({subject, action, problem[:2], rng.choice(SUBJECTS)})
    sections = []
    for heading in ("原因", "处理步骤", "仍然无法解决"):
        steps = "\n".join(f"{n}. {rng.choice(STEPS)}。" for n in range(1, rng.randint(3, 6)))
        sections.append(
            f"## {heading}\n\n{action}{subject}时如果{problem}，请按以下步骤处理：\n\n{steps}\n"
        )
    front = [
        "---",
        f"id: synthetic-{i:05d}",
        f"title: {title}",
        f"category: {category.key}",
        f"subcategory: {sub}" if sub else "",
        f"stages: [{', '.join(stages)}]",
        "basis: [howto]",
        f"keywords: [{', '.join(keywords)}]",
        f"aliases: [{subject}{action}不了]",
        f"updated: 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "---",
    ]
    head = "\n".join(line for line in front if line)
    return f"{head}\n\n# {title}\n\n" + "\n".join(sections)


def write_docs(docs: Path, pages: dict[str, str], home: bool) -> None:
    (docs / "faq").mkdir(parents=True)
    for name, text in pages.items():
        (docs / "faq" / name).write_text(text, encoding="utf-8")
    if home:
        (docs / "index.md").write_text("# 常见问题\n\n示例站点。\n", encoding="utf-8")


def write_config(path: Path, site: bool) -> None:
    """Write the site's config, or plain material's: its own search with jieba, no hook."""
    if site:
        extra = f"hooks:\n  - {ROOT / 'tracker' / 'kb' / 'mkdocs_hook.py'}\n"
    else:
        user_dict = ROOT / "tracker" / "resources" / "jieba_userdict.txt"
        extra = (
            "hooks: []\n"
            "extra_javascript: []\n"
            f"plugins:\n  - search:\n      jieba_dict_user: {user_dict}\n  - offline\n"
        )
    path.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: docs\n{extra}nav:\n  - 首页: index.md\n",
        encoding="utf-8",
    )


def build(config: Path, cache: Path) -> tuple[float, float]:
    """Return the wall time and the processor time (user + system) of a strict build."""
    env = {k: v for k, v in os.environ.items() if k != "ZZXT_POLICY"}
    env.update(NO_MKDOCS_2_WARNING="1", ZZXT_CACHE_DIR=str(cache))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


class Result:
    def __init__(self, size: int) -> None:
        self.size = size
        self.plain: list[tuple[float, float]] = []
        self.cold: list[tuple[float, float]] = []
        self.warm: list[tuple[float, float]] = []
        self.index_bytes = 0
        self.plain_bytes = 0
        self.latency: dict[str, float] = {}


def measure(size: int, repeat: int, browser: bool) -> Result:
    policy = load_policy()
    rng = random.Random(size)
    pages = {f"synthetic-{i:05d}.md": synthetic_page(i, policy, rng) for i in range(size)}
    result = Result(size)
    with tempfile.TemporaryDirectory(prefix="zzxt-bench-") as tmp:
        full, plain = Path(tmp, "full"), Path(tmp, "plain")
        write_docs(full / "docs", pages, home=False)
        write_docs(plain / "docs", pages, home=True)
        write_config(full / "mkdocs.yml", site=True)
        write_config(plain / "mkdocs.yml", site=False)
        for round_ in range(repeat):
            cache = Path(tmp, f"cache-{round_}")
            result.plain.append(build(plain / "mkdocs.yml", cache))
            result.cold.append(build(full / "mkdocs.yml", cache))
            result.warm.append(build(full / "mkdocs.yml", cache))
        result.index_bytes = (full / "site" / "search" / "zzxt-index.js").stat().st_size
        result.plain_bytes = (plain / "site" / "search" / "search_index.json").stat().st_size
        if browser:
            result.latency = browser_latency(full / "site")
    return result


def queries() -> list[str]:
    """The development queries, or the synthetic pages' own words without ../shared."""
    dev = ROOT.parent / "shared" / "faq" / "dev-queries.yaml"
    if dev.is_file():
        import yaml

        return [row["query"] for row in yaml.safe_load(dev.read_text("utf-8"))]
    return [f"{s}{a}{p}" for s in SUBJECTS for a in ACTIONS for p in PROBLEMS[:1]]


# Runs in the page: load the index, then time the ranking alone and a whole update
# of the home page's result list (segmenting, ranking and drawing), per query.
TIMING_SCRIPT = """async (qs) => {
  const t0 = performance.now();
  await zzxtSearch.load();
  const load = performance.now() - t0;
  const box = document.querySelector("input.zz-search__input");
  const rank = [], shown = [];
  for (const q of qs) {
    let t = performance.now();
    zzxtSearch.search(q, 10);
    rank.push(performance.now() - t);
    box.value = "";
    box.dispatchEvent(new Event("input"));
    t = performance.now();
    box.value = q;
    box.dispatchEvent(new Event("input"));
    await Promise.resolve();
    shown.push(performance.now() - t);
  }
  return {load, rank, shown};
}"""


def browser_latency(site: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=args
        )
        page = browser.new_page()
        page.goto((site / "index.html").as_uri())
        qs = queries()
        data = page.evaluate(TIMING_SCRIPT, qs)
        data2 = page.evaluate(TIMING_SCRIPT, qs)  # a second round: terms already weighted
        browser.close()
    rank, shown = data["rank"], data["shown"] + data2["shown"]
    return {
        "load": data["load"],
        "rank_p50": statistics.median(rank),
        "rank_max": max(rank),
        "shown_p50": statistics.median(shown),
        "shown_p95": sorted(shown)[int(0.95 * (len(shown) - 1))],
        "shown_max": max(shown),
        "queries": len(qs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--repeat", type=int, default=1, help="每种构建重复次数，取最快一次")
    parser.add_argument("--browser", action="store_true", help="另在 chromium 中测量搜索耗时")
    args = parser.parse_args(argv)
    results = [measure(size, args.repeat, args.browser) for size in args.sizes]
    print(
        "| FAQ 篇数 | 计时 | 纯 mkdocs-material | 本站首次构建 | 耗时比 | 本站再次构建 | 耗时比 |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        for kind, at in (("墙钟", 0), ("处理器", 1)):
            plain = min(t[at] for t in r.plain)
            cold = min(t[at] for t in r.cold)
            warm = min(t[at] for t in r.warm)
            print(
                f"| {r.size} | {kind} | {plain:.1f} s | {cold:.1f} s | {cold / plain:.2f} "
                f"| {warm:.1f} s | {warm / plain:.2f} |",
                flush=True,
            )
    print("\n| FAQ 篇数 | 本站搜索索引 search/zzxt-index.js | 纯构建搜索索引 search_index.json |")
    print("| ---: | ---: | ---: |")
    for r in results:
        print(f"| {r.size} | {r.index_bytes / 1e6:.2f} MB | {r.plain_bytes / 1e6:.2f} MB |")
    if args.browser:
        print(
            "\n| FAQ 篇数 | 查询数 | 载入索引 | 排序 p50 | 排序最长 | 显示结果 p50 | p95 | 最长 |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results:
            t = r.latency
            print(
                f"| {r.size} | {t['queries']:.0f} | {t['load']:.0f} ms | {t['rank_p50']:.1f} ms "
                f"| {t['rank_max']:.1f} ms | {t['shown_p50']:.1f} ms | {t['shown_p95']:.1f} ms "
                f"| {t['shown_max']:.1f} ms |"
            )
    print("\n" + json.dumps({"runs": [vars(r) for r in results]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
