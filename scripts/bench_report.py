"""Benchmark `zzxt report`: read requests against pages, and the time of a whole report.

Seeds `zzxt sandbox` (in this process) with a quarter's worth of issues
(default 10,000 closed and 1,000 open, 40,000 comments), then per forge runs
`zzxt report --json --out DIR` as a child process and prints: read requests,
the page count of the two lists it needs, wall time, the child's own CPU time
(its work without the sandbox's), peak memory. Then it times, in this process
and on the same issues, the two phases that do not depend on the forge:
computing the figures and writing the files.

    .venv/bin/python scripts/bench_report.py [--closed 10000] [--open 1000] [--comments 40000]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from tracker.bots.identity import BotIdentity
from tracker.bots.rules import Rules
from tracker.bots.sla import Responders
from tracker.forge.model import Comment, Issue, User
from tracker.policy import load_policy
from tracker.report.figures import compute
from tracker.report.period import Period
from tracker.report.write import write_report
from tracker.sandbox import Sandbox
from tracker.sandbox.seed import Seed

BOT_TOKEN = "bench-report-bot"
SINCE, UNTIL = "2026-07-01", "2026-09-30"
NOW = "2026-11-30T10:00:00+08:00"
PAGE = {"github": 100, "gitea": 50}
ZZXT = str(Path(sys.executable).with_name("zzxt"))
UNIVERSITIES = [f"示范大学{n}" for n in range(1, 41)]
SCHOOLS = [f"省属学校{n}" for n in range(1, 11)]


def build_seed(closed: int, still_open: int, comments: int) -> Seed:
    """Issues spread over 2026's third quarter from every city and many universities."""
    policy = load_policy()
    categories = [c.name for c in policy.categories]
    labels = [{"name": f"类别/{c}", "color": "1d76db"} for c in categories]
    labels += [{"name": "状态/不予受理", "color": "e4e669"}]
    start = datetime.fromisoformat(f"{SINCE}T08:00:00+08:00")
    total = closed + still_open
    seconds = (datetime.fromisoformat(f"{UNTIL}T20:00:00+08:00") - start).total_seconds()
    per_issue, extra = divmod(comments, total)
    items: list[dict[str, Any]] = []
    for n in range(1, total + 1):
        created = start + timedelta(seconds=seconds * (n - 1) / total)
        if n % 5 == 0:
            city, unit, unit_type = "省直属", UNIVERSITIES[n % 40], "普通高校"
        elif n % 13 == 0:
            city, unit, unit_type = "省直属", SCHOOLS[n % 10], "省属学校"
        else:
            city = policy.cities[n % 21]
            unit, unit_type = f"{city}教育局", "地级以上市教育局"
        thread = []
        for k in range(per_issue + (1 if n <= extra else 0)):
            # Staff answer first in most issues, after 1 to 80 hours; one in 25 is never answered.
            user = "staff1" if k == 0 and n % 25 else "reporter"
            delay = timedelta(hours=1 + (n * 7 + k * 13) % 80)
            thread.append(
                {
                    "user": user,
                    "body": "已收到，正在处理",
                    "created_at": (created + delay).isoformat(),
                }
            )
        is_open = n > closed
        last = max((datetime.fromisoformat(c["created_at"]) for c in thread), default=created)
        items.append(
            {
                "number": n,
                "title": f"{city}-{policy.stages[n % 6].name}-{categories[n % 4]}：第 {n} 号问题",
                "body": (
                    f"### 所属地市\n\n{city}\n\n### 学段\n\n{policy.stages[n % 6].name}\n\n"
                    f"### 报送单位\n\n{unit}\n\n### 单位类型\n\n{unit_type}\n"
                ),
                "user": "reporter",
                "labels": [f"类别/{categories[n % 4]}"]
                + (["状态/不予受理"] if n % 97 == 0 else []),
                "state": "open" if is_open else "closed",
                "created_at": created.isoformat(),
                "closed_at": None if is_open else (last + timedelta(hours=2)).isoformat(),
                "comments": thread,
            }
        )
    return Seed.model_validate(
        {
            "users": [
                {"login": "zzxt-bot", "token": BOT_TOKEN, "type": "Bot"},
                {"login": "staff1", "token": "bench-report-staff"},
            ],
            "repos": [{"name": "gdzz/support", "private": True, "labels": labels, "issues": items}],
            "settings": {"github_rate_limit": 1_000_000},
        }
    )


