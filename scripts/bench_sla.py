"""Benchmark the SLA bot's API economy: reads grow with pages, not with issues.

Seeds `zzxt sandbox` (in this process) with 10,000 open issues and 30,000
comments, then runs `zzxt sla check --apply` twice per forge as a child
process and reports, for each run: read requests, write requests, wall time
and the child's peak memory. The second run must write nothing.

    .venv/bin/python scripts/bench_sla.py [--issues 10000] [--comments 30000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tracker.policy import load_policy
from tracker.sandbox import Sandbox
from tracker.sandbox.seed import Seed

NOW = "2026-11-26T10:00:00+08:00"
BOT_TOKEN = "bench-bot-token"
CATEGORIES = ["应用类问题", "技术类问题", "用户申请", "需求建议"]
ZZXT = str(Path(sys.executable).with_name("zzxt"))


def build_seed(issues: int, comments: int) -> Seed:
    """Issues spread over three weeks of November 2026, a mix of answered and not."""
    policy = load_policy()
    labels = [{"name": f"类别/{c}", "color": "1d76db"} for c in CATEGORIES]
    start = datetime.fromisoformat("2026-11-05T09:00:00+08:00")
    per_issue, extra = divmod(comments, issues)
    items: list[dict[str, Any]] = []
    for n in range(1, issues + 1):
        created = start + timedelta(minutes=n * 3)
        thread = []
        for k in range(per_issue + (1 if n <= extra else 0)):
            # An author's follow-up first; then a staff answer, except in one issue in 33
            # (those stay unanswered, and the older ones become overdue).
            user = "staff1" if k == 1 and n % 33 else "reporter"
            thread.append(
                {
                    "user": user,
                    "body": "补充说明" if k == 0 else "已收到，正在处理",
                    "created_at": (created + timedelta(hours=20 * (k + 1) + n % 50)).isoformat(),
                }
            )
        items.append(
            {
                "number": n,
                "title": f"{policy.cities[n % 21]}-{policy.stages[n % 6].name}-{CATEGORIES[n % 4]}：第 {n} 号问题",
                "body": f"### 所属地市\n\n{policy.cities[n % 21]}\n\n### 报送单位\n\n第 {n % 97} 号单位\n",
                "user": "reporter",
                "labels": [f"类别/{CATEGORIES[n % 4]}"],
                "created_at": created.isoformat(),
                "comments": thread,
            }
        )
    return Seed.model_validate(
        {
            "users": [
                {"login": "zzxt-bot", "token": BOT_TOKEN, "type": "Bot"},
                {"login": "staff1", "token": "bench-staff-token"},
            ],
            "repos": [{"name": "gdzz/support", "private": True, "labels": labels, "issues": items}],
            # Measure the API economy, not GitHub's hourly limit: a first run over a
            # 10,000-issue backlog needs more writes than one hour allows (see the docs).
            "settings": {"github_rate_limit": 1_000_000},
        }
    )


def run_zzxt(args: list[str]) -> tuple[float, float, int]:
    """Run zzxt as a child; return (seconds, peak MiB, exit code)."""
    env = {**os.environ, "ZZXT_TOKEN": BOT_TOKEN, "ZZXT_RETRY_BACKOFF": "0.05"}
    began = time.perf_counter()
    child = subprocess.Popen(
        [ZZXT, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0,):
        assert child.stderr is not None
        sys.stderr.write(child.stderr.read().decode("utf-8", "replace"))
    return elapsed, usage.ru_maxrss / 1024, child.returncode


def bench(forge: str, seed: Seed) -> list[tuple[str, int, int, float, float]]:
    rows = []
    with Sandbox(seed=seed) as sb:
        common = [
            "--forge",
            forge,
            "--url",
            sb.url,
            "--repo",
            "gdzz/support",
            "--write-interval",
            "0",
        ]
        run_zzxt(["sync", *common, "--apply"])  # labels the bot needs
        for name in ("第一次 --apply", "第二次 --apply"):
            sb.log.clear()
            seconds, peak, code = run_zzxt(
                ["sla", "check", *common, "--apply", "--now", NOW, "--max-writes", "0"]
            )
            log = sb.requests()
            reads = sum(1 for r in log if r["method"] == "GET")
            writes = len(log) - reads
            if code != 0:
                name += f"（退出码 {code}）"
            rows.append((name, reads, writes, seconds, peak))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=30_000)
    args = parser.parse_args()
    began = time.perf_counter()
    seed = build_seed(args.issues, args.comments)
    print(
        f"种子：{args.issues} 个未关闭问题，{args.comments} 条评论（生成 {time.perf_counter() - began:.1f} 秒）"
    )
    print()
    print("| 平台 | 运行 | 读请求 | 写请求 | 耗时（秒） | 峰值内存（MiB） |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for forge in ("github", "gitea"):
        for name, reads, writes, seconds, peak in bench(forge, seed):
            print(f"| {forge} | {name} | {reads} | {writes} | {seconds:.1f} | {peak:.0f} |")
    page = {"github": 100, "gitea": 50}
    print()
    for forge, size in page.items():
        limit = -(-args.issues // size) + -(-args.comments // size) + 5
        print(
            f"{forge} 读请求目标：≤ {limit}（问题 {-(-args.issues // size)} 页 + 评论 {-(-args.comments // size)} 页 + 5）"
        )


if __name__ == "__main__":
    main()
