"""HTML-only e-mails and feed bodies -> plain text a recogniser can read."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import ClassVar


class _TextExtractor(HTMLParser):
    _BLOCK: ClassVar[set[str]] = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0  # inside <blockquote>: lines are marked "> " like a plain-text reply

    def _newline(self, text: str = "\n") -> str:
        return text.replace("\n", "\n" + "> " * self._quote)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "blockquote":
            self._quote += 1
        if tag in self._BLOCK:
            self.parts.append(self._newline("\n\n" if tag == "p" else "\n"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "blockquote" and self._quote:
            self._quote -= 1
        if tag in ("p", "div", "blockquote"):
            self.parts.append(self._newline("\n\n"))

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(self._newline(data) if self._quote else data)


def html_to_text(markup: str) -> str:
    """Visible text with paragraph breaks kept; blockquotes come out "> "-quoted."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    text = re.sub(r"[ \t\xa0]+", " ", text)
    text = re.sub(r"\n(?:> ?)+\s*(?=\n)", "\n", text)  # quoted blank lines
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()