def common_args(forge: str, url: str) -> list[str]:
    return ["--forge", forge, "--url", url, "--repo", "gdzz/support"]


def run_child(forge: str, sb: Sandbox, out: Path) -> tuple[float, float, float, int]:
    """Run `zzxt report` as a child; return (seconds, CPU seconds, peak MiB, exit code)."""
    env = {**os.environ, "ZZXT_TOKEN": BOT_TOKEN, "ZZXT_RETRY_BACKOFF": "0.05"}
    args = [ZZXT, "report", *common_args(forge, sb.url), "--since", SINCE, "--until", UNTIL]
    args += ["--now", NOW, "--json", "--out", str(out)]
    began = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - began
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        assert child.stderr is not None
        sys.stderr.write(child.stderr.read().decode("utf-8", "replace"))
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def phases(seed: Seed, out: Path) -> tuple[float, float, int]:
    """Time computing and writing on the seed's issues; return them and the issue count."""
    policy = load_policy()
    repo = seed.repos[0]
    issues, comments = [], []
    for si in repo.issues:
        created = si.created_at or datetime.fromisoformat(NOW)
        state: Literal["open", "closed"] = si.state
        issues.append(
            Issue(si.number, si.title, si.body, User(si.user), tuple(si.labels), (), state,
                  created, created, si.closed_at)
        )  # fmt: skip
        for c in si.comments:
            moment = c.created_at or created
            comments.append(
                Comment(len(comments) + 1, si.number, User(c.user), c.body, moment, moment)
            )
    period = Period(date.fromisoformat(SINCE), date.fromisoformat(UNTIL), policy.calendar.zone)
    began = time.perf_counter()
    report = compute(
        issues,
        comments,
        Rules.build(policy),
        Responders(BotIdentity("zzxt-bot"), writers=frozenset({"staff1"})),
        period,
        datetime.fromisoformat(NOW),
    )
    figures = time.perf_counter() - began
    began = time.perf_counter()
    write_report(report, policy, out)
    return figures, time.perf_counter() - began, len(report.issues)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=10_000)
    parser.add_argument("--open", dest="still_open", type=int, default=1_000)
    parser.add_argument("--comments", type=int, default=40_000)
    parser.add_argument(
        "--forges", nargs="*", default=["github", "gitea"], help="不写平台时只测统计和写文件"
    )
    args = parser.parse_args()
    seed = build_seed(args.closed, args.still_open, args.comments)
    total = args.closed + args.still_open
    print(f"{args.closed} 个已关闭、{args.still_open} 个未关闭问题，{args.comments} 条评论\n")
    print(
        "| 平台 | 读请求 | 两个列表的页数 | 总耗时（秒） | zzxt 进程 CPU（秒） | 峰值内存（MiB） |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for forge in args.forges:
        with Sandbox(seed=seed) as sb, tempfile.TemporaryDirectory() as tmp:
            pages = math.ceil(total / PAGE[forge]) + math.ceil(args.comments / PAGE[forge])
            sb.log.clear()
            seconds, cpu, peak, code = run_child(forge, sb, Path(tmp))
            reads = sum(1 for r in sb.requests() if r["method"] == "GET")
            status = "" if code == 0 else f"（退出码 {code}）"
            print(
                f"| {forge}{status} | {reads} | {pages} | {seconds:.1f} | {cpu:.1f} | {peak:.0f} |"
            )
    with tempfile.TemporaryDirectory() as tmp:
        figures, written, count = phases(seed, Path(tmp))
    print(f"\n不经平台、同样 {count} 个问题：统计 {figures:.1f} 秒，写文件 {written:.1f} 秒。")
    load = os.getloadavg()[0]
    print(f"\n测量结束时的负载（1 分钟平均）：{load:.1f}，{os.cpu_count()} 核。")


if __name__ == "__main__":
    main()
