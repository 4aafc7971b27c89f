"""mkdocs hook: add the pages generated from the policy and the FAQ entries.

Listed under `hooks:` in mkdocs.yml. The pages themselves come from
`tracker.kb.site`; this file only reads the outside world (`ZZXT_POLICY`,
`docs/faq/`, the cache directory) and talks to mkdocs. An invalid policy or FAQ
page fails the build with the same Chinese message `zzxt faq check` prints,
naming file and field.

It also writes the site's search index, `search/zzxt-index.js`: the index
`zzxt faq search` uses (`tracker.kb.search.FaqIndex.export`), which
`zzxt-search.js` (in `tracker/resources/site/`) ranks in the browser. The theme's own search
plugin stays for its dialog, keyboard shortcuts and highlighting, but indexes
no page, so the site has one search and one ranking.
"""

from __future__ import annotations

import json
import logging
import os
from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from tracker.attachments import Register, load_register
from tracker.errors import ZzxtError
from tracker.kb import site
from tracker.kb.entries import Entry, check_trainings, load_entries
from tracker.kb.related import related_entries
from tracker.kb.search import FaqIndex, Section, default_cache_dir, page_sections
from tracker.policy import Policy, load_policy

log = logging.getLogger("mkdocs.hooks.zzxt")

POLICY_ENV = "ZZXT_POLICY"
SHIM_HELP = "运行 make site（或 python scripts/fetch_site_assets.py）从 npm 获取"
# The site's own style and search script ship with the package, so a tracker's build
# (zzxt site build) has them too.
STYLESHEET = "stylesheets/zzxt.css"
SCRIPT = "javascripts/zzxt-search.js"
SEARCH_INDEX = "search/zzxt-index.js"
# The section of the service guide that says how to report a problem (site.guide()).
REPORT_ANCHOR = "channels"
# A guide section is shown when it scores this share of the FAQ's threshold: among ten
# sections a word is less rare than among the FAQ's entries, so scores run lower.
SECTION_SHARE = 0.5


class _Build:
    """What one build read: the policy and the FAQ entries by source path."""

    policy: Policy | None = None
    entries: dict[str, Entry] = {}
    related: dict[str, list[Entry]] = {}  # by entry id: the related questions it lists


def _policy_path() -> Path | None:
    value = os.environ.get(POLICY_ENV)
    return Path(value) if value else None


def _relative(path: Path) -> Path:
    """Return `path` relative to the working directory when it lies below it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


# Runs before the plugins: the navigation holds the generated pages when they read it.
@event_priority(100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # jieba announces loading its dictionary in English on stderr; the build says enough.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    try:
        policy = load_policy(_policy_path())
        entries = site.nav(policy)
    except ZzxtError as error:
        raise PluginError(error.message) from None
    _Build.policy = policy
    _Build.entries = {}
    if config.nav is not None:
        at = next((i + 1 for i, item in enumerate(config.nav) if _is_home(item)), 0)
        config.nav[at:at] = entries
    return config


def _is_home(item: Any) -> bool:
    return item == site.HOME or (isinstance(item, dict) and site.HOME in item.values())


def on_files(files: Files, config: MkDocsConfig) -> Files:
    policy = _Build.policy
    if policy is None:  # pragma: no cover - on_config always runs first
        raise PluginError("内部错误：政策尚未加载。")
    faq_dir = _relative(Path(config.docs_dir) / site.FAQ_DIR)
    try:
        every = load_entries(faq_dir, policy, drafts=True)
        check_trainings(policy, every, faq_dir)
        entries = [e for e in every if not e.meta.draft]
        generated = site.pages(policy, entries, _register(policy))
        index = FaqIndex.build(entries, policy, cache_dir=default_cache_dir(os.environ))
    except ZzxtError as error:
        raise PluginError(error.message) from None
    # Drafts (e.g. harvested from closed issues) wait for an editor: not built, not searched.
    for draft in (e for e in every if e.meta.draft):
        found = files.get_file_from_path(site.entry_page(draft))
        if found is not None:
            files.remove(found)
    _Build.entries = {site.entry_page(e): e for e in entries}
    _Build.related = related_entries(index, entries)
    guide = page_sections(generated[site.guide_page(policy)])
    generated[SEARCH_INDEX] = _search_index(policy, index, guide)
    for path, text in generated.items():
        if files.get_file_from_path(path) is not None:
            raise PluginError(
                f"docs/{path} 与自动生成的页面同名：该页面由政策和常见问题自动生成，请删除此文件。"
            )
        files.append(File.generated(config, path, content=text))
    if policy.level == "province":
        for path, data in site.downloads(policy).items():  # the blank 附件1-4 for download
            files.append(File.generated(config, path, content=data))
    packaged = resources.files("tracker") / "resources" / "site"
    for path, name in ((STYLESHEET, "zzxt.css"), (SCRIPT, "zzxt-search.js")):
        if files.get_file_from_path(path) is None:
            content = (packaged / name).read_text("utf-8")
            files.append(File.generated(config, path, content=content))
    _check_polyfills(config)
    return files


def _register(policy: Policy) -> Register | None:
    """The 附件1 register the contacts page lists (`filing.register_file`, from the repository root)."""
    name = policy.filing.register_file
    if not name or policy.level != "province":
        return None
    path = Path(name)
    if not path.is_file():
        log.info(f"没有备案登记文件 {name}，“各市受理方式”页面各市均显示为尚未报送。")
        return None
    return load_register(policy, path)


def _search_index(policy: Policy, index: FaqIndex, guide: list[Section]) -> str:
    """Return the search index as a script: a file:// page may load scripts, not fetch JSON.

    The FAQ index is exactly the one `zzxt faq search` builds; the service guide's
    sections are a second, separate index, so they never change the FAQ's ranking.
    """
    cache = default_cache_dir(os.environ)
    page = site.guide_page(policy).removesuffix(".md") + ".html"
    report = f"{page}#{REPORT_ANCHOR}"
    least = policy.triage.faq_min_score
    data = index.export(min_score=least, report=report)
    sections = FaqIndex.build_sections(page, guide, policy.site.url, cache_dir=cache)
    data["sections"] = sections.export(min_score=least * SECTION_SHARE, report=report)
    data["sections"]["name"] = "服务指南"
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"window.zzxtSearchIndex = {text};\n"


def _check_polyfills(config: MkDocsConfig) -> None:
    """Refuse scripts from other hosts; drop a local shim that was not fetched."""
    kept = []
    for url in config.extra.get("polyfills", []):
        if "//" in url:
            raise PluginError(
                f"extra.polyfills 引用了外部脚本 {url}：站点须能在无法访问互联网的内网使用，"
                "请改用本地文件。"
            )
        if (Path(config.docs_dir) / url).is_file():
            kept.append(url)
        else:
            log.info(
                f"警告：缺少 docs/{url}（iframe-worker），站点照常构建，但从 file:// 打开时无法搜索。"
                f"{SHIM_HELP}。"
            )
    # The offline plugin has already looked for a local iframe-worker (and so added no
    # CDN copy) in on_config; removing the missing file now only avoids a dead link.
    config.extra["polyfills"] = kept


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    # The theme's search indexes nothing: zzxt-search.js answers from SEARCH_INDEX.
    page.meta["search"] = {"exclude": True}
    entry = _Build.entries.get(page.file.src_uri)
    if entry is None or _Build.policy is None:
        return markdown
    return site.decorate(_Build.policy, entry, markdown, _Build.related.get(entry.id, ()))


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    path = _policy_path()
    if path is not None:
        server.watch(str(path))
    return server
