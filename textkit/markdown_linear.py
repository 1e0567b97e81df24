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
    Markdown's, byte for byte (tests/textkit/test_pathological.py).

Inline patterns
    Python-Markdown applies each inline pattern (code spans, escapes,
    emphasis, entities...) by replacing one match at a time with a placeholder
    in a new copy of the paragraph, so k matches in one paragraph cost k
    copies of it. `LinearInlineExtension` applies each pattern in one pass
    over an unchanged paragraph and joins the pieces once, and builds text
    with lists instead of ``+=`` on element attributes. Ordinary text renders
    byte for byte as Python-Markdown renders it (tests/textkit/test_inline_linear.py).

    Emphasis is Python-Markdown's own processor, called through its public
    ``handleMatch``: from 3.11.4 on it pairs every delimiter of a paragraph at
    its first match and hands the elements out where they were found, which
    is exactly what a pass over an unchanged paragraph needs (3.11.3 shifted
    them by the growth of a rewritten text and lost letters on dense runs of
    ``*`` and ``_``). Hence the requirement ``Markdown>=3.11.4`` and the check
    in `LinearInlineExtension`. The one difference left from Python-Markdown's
    own loop: a new run of a different delimiter directly after an emphasis
    element is read with the character before it, not Python-Markdown's
    placeholder; in 4,055 generated delimiter-heavy texts three rendered
    differently (they kept their underscores), no prose did.

Public API only
    Everything here is reached through Python-Markdown's extension API:
    processors registered by name and priority (replacing ``"inline"`` and
    the link patterns), the public methods of the pattern classes
    (``handleMatch``, ``getText``, ``getLink``, ``getCompiledRegExp``,
    ``unescape``), and ``markdown.util``'s placeholder constants. No
    underscored name of Python-Markdown is called, overridden or read
    (tests/test_structure.py::test_no_private_attribute_of_a_dependency_is_used).
"""

from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as etree  # nosec B405 - builds elements, never parses XML
from collections import defaultdict, deque

import markdown
from markdown import inlinepatterns, treeprocessors, util
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

__all__ = [
    "BracketMemo",
    "LinearBlocksExtension",
    "LinearInlineExtension",
    "LinearInlineProcessor",
    "LinearLinksExtension",
    "blank_code_spans",
]


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
    """Python-Markdown's LinkInlineProcessor with the linear bracket scanning."""


class _Image(_LinearBracketsMixin, inlinepatterns.ImageInlineProcessor):
    """Python-Markdown's ImageInlineProcessor with the linear bracket scanning."""


class _Reference(_LinearBracketsMixin, inlinepatterns.ReferenceInlineProcessor):
    """Python-Markdown's ReferenceInlineProcessor with the linear bracket scanning."""


class _ShortReference(_LinearBracketsMixin, inlinepatterns.ShortReferenceInlineProcessor):
    """Python-Markdown's ShortReferenceInlineProcessor with the linear bracket scanning."""


class _ImageReference(_LinearBracketsMixin, inlinepatterns.ImageReferenceInlineProcessor):
    """Python-Markdown's ImageReferenceInlineProcessor with the linear bracket scanning."""


class _ShortImageReference(_LinearBracketsMixin, inlinepatterns.ShortImageReferenceInlineProcessor):
    """Python-Markdown's ShortImageReferenceInlineProcessor with the linear bracket scanning."""


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


# --------------------------------------------------------------------------- inline patterns

# A negative lookbehind with no group inside it, e.g. (?<!\\) or (?<![\s*]).
_NEGATIVE_LOOKBEHIND_RE = re.compile(r"\(\?<![^()]*\)")
_NOT_ANYTHING = object()


def _after_placeholder(regex: re.Pattern) -> re.Pattern | None | object:
    """Return how `regex` matches just after a placeholder, or _NOT_ANYTHING if that cannot be told.

    A placeholder ends with ETX, which no pattern's lookbehind looks for, so a
    negative lookbehind at the start of a pattern always passes there: the
    regex with those lookbehinds removed is what matches at that position.
    None means the regex has no lookbehind (it matches the same anywhere).
    Positive lookbehinds and word boundaries are not emulated.
    """
    source = regex.pattern
    if "(?<=" in source or "\\b" in source or "\\B" in source:
        return _NOT_ANYTHING
    if "(?<!" not in source:
        return None
    return re.compile(_NEGATIVE_LOOKBEHIND_RE.sub("", source), regex.flags)


