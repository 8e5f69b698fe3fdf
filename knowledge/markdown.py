"""A small, safe Markdown renderer for articles (no Django imports).

Articles need only headings, paragraphs, numbered and bulleted lists, bold text and links. All
text is HTML-escaped first, so nothing an editor types can become markup; links are kept only
for http(s) addresses, site-relative paths and tel: numbers. Headings start at <h2> because the
article page's title is its only <h1>.
"""

from __future__ import annotations

import re
from html import escape

_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_SAFE_URL = re.compile(r"^(https?://|/(?!/)|tel:\+?[0-9]+$)")


def _link(match: re.Match[str]) -> str:
    text, url = match.group(1), match.group(2)
    # The URL was escaped with the rest of the line; unescape only &amp; to test its scheme.
    if not _SAFE_URL.match(url.replace("&amp;", "&")):
        return text
    return f'<a href="{url}">{text}</a>'


def _inline(text: str) -> str:
    html = escape(text, quote=True)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _LINK.sub(_link, html)


def render(source: str) -> str:
    """Turn article Markdown into HTML that is safe to mark as safe."""
    out: list[str] = []
    paragraph: list[str] = []
    list_tag: str | None = None

    def close_paragraph() -> None:
        if paragraph:
            out.append("<p>" + " ".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = None

    for raw in source.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close_paragraph()
            close_list()
            continue
        heading = _HEADING.match(line)
        numbered = _NUMBERED.match(line)
        bullet = _BULLET.match(line)
        if heading:
            close_paragraph()
            close_list()
            level = min(len(heading.group(1)) + 1, 4)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif numbered or bullet:
            close_paragraph()
            tag = "ol" if numbered else "ul"
            if list_tag != tag:
                close_list()
                out.append(f"<{tag}>")
                list_tag = tag
            item = (numbered or bullet).group(1)  # type: ignore[union-attr]
            out.append(f"<li>{_inline(item)}</li>")
        else:
            close_list()
            paragraph.append(line)
    close_paragraph()
    close_list()
    return "\n".join(out)


def plain_text(source: str) -> str:
    """The words of an article without Markdown marks, for snippets and search."""
    text = _LINK.sub(r"\1", source)
    text = text.replace("**", "")
    lines = []
    for raw in text.split("\n"):
        line = raw.strip()
        line = _HEADING.sub(r"\2", line)
        line = _NUMBERED.sub(r"\1", line)
        line = _BULLET.sub(r"\1", line)
        if line:
            lines.append(line)
    return " ".join(lines)


def spoken_lines(source: str) -> list[str]:
    """The lines of an article as sentences to read aloud: Markdown marks dropped, links read by
    their text, numbered steps keeping their number, each line ending with a full stop so that
    the voice pauses between them."""
    lines = []
    for raw in _LINK.sub(r"\1", source).replace("**", "").split("\n"):
        line = raw.strip()
        if not line:
            continue
        numbered = re.match(r"^(\d+)[.)]\s+(.*)$", line)
        if numbered:
            line = f"{numbered.group(1)}. {numbered.group(2)}"
        else:
            line = _BULLET.sub(r"\1", _HEADING.sub(r"\2", line))
        if line and line[-1] not in ".!?:;…":
            line += "."
        lines.append(line)
    return lines
