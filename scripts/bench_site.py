"""Measure the knowledge-base build on synthetic FAQ sets against plain mkdocs-material.

For each size, N synthetic FAQ pages (valid front matter, Chinese answers of
about the length of the real ones) are built twice with `mkdocs build --strict`:

- the site: the project's mkdocs.yml with its hook (validation, generated index
  pages, the service guide, headers on every FAQ page);
- plain: the same config and pages without the hook and the generated pages.

Both use the same theme, search (jieba and the user dictionary) and offline
plugin, so the ratio is the cost of what the project adds. Prints a Markdown table.

    python scripts/bench_site.py [--sizes 200 2000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import random
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


def write_config(path: Path, hook: bool) -> None:
    hooks = f"  - {ROOT / 'tracker' / 'kb' / 'mkdocs_hook.py'}\n" if hook else "  []\n"
    path.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        "docs_dir: docs\n"
        f"hooks:\n{hooks}"
        "nav:\n  - 首页: index.md\n",
        encoding="utf-8",
    )


def build(config: Path) -> tuple[float, int]:
    """Return the wall time of a strict build and the size of its search index."""
    site = config.parent / "site"
    env = {k: v for k, v in os.environ.items() if k != "ZZXT_POLICY"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config)],
        cwd=ROOT,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, (site / "search" / "search_index.json").stat().st_size


def measure(size: int, repeat: int) -> tuple[float, float, int, int]:
    policy = load_policy()
    rng = random.Random(size)
    pages = {f"synthetic-{i:05d}.md": synthetic_page(i, policy, rng) for i in range(size)}
    with tempfile.TemporaryDirectory(prefix="zzxt-bench-") as tmp:
        full, plain = Path(tmp, "full"), Path(tmp, "plain")
        write_docs(full / "docs", pages, home=False)
        write_docs(plain / "docs", pages, home=True)
        write_config(full / "mkdocs.yml", hook=True)
        write_config(plain / "mkdocs.yml", hook=False)
        full_runs = [build(full / "mkdocs.yml") for _ in range(repeat)]
        plain_runs = [build(plain / "mkdocs.yml") for _ in range(repeat)]
    return (
        min(t for t, _ in full_runs),
        min(t for t, _ in plain_runs),
        full_runs[0][1],
        plain_runs[0][1],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--repeat", type=int, default=1, help="每种构建重复次数，取最快一次")
    args = parser.parse_args(argv)
    print("| FAQ 篇数 | 本站构建 | 纯 mkdocs-material | 耗时比 | 本站索引 | 纯构建索引 | 索引比 |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        full_s, plain_s, full_b, plain_b = measure(size, args.repeat)
        print(
            f"| {size} | {full_s:.1f} s | {plain_s:.1f} s | {full_s / plain_s:.2f} "
            f"| {full_b / 1e6:.2f} MB | {plain_b / 1e6:.2f} MB | {full_b / plain_b:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
