"""Turn the parts of a message into text: charsets, encoded headers, names, HTML.

Mail from Chinese clients is often labelled more narrowly than it is written:
GB2312 text carries GBK-only characters and Big5 text Hong Kong ones. Each
label is therefore read as its widest superset first, and a part that still
does not decode is tried as UTF-8 and GB18030 before characters are replaced.
"""

from __future__ import annotations

import codecs
import email.header
import email.policy
import email.utils
import re
from email.errors import HeaderParseError
from email.message import Message
from html.parser import HTMLParser

_GB = {"gb2312", "gbk", "cp936", "ms936", "x-gbk", "euc-cn", "x-euc-cn", "gb_2312-80"}
_GB |= {"gb2312-80", "csgb2312", "csgb231280", "chinese", "936", "gb18030", "x-gb18030"}
_BIG5 = {"big5", "big-5", "cn-big5", "x-x-big5", "csbig5", "x-big5", "cp950", "big5-hkscs"}
_BIG5 |= {"big5hkscs", "ms950", "950"}
_FALLBACKS = ("utf-8", "gb18030")


def codecs_for(charset: str | None) -> list[str]:
    """Return the codecs to try, in order, for a part labelled `charset`."""
    label = (charset or "").strip().strip("\"'").split("*")[0].lower()
    first: list[str] = []
    if label in _GB:
        first = ["gb18030"]
    elif label in _BIG5:
        first = ["big5hkscs", "cp950"]
    elif label:
        try:
            first = [codecs.lookup(label).name]
        except (LookupError, ValueError):
            first = []
    return first + [c for c in _FALLBACKS if c not in first]


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text bytes labelled `charset`; never fails, replacing what cannot be read."""
    candidates = codecs_for(charset)
    for codec in candidates:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue  # LookupError: a binary transform such as base64, not a text codec
    for codec in candidates:
        try:
            return data.decode(codec, errors="replace")
        except LookupError:
            continue
    return data.decode("utf-8", errors="replace")  # pragma: no cover - utf-8 always exists


def _unescape_8bit(text: str) -> str:
    """Read raw 8-bit bytes the parser kept as surrogates (headers sent without encoding)."""
    if not re.search("[\udc80-\udcff]", text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def decode_header(raw: str | None) -> str:
    """Return a header's text: RFC 2047 words and raw 8-bit bytes decoded, folding undone."""
    if raw is None:
        return ""
    text = _unescape_8bit(str(raw))
    text = re.sub(r"\r?\n(?=[ \t])", "", text)
    try:
        chunks = email.header.decode_header(text)
    except (HeaderParseError, ValueError, LookupError):
        chunks = [(text, None)]
    pieces: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            pieces.append(chunk)
        elif charset is None:
            pieces.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            pieces.append(decode_bytes(chunk, charset))
    return clean_line("".join(pieces))


def clean_line(text: str) -> str:
    """Collapse whitespace and drop control characters from one line of text."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\ufeff]", "", text)
    return " ".join(text.split())


def raw_header(part: Message, name: str) -> str | None:
    """Return the first `name` header of a part as it was sent, without parsing it."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def header_param(part: Message, header: str, param: str) -> str | None:
    """Return a parameter of a structured header (RFC 2231 and RFC 2047 values decoded)."""
    raw = raw_header(part, header)
    if raw is None:
        return None
    # The compat32 view keeps RFC 2231 values as (charset, language, bytes) so that the
    # declared charset goes through `decode_bytes` like every other text.
    holder = Message(policy=email.policy.compat32)
    holder[header] = re.sub(r"[\r\n]+", " ", raw)
    try:
        value = holder.get_param(param, header=header)
    except (ValueError, IndexError, TypeError, LookupError):
        return None
    if value is None:
        return None
    if isinstance(value, tuple):
        charset, _language, text = value
        data = str(text).encode("raw-unicode-escape", errors="replace")
        return clean_line(decode_bytes(data, charset))
    text = email.utils.unquote(str(value))
    return decode_header(text)


def content_type(part: Message) -> str:
    """Return the part's `type/subtype`, lower case; plain text when absent or garbled."""
    raw = raw_header(part, "content-type")
    if raw is None:
        return "text/plain"
    found = re.match(r"\s*([A-Za-z0-9!#$&.+^_`{|}~-]+/[A-Za-z0-9!#$&.+^_`{|}~-]+)", raw)
    return found.group(1).lower() if found else "text/plain"


def part_text(part: Message) -> str:
    """Decode a text part's payload (base64 or quoted-printable) with its charset."""
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, LookupError, TypeError):
        payload = None
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, header_param(part, "content-type", "charset"))


# HTML to text.

_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml"}
_BLOCK = {"p", "div", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK |= {"pre", "hr", "dt", "dd", "dl", "section", "article", "header", "footer", "center"}
_BLOCK |= {"tbody", "thead", "form", "address", "fieldset", "body", "html"}


class _TextParser(HTMLParser):
    """Collect the visible text, one line per block; quoted blocks get `> ` in front."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.depth = 0
        self.skip = 0
        self.cell = 0

    def _end_line(self, blank: bool = False) -> None:
        cells = "".join(self.current).split("\t")
        text = "\t".join(" ".join(cell.split()) for cell in cells).strip()
        if text or blank:
            self.lines.append("> " * self.depth + text if text else "")
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self._end_line(blank=not "".join(self.current).strip())
        elif tag == "tr":
            self._end_line()
            self.cell = 0
        elif tag in ("td", "th"):
            if self.cell:
                self.current.append("\t")
            self.cell += 1
        elif tag == "blockquote":
            self._end_line()
            self.depth += 1
        elif tag in _BLOCK:
            self._end_line()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self._end_line()
            self.depth = max(0, self.depth - 1)
        elif tag in _BLOCK or tag == "tr":
            self._end_line()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            # Keep tabs between cells; other whitespace is collapsed when the line ends.
            self.current.append(data.replace("\t", " "))


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML mail body, block by block."""
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # _markupbase rejects some malformed declarations this way
        return re.sub(r"<[^>]*>", " ", html)
    parser._end_line()
    return "\n".join(parser.lines)
