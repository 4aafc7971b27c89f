"""The forges zzxt can drive, one record each: the only place that knows their differences.

Everything outside `tracker.forge` asks a `ForgeKind` instead of comparing a
forge's name. Adding a forge (GitLab, say) is one client module, one record
here and a face in the sandbox.

    ForgeKind
    ├── how to recognise it:   detect (CI environment), api_base (from the browser URL)
    ├── what it reads:         template_dir, workflow_dir, form_description_key
    ├── how it runs the bots:  uses_marketplace_actions, publishes_pages, ci_title
    ├── what people set up:    token_scopes, secrets_path, runner_setup
    ├── how hard to push it:   write_interval, write_budget
    ├── how people reach it:   new_issue_url (an issue form opened with answers filled in),
    │                          blob_url (a committed file's page)
    └── who talks to it:       client ("module:Class", imported on first use)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import quote, urlencode, urlsplit

Kind = Literal["github", "gitea"]
KIND_NAMES: tuple[Kind, ...] = get_args(Kind)


@dataclass(frozen=True)
class ForgeKind:
    """What zzxt needs to know about one kind of forge."""

    name: Kind
    title: str  # as people write it
    # True when this process runs inside the forge's own CI (GitHub Actions, Gitea Actions).
    detect: Callable[[Mapping[str, str]], bool]
    api_base: Callable[[str], str]  # API root from the address people open
    default_url: str | None  # the public instance, when there is one
    server_url_vars: tuple[str, ...]  # CI variables holding the browser URL, first wins
    token_vars: tuple[str, ...]  # CI variables holding a token, first wins
    token_secret: str  # the CI's own token secret, the workflows' fallback
    ci_bot_login: str  # who writes with the CI's own token (when /user cannot say)
    template_dir: str  # issue forms and the template chooser
    workflow_dir: str  # CI workflows
    form_description_key: str  # the issue form's one-line description key
    uses_marketplace_actions: bool  # whether its runners fetch `uses:` actions from github.com
    publishes_pages: bool  # whether it can publish the knowledge base itself (GitHub Pages)
    ci_title: str  # its CI, as people call it
    token_scopes: str  # what `zzxt init`'s token needs, as the token settings page names it
    secrets_path: str  # where people add the workflows' secrets in the web interface
    runner_setup: str  # what to do so that workflows run at all (a sentence, ending in 。)
    write_interval: float  # seconds between writes by default (secondary rate limits)
    write_budget: int | None  # writes per bot run by default; None: unlimited
    # "module:Class" of the client: `tracker.forge.connect` imports it on first use, so
    # commands that never talk to this forge do not pay for (or depend on) its library.
    client: str
    # new_issue_url(web address, "owner/repo", form file name, title, {field id: answer}):
    # the address of the "new issue" page with that form chosen and those answers filled
    # in. Both forges fill only text fields (input, textarea) this way, never a dropdown.
    new_issue_url: Callable[[str, str, str, str, Mapping[str, str]], str]
    # blob_url(web address, "owner/repo", branch, path): the page showing a committed file
    # (a document, an image) on that branch, for links people follow from an issue.
    blob_url: Callable[[str, str, str, str], str]


def _github_api(url: str) -> str:
    base = url.rstrip("/")
    if (urlsplit(base).hostname or "") in ("github.com", "www.github.com", "api.github.com"):
        return "https://api.github.com"
    return base if base.endswith("/api/v3") else base + "/api/v3"  # GitHub Enterprise Server


def _gitea_api(url: str) -> str:
    base = url.rstrip("/")
    return base if base.endswith("/api/v1") else base + "/api/v1"


def _query(pairs: list[tuple[str, str]]) -> str:
    # %20 rather than "+": both forges decode either, and mail clients and browsers
    # showing the address to people read %20 as the space it is.
    return urlencode(pairs, quote_via=quote, safe=":/")


def _github_new_issue(
    url: str, repo: str, form_file: str, title: str, fields: Mapping[str, str]
) -> str:
    # GitHub names the form by its file name inside .github/ISSUE_TEMPLATE and takes a
    # form field's answer under the field's id ("the canonical identifier for the field
    # in URL query parameter prefills", GitHub's form schema).
    pairs = [("template", form_file), ("title", title), *fields.items()]
    return f"{url.rstrip('/')}/{repo}/issues/new?{_query([p for p in pairs if p[1]])}"


def _gitea_new_issue(
    url: str, repo: str, form_file: str, title: str, fields: Mapping[str, str]
) -> str:
    # Gitea (routers/web/repo/issue_new.go, setTemplateIfExists) takes the form's path
    # from the repository root, the title as `title`, and a field's answer as
    # `field:<id>`, which becomes the field's `value`: shown by inputs and textareas.
    path = f"{GITEA_TEMPLATE_DIR}/{form_file}"
    pairs = [("template", path), ("title", title), *((f"field:{k}", v) for k, v in fields.items())]
    return f"{url.rstrip('/')}/{repo}/issues/new?{_query([p for p in pairs if p[1]])}"


def _file_path(path: str) -> str:
    # Chinese file names are percent-encoded as UTF-8, as both forges write their own links.
    return quote(path, safe="/")


def _github_blob(url: str, repo: str, branch: str, path: str) -> str:
    return f"{url.rstrip('/')}/{repo}/blob/{_file_path(branch)}/{_file_path(path)}"


def _gitea_blob(url: str, repo: str, branch: str, path: str) -> str:
    # Gitea's file view names the kind of ref: src/branch/<name>, src/tag/<name>, src/commit/<sha>.
    return f"{url.rstrip('/')}/{repo}/src/branch/{_file_path(branch)}/{_file_path(path)}"


GITEA_TEMPLATE_DIR = ".gitea/ISSUE_TEMPLATE"

GITEA = ForgeKind(
    name="gitea",
    title="Gitea",
    # Gitea Actions also sets GITHUB_ACTIONS=true for compatibility, so it is asked first.
    detect=lambda env: env.get("GITEA_ACTIONS") == "true",
    api_base=_gitea_api,
    default_url=None,
    server_url_vars=("GITEA_SERVER_URL", "GITHUB_SERVER_URL"),
    token_vars=("GITEA_TOKEN", "GITHUB_TOKEN"),
    token_secret="GITEA_TOKEN",
    ci_bot_login="gitea-actions",
    template_dir=GITEA_TEMPLATE_DIR,
    workflow_dir=".gitea/workflows",
    # Gitea's own key is `about`; it reads `description` only as a fallback since 1.20.
    form_description_key="about",
    uses_marketplace_actions=False,
    publishes_pages=False,
    ci_title="Gitea Actions",
    token_scopes="访问令牌勾选 write:issue、write:repository 和 read:user",
    secrets_path="仓库的“设置 → Actions → 密钥”",
    runner_setup=(
        "在仓库“设置 → 仓库”中启用 Actions，并注册 act_runner：镜像须有 git 和 Python 3.11 及以上"
        "（含 venv，Debian、Ubuntu 镜像安装 python3-venv）。"
    ),
    write_interval=0.0,
    write_budget=None,
    client="tracker.forge.gitea:GiteaForge",
    new_issue_url=_gitea_new_issue,
    blob_url=_gitea_blob,
)

GITHUB = ForgeKind(
    name="github",
    title="GitHub",
    detect=lambda env: env.get("GITHUB_ACTIONS") == "true",
    api_base=_github_api,
    default_url="https://github.com",
    server_url_vars=("GITHUB_SERVER_URL",),
    token_vars=("GITHUB_TOKEN",),
    token_secret="GITHUB_TOKEN",
    ci_bot_login="github-actions[bot]",
    template_dir=".github/ISSUE_TEMPLATE",
    workflow_dir=".github/workflows",
    form_description_key="description",
    uses_marketplace_actions=True,
    publishes_pages=True,
    ci_title="GitHub Actions",
    token_scopes=(
        "细粒度令牌给该仓库 Issues、Contents、Workflows 读写和 Metadata 只读权限；"
        "经典令牌勾选 repo 和 workflow"
    ),
    secrets_path="仓库的 Settings → Secrets and variables → Actions",
    runner_setup="在 Settings → Actions → General 中确认允许运行 Actions。",
    write_interval=1.0,
    # Actions' GITHUB_TOKEN allows 1,000 requests an hour per repository; an hourly run
    # reading ~400 pages (10,000 issues) leaves room for about this many writes.
    write_budget=500,
    client="tracker.forge.github:GitHubForge",
    new_issue_url=_github_new_issue,
    blob_url=_github_blob,
)

# In the order CI detection asks them.
KINDS: dict[Kind, ForgeKind] = {kind.name: kind for kind in (GITEA, GITHUB)}
assert set(KINDS) == set(KIND_NAMES), "every Kind needs a ForgeKind record"


def forge_kind(name: str) -> ForgeKind:
    """Return the record of a forge by name; KeyError for an unknown one."""
    for kind in KINDS.values():
        if kind.name == name:
            return kind
    raise KeyError(name)


def detect(env: Mapping[str, str]) -> ForgeKind | None:
    """Return the forge whose CI this process runs in, if any."""
    return next((kind for kind in KINDS.values() if kind.detect(env)), None)
