"""Markdown as GitHub shows it, for `body_html` and `body_text` (Accept: ...full+json).

CommonMark with GFM tables (markdown-it-py), raw HTML passed through as
GitHub's sanitiser passes the harmless part of it, and `@login` or
`@org/team` outside code and links turned into a mention link when that user
or team exists. Issue references (`#12`) and bare URLs are left as text: the
sandbox does not autolink them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MENTION = re.compile(
    r"(?<![\w`@/])@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9_.-]+)?)"
)
_TAG = re.compile(r"<[^>]*>")


def renderer(exists: Callable[[str], bool], base: str) -> MarkdownIt:
    """A parser that links mentions of logins (or `org/team`) for which `exists` is true."""
    md = MarkdownIt("commonmark").enable("table")

    def link_mentions(state: StateCore) -> None:
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            children: list[Token] = []
            depth = 0  # inside a link: leave its text alone
            for token in block.children:
                if token.type == "link_open":
                    depth += 1
                elif token.type == "link_close":
                    depth -= 1
                if token.type != "text" or depth:
                    children.append(token)
                    continue
                children += _split(token, exists, base)
            block.children = children

    md.core.ruler.push("sandbox_mentions", link_mentions)
    return md


def _split(token: Token, exists: Callable[[str], bool], base: str) -> list[Token]:
    out: list[Token] = []
    text, last = token.content, 0
    for match in MENTION.finditer(text):
        name = match.group(1)
        if not exists(name):
            continue
        if match.start() > last:
            out.append(_text(text[last : match.start()]))
        team = "/" in name
        link = Token("link_open", "a", 1)
        link.attrs = {
            "class": "team-mention" if team else "user-mention",
            "href": f"{base}/{'orgs/' + name.replace('/', '/teams/', 1) if team else name}",
        }
        out += [link, _text(match.group(0)), Token("link_close", "a", -1)]
        last = match.end()
    if last == 0:
        return [token]
    if last < len(text):
        out.append(_text(text[last:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def body_html(md: MarkdownIt, body: str) -> str:
    return str(md.render(body))


def body_text(rendered: str) -> str:
    """The rendered text without markup, as GitHub's `body_text`."""
    return html.unescape(_TAG.sub("", rendered)).strip()