class LinearInlineProcessor(treeprocessors.Treeprocessor):
    """The inline tree processor: applies every inline pattern to the tree's text, each in one pass.

    It replaces Python-Markdown's own (registered under the same name,
    ``"inline"``, through the public extension API) and is written only
    against public parts of Python-Markdown: the registry of inline patterns,
    each pattern's ``getCompiledRegExp`` / ``handleMatch`` / ``type`` /
    ``ANCESTOR_EXCLUDES``, the placeholder format in ``markdown.util`` and
    the ``stashed_nodes`` attribute other patterns read. No method of
    Python-Markdown's processor is inherited or called, so its private
    (name-mangled) methods can change without touching this one.

    Python-Markdown applies a pattern by finding one match, putting a
    placeholder in its place (``data[:start] + placeholder + data[end:]``,
    a copy of the whole paragraph) and searching again after it: a paragraph
    with k matches costs k copies of itself, so 50,000 backslash escapes or
    emphasis spans in one paragraph take seconds. Here a pass finds every match
    in the unchanged text and joins the pieces once at the end.

    What a pattern saw to the left of the text it searched was the placeholder
    just inserted; only a lookbehind at the very start of a match can notice,
    so right after a replacement the pattern is tried with its leading negative
    lookbehinds removed (`_after_placeholder`). A pattern whose lookbehinds
    cannot be emulated that way is applied one match at a time, as
    Python-Markdown does (`_one_match_at_a_time`).

    The tree walk uses a queue and, when no pattern excludes ancestors (none
    of ours does), does not copy the list of ancestors for every nested
    element (25,000 nested emphasis spans made that quadratic).
    """

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.inlinePatterns = md.inlinePatterns  # the name Python-Markdown gives the registry
        self.ancestors: list[str] = []
        self.stashed_nodes: dict[str, etree.Element | str] = {}  # read by Python-Markdown's patterns
        self.parent_map: dict[etree.Element, etree.Element] = {}
        self._variants: dict[int, re.Pattern | None | object] = {}

    # ----------------------------------------------------------------- placeholders

    def stash(self, node: etree.Element | str) -> str:
        """Keep a node (or a string) and return the placeholder that stands for it in the text."""
        key = f"{len(self.stashed_nodes):04d}"
        self.stashed_nodes[key] = node
        return util.INLINE_PLACEHOLDER % key

    # ----------------------------------------------------------------- applying patterns

    def handle_inline(self, data: str, pattern_index: int = 0) -> str:
        """Return the text with every pattern from `pattern_index` on replaced by placeholders."""
        if isinstance(data, util.AtomicString):
            return data
        count = len(self.inlinePatterns)
        while pattern_index < count:
            data = self._apply_everywhere(self.inlinePatterns[pattern_index], data, pattern_index)
            pattern_index += 1
        return data

    def _variant(self, pattern) -> re.Pattern | None | object:
        key = id(pattern)
        if key not in self._variants:
            if not isinstance(pattern, inlinepatterns.InlineProcessor):
                self._variants[key] = _NOT_ANYTHING
            else:
                self._variants[key] = _after_placeholder(pattern.getCompiledRegExp())
        return self._variants[key]

    def _process_children(self, node: etree.Element, index: int) -> None:
        """Apply the later patterns to a new element's text and this pattern on to its children's tails."""
        if isinstance(node, str) or isinstance(node.text, util.AtomicString):
            return
        for child in [node, *node]:
            if child.text:
                self.ancestors.append(child.tag.lower())
                child.text = self.handle_inline(child.text, index + 1)
                self.ancestors.pop()
            if child.tail:
                child.tail = self.handle_inline(child.tail, index)

    def _one_match_at_a_time(self, pattern, data: str, index: int) -> str:
        """Apply a pattern as Python-Markdown does: replace one match, search again just past its placeholder."""
        start = 0
        while True:
            if isinstance(pattern, inlinepatterns.InlineProcessor):
                for m in pattern.getCompiledRegExp().finditer(data, start):
                    node, begin, end = pattern.handleMatch(m, data)
                    if begin is not None and end is not None:
                        break
                else:
                    return data
                if node is None:
                    start = end
                    continue
                self._process_children(node, index)
                placeholder = self.stash(node)
                data = f"{data[:begin]}{placeholder}{data[end:]}"
                start = begin + len(placeholder)
            else:  # a legacy Pattern: it matches the whole rest of the text from `start`
                m = pattern.getCompiledRegExp().match(data[start:])
                if m is None:
                    return data
                node = pattern.handleMatch(m)
                if node is None:
                    start += m.end(0)
                    continue
                self._process_children(node, index)
                placeholder = self.stash(node)
                before = data[:start] + m.group(1)
                data = f"{before}{placeholder}{m.groups()[-1]}"
                start = len(before) + len(placeholder)

    def _apply_everywhere(self, pattern, data: str, index: int) -> str:
        for exclude in pattern.ANCESTOR_EXCLUDES:
            if exclude.lower() in self.ancestors:
                return data
        variant = self._variant(pattern)
        if variant is _NOT_ANYTHING:
            return self._one_match_at_a_time(pattern, data, index)
        regex = pattern.getCompiledRegExp()
        pieces: list[str] = []
        copied = position = 0
        after_placeholder = -1
        while True:
            found = self._next_match(pattern, regex, variant, data, position, after_placeholder)
            if found is None:
                break
            node, start, end = found
            if node is None:  # consumed without a replacement (an unmatched backtick run)
                position, after_placeholder = end, -1
                continue
            self._process_children(node, index)
            pieces.append(data[copied:start])
            pieces.append(self.stash(node))
            copied = position = after_placeholder = end
        if not pieces:
            return data
        pieces.append(data[copied:])
        return "".join(pieces)

    def _next_match(self, pattern, regex, variant, data: str, position: int, after_placeholder: int):
        """Return (node, start, end) of the next match the pattern accepts at or after `position`, or None."""
        if position == after_placeholder and variant is not None:
            m = variant.match(data, position)
            if m is not None:
                node, start, end = pattern.handleMatch(m, data)
                if start is not None and end is not None:
                    return node, start, end
                position = max(m.end(0), position + 1)
            else:
                position += 1
        for m in regex.finditer(data, position):
            node, start, end = pattern.handleMatch(m, data)
            if start is not None and end is not None:
                return node, start, end
        return None

    # ----------------------------------------------------------------- placeholders back into elements

    def _process_element_text(self, node: etree.Element, subnode: etree.Element, is_text: bool = True) -> None:
        """Turn the placeholders in a stashed element's text (or tail) into its children (or siblings)."""
        if is_text:
            text, subnode.text = subnode.text, None
        else:
            text, subnode.tail = subnode.tail, None
        found = self.process_placeholders(text, subnode, is_text)
        at = list(node).index(subnode) + 1 if not is_text and node is not subnode else 0
        for new_child, _ in reversed(found):
            node.insert(at, new_child)

    def process_placeholders(
        self, data: str | None, parent: etree.Element, is_text: bool = True
    ) -> list[tuple[etree.Element, list[str]]]:
        """Turn a string with placeholders into elements, as Python-Markdown does, joining text once.

        Python-Markdown appends each piece of text to the element's text or
        tail with ``+=`` on an attribute, which copies the growing string every
        time (50,000 escaped characters in a paragraph made it quadratic).
        Here the pieces are collected and joined when the next element starts.
        """
        result: list[tuple[etree.Element, list[str]]] = []
        pending: list[str] = []

        def flush() -> None:
            if not pending:
                return
            if result:
                holder, attribute = result[-1][0], "tail"
            else:
                holder, attribute = parent, ("text" if is_text else "tail")
            before = getattr(holder, attribute)
            if before:
                setattr(holder, attribute, before + "".join(pending))
            else:
                setattr(holder, attribute, pending[0] if len(pending) == 1 else "".join(pending))
            pending.clear()

        prefix = util.INLINE_PLACEHOLDER_PREFIX
        position = 0
        while data and position < len(data):
            at = data.find(prefix, position)
            if at == -1:
                rest = data[position:]
                if rest:
                    pending.append(util.AtomicString(rest) if isinstance(data, util.AtomicString) else rest)
                break
            m = util.INLINE_PLACEHOLDER_RE.search(data, at)
            key, after = (m.group(1), m.end()) if m else (None, at + 1)
            if key not in self.stashed_nodes:
                end = at + len(prefix)
                pending.append(data[position:end])
                position = end
                continue
            node = self.stashed_nodes.get(key)
            if at > position:
                pending.append(data[position:at])
            if isinstance(node, str):
                pending.append(node)
                position = after
                continue
            flush()
            for child in [node, *node]:
                if child.tail and child.tail.strip():
                    self._process_element_text(node, child, False)
                if child.text and child.text.strip():
                    self._process_element_text(child, child)
            position = after
            result.append((node, self.ancestors[:]))
        flush()
        return result

    # ----------------------------------------------------------------- the tree walk

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        """Apply the inline patterns to every text of the tree (not inside an AtomicString) and return it."""
        self.stashed_nodes = {}
        self.ancestors = []
        self.parent_map = {}
        if ancestors or any(p.ANCESTOR_EXCLUDES for p in self.inlinePatterns):
            return self._run_with_ancestors(tree, ancestors)
        # Nothing reads the ancestors: a queue, and no list of them per element.
        queue: deque[etree.Element] = deque([tree])
        while queue:
            current = queue.popleft()
            inserts = []
            for child in current:
                if child.text and not isinstance(child.text, util.AtomicString):
                    text, child.text = child.text, None
                    found = self.process_placeholders(self.handle_inline(text), child)
                    queue.extend(node for node, _ in found)
                    inserts.append((child, found))
                if child.tail:
                    self._expand_tail(current, child)
                if len(child):
                    queue.append(child)
            for element, found in inserts:
                for i, (node, _) in enumerate(found):
                    element.insert(i, node)
        return tree

    def _expand_tail(self, current: etree.Element, child: etree.Element) -> list[etree.Element]:
        """Apply the patterns to a child's tail and put the elements it yields after the child."""
        tail = self.handle_inline(child.tail)
        holder = etree.Element("d")
        child.tail = None
        found = self.process_placeholders(tail, holder, False)
        if holder.tail:
            child.tail = holder.tail
        at = list(current).index(child) + 1
        for node, _ in reversed(found):
            current.insert(at, node)
        return [node for node, _ in found]

    def _run_with_ancestors(self, tree: etree.Element, ancestors: list[str] | None) -> etree.Element:
        """The same walk keeping each element's list of ancestor tags, for patterns with ANCESTOR_EXCLUDES."""
        tree_parents = list(ancestors or ())
        self.parent_map = {child: parent for parent in tree.iter() for child in parent}
        above, parent = [], tree
        while parent is not None:
            above.append(parent.tag.lower())
            parent = self.parent_map.get(parent)
        tree_parents.extend(reversed(above))
        queue: deque[tuple[etree.Element, list[str]]] = deque([(tree, tree_parents)])
        while queue:
            current, parents = queue.popleft()
            self.ancestors = parents
            if current is not tree:
                self.ancestors.append(current.tag.lower())
            inserts = []
            for child in current:
                if child.text and not isinstance(child.text, util.AtomicString):
                    self.ancestors.append(child.tag.lower())
                    text, child.text = child.text, None
                    found = self.process_placeholders(self.handle_inline(text), child)
                    for node, _ in found:
                        self.parent_map[node] = child
                    queue.extend(found)
                    inserts.append((child, found))
                    self.ancestors.pop()
                if child.tail:
                    for node in self._expand_tail(current, child):
                        self.parent_map[node] = current
                if len(child):
                    self.parent_map[child] = current
                    queue.append((child, self.ancestors[:]))
            for element, found in inserts:
                for i, (node, _) in enumerate(found):
                    element.insert(i, node)
        return tree


# The first release whose emphasis processor hands out its elements where it found them (see the module's
# docstring, "Inline patterns"); with an older one emphasis would land in the wrong place.
MINIMUM_MARKDOWN = (3, 11, 4)


class LinearInlineExtension(Extension):
    """Apply inline patterns in one pass per pattern (see LinearInlineProcessor)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        if tuple(markdown.__version_info__[:3]) < MINIMUM_MARKDOWN:
            wanted = ".".join(map(str, MINIMUM_MARKDOWN))
            raise RuntimeError(
                f"The text engine needs Python-Markdown {wanted} or later; {markdown.__version__} is installed. "
                "Install the project's requirements again (pip install -r requirements.txt)."
            )
        md.treeprocessors.register(LinearInlineProcessor(md), "inline", 20)
