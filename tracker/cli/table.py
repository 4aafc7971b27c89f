"""Plain-text tables that line up with Chinese text (wide characters count twice)."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    """Shorten `text` to `limit` display columns, marking the cut with …."""
    if width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def render(header: list[str], body: list[list[str]]) -> str:
    columns = [max(width(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [cell + " " * (columns[i] - width(cell)) for i, cell in enumerate(row)]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), *(line(row) for row in body)])
