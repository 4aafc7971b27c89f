"""Build the knowledge base of a tracker deployment: its policy, its FAQ pages, into a folder.

    build_site(policy, policy_path, faq_dir, out, shim) -> SiteBuild

The site is the one this project builds for itself (the shared settings in
`tracker/resources/site/mkdocs.yml`, the pages of `tracker.kb.site` through
`tracker/kb/mkdocs_hook.py`), without the administrators' documents. mkdocs
runs in its own process on a staged copy, so that the hook reads the policy
the way it always does (`ZZXT_POLICY`). The new site replaces `out` only once
it is complete; a folder that is not empty and not an earlier build is refused
rather than emptied.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tracker.errors import ZzxtError
from tracker.kb.entries import load_entries
from tracker.kb.site import SiteError
from tracker.policy import Policy

# Left in every built site, so that a rebuild knows the folder is ours to replace.
MARKER = ".zzxt-site"
SHIM = Path("assets/vendor/iframe-worker/shim.js")


@dataclass(frozen=True)
class SiteBuild:
    out: Path
    entries: int  # FAQ pages
    shim: bool  # whether search works from file://
    seconds: float


def build_site(
    policy: Policy,
    policy_path: Path | None,
    faq_dir: Path | None,
    out: Path,
    shim: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> SiteBuild:
    """Build the site for `policy` (read from `policy_path`, None: built-in) into `out`."""
    started = time.perf_counter()
    out = out.absolute()  # mkdocs runs in the staging folder
    _check_mkdocs()
    _check_out(out)
    entries = load_entries(faq_dir, policy) if faq_dir is not None else []
    if shim is not None and not shim.is_file():
        raise SiteError(f"找不到搜索垫片 {shim}：应为 iframe-worker 包中的 shim/index.js。")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zzxt-site-") as work:
        config = _stage(Path(work), policy, faq_dir, shim)
        built = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            _mkdocs(config, built, policy_path, env if env is not None else os.environ)
            (built / MARKER).write_text("zzxt site build\n", encoding="utf-8")
            _replace(built, out)
        finally:
            shutil.rmtree(built, ignore_errors=True)
    return SiteBuild(out, len(entries), shim is not None, time.perf_counter() - started)


def _check_mkdocs() -> None:
    for module in ("mkdocs", "material"):
        if importlib.util.find_spec(module) is None:
            raise ZzxtError(
                "构建知识库需要 mkdocs-material：请安装带 site 附加组件的 zzxt，"
                "例如 pip install 'zzxt[site]'。"
            )


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"输出位置 {out} 是文件，不是目录。")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteError(
            f"输出目录 {out} 不是空目录，也不是 zzxt site build 生成的站点。"
            "构建会替换整个目录，为免误删，请指定一个空目录或新目录。"
        )


def _stage(work: Path, policy: Policy, faq_dir: Path | None, shim: Path | None) -> Path:
    """Write a mkdocs project (config and docs) into `work`; return the config file."""
    docs = work / "docs"
    docs.mkdir()
    if faq_dir is not None:
        shutil.copytree(faq_dir, docs / "faq")
    else:
        (docs / "faq").mkdir()  # the hook reads this folder, even when empty
    if shim is not None:
        (docs / SHIM).parent.mkdir(parents=True)
        shutil.copyfile(shim, docs / SHIM)
    package = resources.files("tracker")
    base = Path(str(package / "resources" / "site" / "mkdocs.yml"))
    hook = Path(str(package / "kb" / "mkdocs_hook.py"))
    config = work / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {_quoted(base)}\n"
        f"site_url: {_quoted(policy.site.url)}\n"
        "docs_dir: docs\n"
        f"hooks:\n  - {_quoted(hook)}\n"
        "nav:\n  - 首页: index.md\n",
        encoding="utf-8",
    )
    return config


def _quoted(value: object) -> str:
    """A YAML double-quoted scalar (paths may hold spaces or colons)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _mkdocs(config: Path, dest: Path, policy_path: Path | None, env: Mapping[str, str]) -> None:
    child = {k: v for k, v in env.items() if k != "ZZXT_POLICY"}
    if policy_path is not None:
        child["ZZXT_POLICY"] = str(policy_path.resolve())
    child["NO_MKDOCS_2_WARNING"] = "1"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]
    result = subprocess.run(
        [*command, "-f", str(config), "-d", str(dest)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        env=child,
        check=False,
    )
    if result.returncode != 0:
        raise SiteError("知识库构建失败：\n" + _problems(result.stderr))


def _problems(stderr: str) -> str:
    """mkdocs' own lines without their log-level prefixes; the hook's are already Chinese."""
    lines = []
    for line in stderr.splitlines():
        text = re.sub(r"^(ERROR|WARNING|INFO)\s+-\s+", "", line).strip()
        if text and not text.startswith("Aborted with"):
            lines.append(f"  {text}")
    return "\n".join(lines[-20:]) or "  （mkdocs 没有给出原因）"


def _replace(built: Path, out: Path) -> None:
    """Put the new site in place of the old one, never leaving a half-written folder."""
    if not out.exists():
        built.rename(out)
        return
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    built.rename(out)
    shutil.rmtree(old, ignore_errors=True)
