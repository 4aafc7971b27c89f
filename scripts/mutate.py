"""Make deliberate small bugs one at a time and report whether the tests catch each.

    .venv/bin/python scripts/mutate.py                  # every mutant (make mutate)
    .venv/bin/python scripts/mutate.py sla-mention-team-only pii-full-width
    .venv/bin/python scripts/mutate.py --list           # names and what each breaks
    .venv/bin/python scripts/mutate.py --check          # is every old text still there?

The repository is copied once to a temporary folder, with ../shared linked beside
the copy as the tests expect. The tests the mutants name are first run on the
unmodified copy (a failure there would make every mutant look caught); then each
mutant replaces its exact old text in its file, runs its tests with -x -q and puts
the file back. A mutant is caught when its tests fail (or run past the time limit),
survived when they pass, and stale when its old text is no longer in the file
exactly once: the code moved on and the record needs updating.

Exits 1 when a mutant survived or is stale, or the baseline fails. Not part of CI:
a full run takes tens of minutes. The last result is in docs/dev/mutation.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IGNORED = (".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis")
IGNORED += ("site", "__pycache__", "*.pyc")
TIME_LIMIT = 900  # seconds per mutant; a hang counts as caught


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest arguments: files, node ids, -k expressions
    breaks: str  # what the bug changes, for people


MUTANTS = [
    # The mutants that survived the first mutation check (issue 12).
    Mutant(
        "sync-label-description",
        "tracker/bots/sync.py",
        "existing.color.lower() != spec.color.lower() or existing.description != spec.description",
        "existing.color.lower() != spec.color.lower()",
        ("tests/test_mutants_sync.py",),
        "a label differing only in its description is never updated",
    ),
    Mutant(
        "sync-prune-any-slash",
        "tracker/labels.py",
        'return "/" in name and name.split("/", 1)[0] in self.prefixes()',
        'return "/" in name',
        ("tests/test_mutants_sync.py",),
        "--prune deletes every x/y label, e.g. a team's team/前端",
    ),
    Mutant(
        "sla-reminder-at-warning",
        "tracker/bots/sla_run.py",
        "if verdict.state is State.OVERDUE and not reminders:",
        "if verdict.state in (State.OVERDUE, State.DUE_SOON) and not reminders:",
        ("tests/test_mutants_sla.py",),
        "the overdue reminder is posted already at the warning line",
    ),
    Mutant(
        "sla-mention-team-only",
        "tracker/bots/sla_run.py",
        "targets = list(issue.assignees) or list(policy.sla.escalate_to)",
        "targets = list(policy.sla.escalate_to)",
        ("tests/test_mutants_sla.py",),
        "the reminder never @mentions the assignee, always the escalation team",
    ),
    Mutant(
        "sla-assign-over-assignee",
        "tracker/bots/sla_run.py",
        "if verdict.responder and not issue.assignees and responders.may_assign(",
        "if verdict.responder and responders.may_assign(",
        ("tests/test_mutants_sla.py",),
        "the first responder is assigned even where someone already is",
    ),
    Mutant(
        "engine-first-in-list-order",
        "tracker/bots/sla.py",
        "return min(answers, key=lambda c: c.created_at, default=None)",
        "return answers[0] if answers else None",
        ("tests/test_mutants_sla.py", "-k", "earliest"),
        "the first answer in list order counts instead of the earliest",
    ),
    Mutant(
        "engine-last-second-late",
        "tracker/bots/sla.py",
        "state = State.MET if responded_at <= due else State.LATE",
        "state = State.MET if responded_at < due else State.LATE",
        ("tests/test_mutants_sla.py", "-k", "last_second"),
        "an answer at 23:59:59 on the due day is counted late",
    ),
    Mutant(
        "pii-full-width",
        "tracker/pii.py",
        '_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋", "0123456789Xx+")',
        '_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")',
        ("tests/test_mutants_pii.py",),
        "full-width Ｘ, ｘ and ＋ are not folded: an ID ending in Ｘ goes undetected",
    ),
    Mutant(
        "faq-pairs-weight-0",
        "tracker/kb/search.py",
        '"grams": 2.0,',
        '"grams": 0.0,',
        ("tests/test_search_quality.py",),
        "the character-pair field no longer counts",
    ),
    Mutant(
        "faq-bm25-b-0.95",
        "tracker/kb/search.py",
        "B = 0.5\n",
        "B = 0.95\n",
        ("tests/test_search_quality.py",),
        "BM25 length normalisation b moved from 0.5 to 0.95",
    ),
    Mutant(
        "faq-aliases-weight-0",
        "tracker/kb/search.py",
        '"aliases": 2.0,',
        '"aliases": 0.0,',
        ("tests/test_search_quality.py", "-k", "own_colloquial"),
        "the other ways to ask a question (aliases) no longer count",
    ),
    Mutant(
        "faq-body-outweighs-title",
        "tracker/kb/search.py",
        '"body": 1.0,',
        '"body": 5.0,',
        ("tests/test_search_quality.py", "-k", "own_colloquial"),
        "the long answer outweighs the title: side topics win",
    ),
    # The request log and exit codes (issue 12).
    Mutant(
        "sandbox-answer-then-log",
        "tracker/sandbox/server.py",
        "        self._record(req, response.status, response.body)\n        self._send(response)\n",
        "        self._send(response)\n        self._record(req, response.status, response.body)\n",
        ("tests/test_sandbox_log.py", "-k", "every_answer"),
        "the sandbox answers before it logs: a cleared log may gain a late entry",
    ),
    Mutant(
        "sandbox-drop-then-log",
        "tracker/sandbox/server.py",
        "            self._record(req, 0, None)\n            self.close_connection = True\n"
        "            self.connection.shutdown(socket.SHUT_RDWR)\n",
        "            self.close_connection = True\n"
        "            self.connection.shutdown(socket.SHUT_RDWR)\n            self._record(req, 0, None)\n",
        ("tests/test_sandbox_log.py", "-k", "every_answer"),
        "a dropped connection is logged only after the client saw it drop",
    ),
    Mutant(
        "http-429-is-exit-8",
        "tracker/forge/http.py",
        "    if status == 429:\n",
        "    if status == -429:\n",
        ("tests/test_exit_codes.py", "-k", "test_7_every"),
        "GitHub: a 429 that outlasts the retries exits 8 instead of 7",
    ),
    Mutant(
        "gitea-429-is-exit-8",
        "tracker/forge/gitea.py",
        'if failure == "HTTP 429":',
        'if failure == "HTTP 4290":',
        ("tests/test_exit_codes.py", "-k", "test_7_every"),
        "Gitea: a 429 that outlasts the retries exits 8 instead of 7",
    ),
    Mutant(
        "github-sleeps-retry-after",
        "tracker/forge/github.py",
        "if wait is not None and wait > limit:",
        "if wait is not None and wait > limit * 100:",
        ("tests/test_exit_codes.py", "-k", "retry_after and github"),
        "GitHub: a Retry-After of an hour is slept through instead of refused",
    ),
    Mutant(
        "gitea-429-not-retried",
        "tracker/forge/gitea.py",
        "if response.status_code == 429 or response.status_code >= 500:",
        "if response.status_code >= 500:",
        ("tests/test_exit_codes.py", "-k", "test_7_every and gitea"),
        "Gitea: a 429 is not retried",
    ),
    Mutant(
        "sync-public-repo-allowed",
        "tracker/cli/sync_cmd.py",
        "if not repository.private and not allow_public:",
        "if not repository.private and allow_public:",
        ("tests/test_exit_codes.py", "-k", "test_9"),
        "sync writes report forms with names and phones into a public repository",
    ),
    # Further mutants judged dangerous.
    Mutant(
        "pii-mask-one-digit-more",
        "tracker/pii.py",
        "hidden = set(positions[lead : len(positions) - trail])",
        "hidden = set(positions[lead : len(positions) - trail - 1])",
        ("tests/test_pii.py",),
        "masking shows one digit more than it should",
    ),
    Mutant(
        "pii-no-luhn",
        "tracker/pii.py",
        'return 16 <= len(digits) <= 19 and digits[:1] in "3456" and luhn_valid(digits)',
        'return 16 <= len(digits) <= 19 and digits[:1] in "3456"',
        ("tests/test_pii.py",),
        "any 16-19 digit run is a bank card: order numbers and codes are flagged",
    ),
    Mutant(
        "pii-no-id-check-digit",
        "tracker/pii.py",
        "if not _DIGITS.fullmatch(number[:17]) or id_check_char(number[:17]) != number[17]:",
        "if not _DIGITS.fullmatch(number[:17]):",
        ("tests/test_pii.py",),
        "an 18-digit number with a wrong check digit counts as an ID",
    ),
    Mutant(
        "triage-contact-exempts-all",
        "tracker/bots/triage.py",
        'if finding.kind == "mobile" and contact and digits.endswith(contact):',
        'if finding.kind == "mobile" and digits.endswith(contact):',
        ("tests/test_mutants_pii.py",),
        "with no contact phone, every mobile number in the body goes unflagged",
    ),
    Mutant(
        "triage-masks-without-policy",
        "tracker/bots/triage.py",
        "        if policy.triage.mask_pii:\n            masked_title",
        "        if True:\n            masked_title",
        ("tests/test_triage.py", "-k", "id_number"),
        "the bot rewrites the reporter's body although the policy says not to",
    ),
    Mutant(
        "calendar-receipt-day-counts",
        "tracker/calendar.py",
        "        day = start\n        counted = 0\n",
        "        day = start - timedelta(days=1)\n        counted = 0\n",
        ("tests/test_calendar.py", "-k", "test_deadline"),
        "the day of receipt counts as the first working day",
    ),
    Mutant(
        "calendar-make-up-saturday-off",
        "tracker/calendar.py",
        "    if day in chinese_calendar.workdays:\n",
        "    if day in chinese_calendar.workdays and day.weekday() < 5:\n",
        ("tests/test_calendar.py", "-k", "test_deadline or test_is_workday"),
        "a make-up working Saturday or Sunday is treated as a day off",
    ),
    Mutant(
        "calendar-due-at-six",
        "tracker/calendar.py",
        "END_OF_DAY = time(23, 59, 59)",
        "END_OF_DAY = time(18, 0)",
        ("tests/test_mutants_sla.py", "-k", "last_second"),
        "the reply is due at 18:00, not at the end of the working day",
    ),
    Mutant(
        "engine-deadline-boundary",
        "tracker/bots/sla.py",
        "    elif now > due:\n",
        "    elif now >= due:\n",
        ("tests/test_sla_engine.py",),
        "an issue is overdue already in the last second of its due day",
    ),
    Mutant(
        "engine-author-answers",
        "tracker/bots/sla.py",
        "if _same(user, issue.author) or self.identity.is_bot_comment(comment):",
        "if self.identity.is_bot_comment(comment):",
        ("tests/test_sla_engine.py", "tests/test_mutants_sla.py", "-k", "reporter or author"),
        "the reporter's own follow-up counts as the answer",
    ),
    Mutant(
        "engine-future-answers",
        "tracker/bots/sla.py",
        "(c for c in comments if c.created_at <= now)",
        "comments",
        ("tests/test_sla_engine.py",),
        "a comment made after `now` counts when replaying an earlier moment",
    ),
    Mutant(
        "engine-unclassified-most-lenient",
        "tracker/bots/sla.py",
        "return min(policy.categories, key=lambda c: (c.deadline.breach, c.deadline.warn))",
        "return max(policy.categories, key=lambda c: (c.deadline.breach, c.deadline.warn))",
        ("tests/test_sla_engine.py",),
        "an issue without a category gets the longest deadline, not the shortest",
    ),
    Mutant(
        "sla-reminder-repeats",
        "tracker/bots/sla_run.py",
        "if responders.identity.wrote(c.author) and ESCALATION_MARK in c.body),",
        "if responders.identity.wrote(c.author) and ESCALATION_MARK in c.body and False),",
        ("tests/test_sla.py", "-k", "states_and_transitions"),
        "the overdue reminder is posted again on every run",
    ),
    Mutant(
        "dashboard-never-found",
        "tracker/bots/sla_run.py",
        "if self.identity.wrote(i.author) and DASHBOARD_MARK in i.body",
        "if self.identity.wrote(i.author) and DASHBOARD_MARK in i.body and False",
        ("tests/test_sla.py", "-k", "states_and_transitions"),
        "the progress list is not recognised: a new one is opened on every run",
    ),
    Mutant(
        "writer-budget-one-over",
        "tracker/bots/writer.py",
        "len(self.actions) >= self.max_writes",
        "len(self.actions) > self.max_writes",
        ("tests/test_sla.py", "-k", "write_budget"),
        "the write budget lets one write more through",
    ),
    Mutant(
        "sync-files-never-updated",
        "tracker/bots/sync.py",
        "        elif current.text != text:\n",
        "        elif current.sha is None:\n",
        ("tests/test_sync.py", "-k", "policy_change"),
        "a form changed in the policy is never rewritten on the tracker",
    ),
    Mutant(
        "sync-prunes-foreign-forms",
        "tracker/bots/sync.py",
        "if current is None or not current.text.startswith(MARK):",
        "if current is None:",
        ("tests/test_mutants_sync.py",),
        "--prune deletes issue forms zzxt did not generate",
    ),
]


def copy_repository(target: Path) -> Path:
    """Copy the working tree to `target`/repo and link ../shared beside it."""
    repo = target / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
    if SHARED.exists():
        (target / "shared").symlink_to(SHARED.resolve(), target_is_directory=True)
    return repo


def pytest(repo: Path, args: tuple[str, ...], limit: float) -> tuple[str, float]:
    """Run pytest in the copy; return passed, failed or timeout, and the seconds taken."""
    env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=repo, env=env, capture_output=True, text=True, timeout=limit, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started
    seconds = time.monotonic() - started
    if done.returncode == 0:
        return "passed", seconds
    if done.returncode == 5:  # nothing collected: a test selection that no longer matches
        return "no tests", seconds
    return "failed", seconds


def check(mutant: Mutant, root: Path) -> str | None:
    """Return why the mutant cannot be applied to the tree at `root`, or None."""
    path = root / mutant.file
    if not path.is_file():
        return f"{mutant.file} is missing"
    found = path.read_text("utf-8").count(mutant.old)
    if found != 1:
        return f"old text found {found} times in {mutant.file}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--check", action="store_true", help="only check every old text is there")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmodified run")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="SECONDS")
    args = parser.parse_args()

    names = [m.name for m in MUTANTS]
    if len(set(names)) != len(names):
        sys.exit("two mutants share a name")
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        sys.exit(f"unknown mutants: {', '.join(unknown)} (see --list)")
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    if args.list:
        for m in chosen:
            print(f"{m.name:34} {m.file:28} {m.breaks}")
        return 0
    stale = {m.name: why for m in chosen if (why := check(m, ROOT))}
    if args.check:
        for name, why in stale.items():
            print(f"stale  {name}: {why}")
        print(f"{len(chosen) - len(stale)} of {len(chosen)} mutants apply")
        return 1 if stale else 0

    with tempfile.TemporaryDirectory(prefix="zzxt-mutate-") as tmp:
        repo = copy_repository(Path(tmp))
        if not args.no_baseline:
            selections = sorted({t for m in chosen if m.name not in stale for t in _files(m)})
            status, seconds = pytest(repo, tuple(selections), args.time_limit * 3)
            print(f"baseline: {' '.join(selections)}: {status} in {seconds:.0f} s", flush=True)
            if status != "passed":
                print("the unmodified tests do not pass: fix them before judging mutants")
                return 1
        rows = []
        for m in chosen:
            if m.name in stale:
                rows.append((m, "stale", 0.0, stale[m.name]))
                continue
            path = repo / m.file
            original = path.read_text("utf-8")
            path.write_text(original.replace(m.old, m.new), "utf-8")
            try:
                status, seconds = pytest(repo, m.tests, args.time_limit)
            finally:
                path.write_text(original, "utf-8")
            verdict = {"failed": "caught", "timeout": "caught (time limit)"}.get(status, "survived")
            if status == "no tests":
                verdict = "stale"
            rows.append((m, verdict, seconds, m.breaks))
            print(f"{verdict:20} {seconds:6.0f} s  {m.name}", flush=True)

    print()
    print("| mutant | file | result | seconds | what it breaks |")
    print("| --- | --- | --- | --- | --- |")
    for m, verdict, seconds, note in rows:
        print(f"| {m.name} | {m.file} | {verdict} | {seconds:.0f} | {note} |")
    caught = sum(1 for _, verdict, _, _ in rows if verdict.startswith("caught"))
    print(f"\n{caught} of {len(rows)} mutants caught")
    return 0 if caught == len(rows) else 1


def _files(mutant: Mutant) -> list[str]:
    """The test files a mutant's pytest arguments name (for the baseline run)."""
    return [t.split("::")[0] for t in mutant.tests if t.startswith("tests/")]


if __name__ == "__main__":
    sys.exit(main())
