"""Python-Markdown pieces that keep rendering linear in the size of the text.

Blocks
    Python-Markdown handles a heading (``# h``, or a line underlined with
    ``===``/``---``) or a rule (``***``) by cutting it off its block and putting
    the rest back as a new string, and every block processor then searches that
    rest again: a paragraph of 10,000 such lines costs 10,000 passes over it.
    `LinearBlocksExtension` ends the block after each of those lines (an empty
    line, inside a quote an empty quoted line), which changes nothing in the
    output: a heading or rule ends a paragraph anyway.

Nesting
    Each level of a nested list or quote is parsed by a recursive call, so a
    thousand levels (``"- " * 1000``) exhaust Python's stack. The same extension
    keeps at most 16 quote or list markers at the start of a line and at most
    64 spaces of indentation; deeper text is shown at that depth.

Links
    Python-Markdown's link patterns look for the ``]`` closing each ``[`` (and
    the ``)`` closing each ``(``) by walking forward from it. When nothing
    closes it, the walk runs to the end of the paragraph, and it starts again
    from the next ``[``: ``"[" * 10_000`` costs 50 million steps, ``"[a](" *
    5_000`` the same through the parentheses.

    `LinearLinksExtension` keeps Python-Markdown's behaviour but remembers, for
    the text being scanned, which bracket closes which. One walk with a stack
    settles every bracket it passes: those closed on the way get their
    partner, those still open at the end are known to have none. Later lookups
    in the same text are answered from that memory, so each character is
    walked at most once per text. Python-Markdown builds a new string after
    each successful match, which only starts a new memory; those walks stop at
    the nearest closing bracket, so ordinary links stay cheap.

    One simplification: a link destination ends at the ``)`` that balances its
    ``(``, whatever quotes are inside; a title is the trailing ``"..."`` or
    ``'...'`` after white space. Without quoted titles the output is Python-
    Markdown's, byte for byte (tests/articles/test_pathological.py).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

import markdown
from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

__all__ = ["LinearBlocksExtension", "LinearLinksExtension", "BracketMemo", "blank_code_spans"]


class BracketMemo:
    """Matching partners of brackets in one string, found lazily with one forward walk per region."""

    def __init__(self, data: str, opener: str, closer: str) -> None:
        self.data = data
        self.opener = opener
        self.closer = closer
        self.partner: dict[int, int] = {}  # opener index -> closer index, or -1 for "never closed"
        self._scan = re.compile(f"[{re.escape(opener)}{re.escape(closer)}]")

    def close_of(self, open_index: int) -> int:
        """Return the index of the closer balancing the opener at `open_index`, or -1 if none."""
        known = self.partner.get(open_index)
        if known is not None:
            return known
        return self._walk_from([open_index], open_index + 1)

    def _walk_from(self, stack: list[int], start: int) -> int:
        # Openers still waiting are on `stack`. A span settled by an earlier walk is skipped
        # whole: balanced if it has a partner; if it never closes, nothing before it can either.
        position = start
        while True:
            m = self._scan.search(self.data, position)
            if m is None:
                break
            pos = m.start()
            if self.data[pos] == self.opener:
                already = self.partner.get(pos)
                if already is not None:
                    if already == -1:
                        break
                    position = already + 1
                    continue
                stack.append(pos)
            else:
                opened = stack.pop()
                self.partner[opened] = pos
                if not stack:
                    return pos
            position = pos + 1
        for opened in stack:
            self.partner[opened] = -1
        return -1


class _LinearBracketsMixin:
    """Replace Python-Markdown's forward walks with lookups in a per-string memory."""

    RE_ANGLE_LINK = re.compile(r"""\(\s*(<[^<>]*>)\s*(?:('[^']*'|"[^"]*")\s*)?\)""", re.DOTALL)

    def _memo(self, data: str, opener: str, closer: str) -> BracketMemo:
        cache = self.__dict__.setdefault("_vetted_memos", {})
        memo = cache.get(opener)
        if memo is None or memo.data is not data:
            memo = BracketMemo(data, opener, closer)
            cache[opener] = memo
        return memo

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802 (Python-Markdown's name)
        # `index` is just past the "[" that opened the text.
        close = self._memo(data, "[", "]").close_of(index - 1)
        if close < 0:
            return "", index, False
        return data[index:close], close + 1, True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
        if index >= len(data) or data[index] != "(":
            return "", None, index, False
        angle = self.RE_ANGLE_LINK.match(data, pos=index)
        if angle:
            href = angle.group(1)[1:-1].strip()
            title = angle.group(2)[1:-1] if angle.group(2) else None
            end = angle.end(0)
        else:
            close = self._memo(data, "(", ")").close_of(index)
            if close < 0:
                return "", None, index, False
            href, title = _split_title(data[index + 1 : close].strip())
            end = close + 1
        if title is not None:
            title = re.sub(r"\s", " ", inlinepatterns.dequote(self.unescape(title.strip())))
        return self.unescape(href).strip(), title, end, True


def _split_title(inner: str) -> tuple[str, str | None]:
    """Split `url "title"` into its parts; the title must follow white space and end the destination."""
    if len(inner) < 2 or inner[-1] not in "\"'":
        return inner, None
    quote = inner[-1]
    start = 0
    while True:
        at = inner.find(quote, start)
        if at <= 0 or at == len(inner) - 1:
            return inner, None
        if inner[at - 1].isspace():
            return inner[:at].strip(), inner[at + 1 : -1]
        start = at + 1


class _Link(_LinearBracketsMixin, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_LinearBracketsMixin, inlinepatterns.ImageInlineProcessor):
    pass


class _Reference(_LinearBracketsMixin, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ShortReference(_LinearBracketsMixin, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ImageReference(_LinearBracketsMixin, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_LinearBracketsMixin, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


class LinearLinksExtension(Extension):
    """Register the linear-time link, image and reference processors under Python-Markdown's names."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        ip = inlinepatterns
        replacements = [
            (_Reference(ip.REFERENCE_RE, md), "reference", 170),
            (_Link(ip.LINK_RE, md), "link", 160),
            (_Image(ip.IMAGE_LINK_RE, md), "image_link", 150),
            (_ImageReference(ip.IMAGE_REFERENCE_RE, md), "image_reference", 140),
            (_ShortReference(ip.REFERENCE_RE, md), "short_reference", 130),
            (_ShortImageReference(ip.IMAGE_REFERENCE_RE, md), "short_image_ref", 125),
        ]
        for processor, name, priority in replacements:
            md.inlinePatterns.deregister(name, strict=False)
            md.inlinePatterns.register(processor, name, priority)


# A line's quote markers, then its text indented by at most three spaces.
_QUOTED_LINE_RE = re.compile(r"^(?P<quote>(?:[ ]{0,3}>[ ]?)*)(?P<text>.*)$")
_HASH_HEADING_RE = re.compile(r"\#.*")
_SETEXT_UNDERLINE_RE = re.compile(r"(?:=+|-+)[ ]*")
_RULE_RE = re.compile(r"[ ]{0,3}(?:(?:-[ ]{0,2}){3,}|(?:_[ ]{0,2}){3,}|(?:\*[ ]{0,2}){3,})")


class _BlockBreaker(Preprocessor):
    """Put an empty line after every heading or rule line that is followed by more text."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        count = len(lines)
        for i, line in enumerate(lines):
            out.append(line)
            if i + 1 >= count or not lines[i + 1].strip():
                continue
            m = _QUOTED_LINE_RE.match(line)
            text = m.group("text")
            breaks = (
                _HASH_HEADING_RE.fullmatch(text)
                or _RULE_RE.fullmatch(text)
                # An underline only after a line of text (Python-Markdown reads it as a heading there).
                or (i > 0 and lines[i - 1].strip() and _SETEXT_UNDERLINE_RE.fullmatch(text))
            )
            if breaks:
                out.append(m.group("quote").rstrip())
        return out


# Python-Markdown parses each level of a nested list or quote with a recursive call, so a
# thousand levels ("- - - - … a", ">>>> …", deep indentation) exhaust Python's stack. No
# article needs more than a few: a line's quote and list markers beyond MAX_NESTING are
# dropped and its indentation is capped at MAX_INDENT spaces.
MAX_NESTING = 16
MAX_INDENT = 64
_CONTAINER_TOKEN_RE = re.compile(r"[ ]+|>|[-*+](?=[ ])|\d{1,9}[.)](?=[ ])")


class _DepthLimiter(Preprocessor):
    """Cap how deeply one line can nest quotes and lists, and how far it can be indented."""

    def run(self, lines: list[str]) -> list[str]:
        return [self._limit(line) for line in lines]

    @staticmethod
    def _limit(line: str) -> str:
        if not line.startswith((" ", ">", "-", "*", "+", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")):
            return line
        kept: list[str] = []
        markers = spaces = position = 0
        changed = False
        while (m := _CONTAINER_TOKEN_RE.match(line, position)) is not None:
            token = m.group(0)
            position = m.end()
            if token[0] == " ":
                room = MAX_INDENT - spaces
                if len(token) > room:
                    token, changed = token[: max(room, 1)], True
                spaces += len(token)
            elif markers >= MAX_NESTING:
                changed = True
                continue
            else:
                markers += 1
            kept.append(token)
        return "".join(kept) + line[position:] if changed else line


class LinearBlocksExtension(Extension):
    """End a block after each heading or rule line, and cap nesting, so parsing stays linear and shallow."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # After normalize_whitespace (30): tabs are expanded and line endings are "\n".
        md.preprocessors.register(_DepthLimiter(md), "vetted_depth_limiter", 26)
        md.preprocessors.register(_BlockBreaker(md), "vetted_block_breaker", 25)


_BACKTICKS_RE = re.compile(r"`+")


def blank_code_spans(text: str) -> str:
    """Return the text with every code span blanked (same length, newlines kept), in linear time.

    A code span runs from a run of backticks to the next run of the same length.

    Linear: each run is looked up among the runs of its own length, instead of
    a regex that tries every closing length from every backtick.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS_RE.finditer(text)]
    if len(runs) < 2:
        return text
    by_length: dict[int, list[int]] = defaultdict(list)
    for index, (start, end) in enumerate(runs):
        by_length[end - start].append(index)
    pieces, last, i = [], 0, 0
    while i < len(runs):
        start, end = runs[i]
        same = by_length[end - start]
        j = bisect.bisect_right(same, i)
        if j == len(same):
            i += 1
            continue
        close = runs[same[j]]
        pieces.append(text[last:start])
        pieces.append(re.sub(r"[^\n]", " ", text[start : close[1]]))
        last = close[1]
        i = same[j] + 1
    pieces.append(text[last:])
    return "".join(pieces)
