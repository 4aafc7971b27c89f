"""Where zzxt keeps its files in a tracker repository, and which zzxt the workflows install.

    .zzxt/policy.yml     the policy: the one file an administrator edits afterwards
    .zzxt/faq/*.md       the knowledge base's FAQ pages (zzxt site build, the triage bot)
    <template_dir>/      issue forms           <workflow_dir>/   the bots' workflows

A `Deployment` is everything the workflows of one repository depend on. A
tracker's comes from its policy's `deploy` section (`for_tracker`); this
project's own `.github`/`.gitea` folders install the checkout itself and use
the built-in policy (`for_project`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.forge.kinds import Kind
from tracker.policy import Policy

POLICY_FILE = ".zzxt/policy.yml"
FAQ_DIR = ".zzxt/faq"
# Where the Pages workflow builds the site (not committed; only the artifact is published).
SITE_OUT = "_site"

PROJECT_HEADER = "# 本文件由 `zzxt workflows render` 生成，请勿手工修改。\n"
TRACKER_HEADER = (
    f"# 本文件由 `zzxt sync` 生成，请勿手工修改：修改 {POLICY_FILE} 后运行 zzxt sync。\n"
)


@dataclass(frozen=True)
class Deployment:
    """What the workflows of one repository need to know."""

    kind: Kind
    package: str  # what pip installs: "zzxt==0.2.0", a wheel or git URL, or "." (a checkout)
    policy_file: str | None  # read by the bots (ZZXT_POLICY); None: the built-in policy
    faq_dir: str  # the FAQ pages, for triage's links and the site
    header: str  # the generated file's first line
    index_url: str = ""  # the package index; empty: pip's default
    python: str = "3.11"  # setup-python's version (GitHub)
    runs_on: str = "ubuntu-latest"
    pages: bool = False  # publish the knowledge base with GitHub Pages
    # The monthly 督查通报 (report.yml): a tracker's, when its policy asks (deploy.report).
    # Never this project's own: its repository holds code, not a month's reports.
    report: bool = False

    def requirement(self, extra: str = "") -> str:
        """Return the pip requirement, with an extra such as `site` if asked for."""
        if not extra:
            return self.package if "://" not in self.package else f"zzxt @ {self.package}"
        if "://" in self.package:
            return f"zzxt[{extra}] @ {self.package}"
        name, sep, version = self.package.partition("==")
        return f"{name}[{extra}]{sep}{version}"


def for_tracker(policy: Policy, kind: Kind, version: str) -> Deployment:
    """The deployment a tracker's policy describes; `version` is the zzxt writing it."""
    deploy = policy.deploy
    return Deployment(
        kind=kind,
        package=deploy.zzxt or f"zzxt=={version}",
        policy_file=POLICY_FILE,
        faq_dir=FAQ_DIR,
        header=TRACKER_HEADER,
        index_url=deploy.index_url,
        python=deploy.python,
        runs_on=deploy.runs_on,
        pages=deploy.pages,
        report=deploy.report,
    )


def for_project(kind: Kind) -> Deployment:
    """This project's own workflows: install the checkout, use the built-in policy."""
    return Deployment(
        kind=kind, package=".", policy_file=None, faq_dir="docs/faq", header=PROJECT_HEADER
    )
