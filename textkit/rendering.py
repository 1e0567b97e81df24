"""Markdown with Pandoc-style citations -> sanitised HTML, with a numbered reference list.

Rendering is pure: a function of an ArticleContent (or a string) and nothing
else, so preview, publishing, export and fuzz tests all get the same bytes.

Citations
    ``[@key]`` cites one reference, ``[@a; @b]`` a group. Commas are tolerated
    as separators too (``[@a, @b]``) because authors type them; every item must
    still start with ``@``. Keys follow Reference.key (letters, digits, ``_ : . -``).
    A backslash (``\\[@key]``) or a code span keeps the text literal.
    Numbers follow the order of first citation over the summary and then the
    body (Vancouver); a repeated key keeps its number; a group shows its
    numbers sorted with runs of three or more compressed ("1–3, 5"; two
    neighbours stay "1, 2", as in Vancouver style).

Safety
    Raw HTML typed into the Markdown is escaped and shown as text, Python-
    Markdown's ``attr_list`` is not enabled, images become plain links (an
    external image could change after the board approved the page), and the
    final HTML goes through one nh3 allow-list (`sanitize_html`).
"""

from __future__ import annotations

import html
import re
import secrets
import threading
import unicodedata
import xml.etree.ElementTree as etree  # nosec B405
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import markdown
import nh3
from django.utils.translation import gettext, pgettext
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .content import FALLBACK_REFERENCE_KIND, REFERENCE_KINDS, ArticleContent, ReferenceContent
from .dosemarks import DoseMarkerExtension
from .glossary import annotate
from .grades import BADGE_CLASSES, GradeExtension
from .markdown_linear import LinearBlocksExtension, LinearInlineExtension, LinearLinksExtension

# bandit waiver (reviewed) for the xml.etree import: it only builds elements for Markdown, never parses XML.

__all__ = [
    "RenderedArticle",
    "RenderedReference",
    "Section",
    "CITATION_RE",
    "KEY_PATTERN",
    "RESERVED_ANCHORS",
    "citation_keys",
    "cited_keys",
    "compress_numbers",
    "render_content",
    "render_markdown",
    "sanitize_html",
    "slugify_heading",
]

KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_:.\-]*(?:/[A-Za-z0-9_:.()\-]+)*"  # "/" for [@doi:10.x/y] (articles.identifiers)
# A bracket holding only @keys separated by ";" (or ","), e.g. [@a; @b].
CITATION_RE = re.compile(rf"\[\s*(@{KEY_PATTERN}(?:\s*[;,]\s*@{KEY_PATTERN})*)\s*\]")
_KEY_RE = re.compile(rf"@({KEY_PATTERN})")


def citation_keys(group_text: str) -> list[str]:
    """Return the keys of one citation group's inner text ("@a; @b" -> ["a", "b"])."""
    return _KEY_RE.findall(group_text)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RenderedReference:
    """One entry of the numbered reference list."""

    number: int
    key: str
    kind: str
    kind_label: str
    title: str
    authors: str
    source: str
    year: int | None
    pmid: str
    doi: str
    url: str
    anchor: str  # f"ref-{number}"


@dataclass(frozen=True)
class Section:
    """One "## Heading" section of the body; `html` excludes the heading itself.

    Text before the first heading, if any, is a section with an empty title
    and anchor.
    """

    title: str
    anchor: str
    html: str


@dataclass(frozen=True)
class RenderedArticle:
    summary_html: str
    body_html: str
    sections: tuple[Section, ...]
    references: tuple[RenderedReference, ...]  # cited references, in citation-number order
    references_html: str  # the <ol> reference list ("" when nothing is cited)
    unknown_keys: tuple[str, ...]
    glossary_html: str = ""  # "Words explained" (textkit.glossary), when a glossary was passed in


# --------------------------------------------------------------------------- sanitiser

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
# Dropped together with everything inside them, not just unwrapped.
_CLEAN_CONTENT_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "template",
    "noscript",
    "textarea",
    "select",
    "title",
    "xmp",
    "noembed",
    "noframes",
    "frameset",
    "applet",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "aria-label"},
    "abbr": {"title"},
    "li": {"id"},
    "ol": {"start"},
    "sup": {"id"},
    "span": {"id", "aria-label"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    **{tag: {"id"} for tag in _HEADINGS},
}
_ALLOWED_CLASSES = {
    "sup": {"citation", "citation--unknown"},
    "h2": {"section-heading"},
    "ol": {"references"},
    "li": {"reference", *(f"reference--{kind}" for kind in REFERENCE_KINDS)},
    "span": {
        "reference__kind",
        "reference__authors",
        "reference__title",
        "reference__source",
        "reference__year",
        "reference__links",
        "reference__backlinks",
        "citation__range",
    },
    "cite": {"reference__title"},
    "a": {"reference__link", "reference__backlink"},
}
_ALLOWED_CLASSES["span"] = _ALLOWED_CLASSES["span"] | BADGE_CLASSES  # evidence grades (textkit.grades)
_SAFE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_ALIGN_VALUES = {"left", "right", "center"}
_NUMBER_RE = re.compile(r"^\d{1,4}$")
_SCOPE_VALUES = {"col", "row", "colgroup", "rowgroup"}


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if _SAFE_ID_RE.match(value) else None
    if attribute == "align":
        return value if value in _ALIGN_VALUES else None
    if attribute in {"colspan", "rowspan", "start"}:
        return value if _NUMBER_RE.match(value) else None
    if attribute == "scope":
        return value if value in _SCOPE_VALUES else None
    return value


def _relative_url(url: str) -> str | None:
    # Only same-page fragments; any other relative or scheme-relative URL is dropped.
    return url if url.startswith("#") and not url.startswith("#/") else None


_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags=_CLEAN_CONTENT_TAGS,
    attributes=_ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel="noopener noreferrer",
    url_schemes={"http", "https", "mailto"},
    allowed_classes=_ALLOWED_CLASSES,
    url_relative=_relative_url,
)


def sanitize_html(html_text: str) -> str:
    """Return the HTML with only the allow-listed tags, attributes, classes and URL schemes left.

    No script, style, iframe, object, embed, svg, math, form or form controls;
    no ``on*`` or ``style`` attributes; links only to http, https, mailto or a
    ``#fragment`` of the same page, each with ``rel="noopener noreferrer"``.

    The result is a fixed point: ``sanitize_html(sanitize_html(x)) == sanitize_html(x)``
    for every input. One nh3 pass is not enough on its own: the HTML parser
    can build a tree that does not round-trip (a heading inside a link inside
    a heading serialises as nested ``<h2>``, which the next parse closes
    early), so the output is cleaned again until it stops changing. HTML that
    is already in normal form costs one extra pass and comes back byte for
    byte; if a few passes do not settle, the text is kept and every tag goes.
    """
    cleaned = _CLEANER.clean(html_text)
    for _ in range(_MAX_PASSES):
        again = _CLEANER.clean(cleaned)
        if again == cleaned:
            return cleaned
        cleaned = again
    return _text_only(cleaned)


# In 200,000 random nestings no output needed more than two further passes to settle; six is headroom.
_MAX_PASSES = 6
_TEXT_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags=_CLEAN_CONTENT_TAGS, attributes={}, strip_comments=True)


def _text_only(html_text: str) -> str:
    """Fallback for HTML that would not settle: its text, escaped, with no tags (stable by construction)."""
    text = _TEXT_CLEANER.clean(html_text)
    again = _TEXT_CLEANER.clean(text)
    if again != text:  # pragma: no cover - text with no tags re-parses to itself
        raise ValueError("sanitize_html: output does not reach a fixed point")
    return text


# --------------------------------------------------------------------------- headings


def slugify_heading(text: str) -> str:
    """Return a stable ASCII anchor for a heading's text ("From the FDA label" -> "from-the-fda-label")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-")
    return slug or "section"


# Ids a heading must not take: the renderer's own (ref-N, cite-N-M) and those the page
# templates around the article use (landmarks, "references", "<name>-title" labels).
# A heading whose slug is one of these gets a "section-" prefix instead.
RESERVED_ANCHORS = frozenset(
    {
        "main",
        "content",
        "top",
        "nav",
        "header",
        "footer",
        "search",
        "summary",
        "bottom-line",
        "references",
        "reviewers",
        "disclaimer",
        "follow-up",
        "personalise",
        "personalize",
        "review-status",
        "live-preview",
    }
)
_RESERVED_ID_RE = re.compile(r"^(ref|cite)-\d|-title$")


class _Anchors:
    """Hand out unique heading ids for one page (summary and body share the space)."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        # The last suffix handed out per base, so the 5,000th "## Same" does not try 2..4,999 first.
        self.last_suffix: dict[str, int] = {}

    def take(self, text: str) -> str:
        base = slugify_heading(text)
        if base in RESERVED_ANCHORS or _RESERVED_ID_RE.search(base):
            base = f"section-{base}"
        anchor, n = base, self.last_suffix.get(base, 1)
        if n > 1:
            anchor = f"{base}-{n}"
        while anchor in self.used:
            n += 1
            anchor = f"{base}-{n}"
        self.last_suffix[base] = n
        self.used.add(anchor)
        return anchor


# --------------------------------------------------------------------------- markdown machinery


@dataclass
class _RenderState:
    """Per-render scratch space the Markdown extensions write into."""

    anchors: _Anchors = field(default_factory=_Anchors)
    nonce: str = ""
    groups: list[list[str]] = field(default_factory=list)


class _CitationProcessor(InlineProcessor):
    """Replace a citation group with a placeholder numbered after the whole page is parsed."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(CITATION_RE.pattern, md)

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Python-Markdown's name)
        state: _RenderState = self.md.vetted_state
        state.groups.append(citation_keys(m.group(1)))
        placeholder = etree.Element("span")
        placeholder.set("data-vetted-cite", f"{state.nonce}:{len(state.groups) - 1}")
        return placeholder, m.start(0), m.end(0)


class _CitationExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # After backticks (190) and backslash escapes (180), before links (160).
        md.inlinePatterns.register(_CitationProcessor(md), "vetted_citation", 175)


class _StructureProcessor(Treeprocessor):
    """Give headings stable ids, mark top-level ## headings as sections, turn images into links."""

    def run(self, root: etree.Element) -> None:
        state: _RenderState = self.md.vetted_state
        for child in root:
            if child.tag == "h2":
                child.set("class", "section-heading")
        for element in root.iter():
            if element.tag in _HEADINGS:
                element.set("id", state.anchors.take("".join(element.itertext())))
            elif element.tag == "img":
                src, alt, title = element.get("src", ""), element.get("alt", ""), element.get("title")
                element.attrib.clear()
                element.tag = "a"
                element.set("href", src)
                if title:
                    element.set("title", title)
                element.text = alt or src


class _SafeStructureExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # Raw HTML is not passed through: without these two, "<script>" stays text and is escaped.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After inline processing (20) so heading text is final.
        md.treeprocessors.register(_StructureProcessor(md), "vetted_structure", 5)


_local = threading.local()


def _markdown(*, citations: bool) -> markdown.Markdown:
    """Return this thread's Markdown converter (building one is slow; converting resets it)."""
    name = "with_citations" if citations else "plain"
    md = getattr(_local, name, None)
    if md is None:
        # Add further extensions to this list (their own modules, registered here).
        extensions = [
            LinearLinksExtension(),
            LinearInlineExtension(),
            LinearBlocksExtension(),
            "tables",
            "sane_lists",
            _SafeStructureExtension(),
        ]
        if citations:
            extensions.append(_CitationExtension())
            extensions.append(GradeExtension())  # {grade=X} badges (textkit.grades)
            extensions.append(DoseMarkerExtension())  # {dose drug=x}...{/dose} tags hidden (textkit.dosemarks)
        md = markdown.Markdown(
            extensions=extensions,
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
        setattr(_local, name, md)
    return md


def _convert(text: str, state: _RenderState, *, citations: bool) -> str:
    md = _markdown(citations=citations)
    md.vetted_state = state
    try:
        return md.reset().convert(text or "")
    finally:
        md.vetted_state = None


def cited_keys(text: str) -> list[str]:
    """Return every key the renderer would treat as a citation in this Markdown, in order, with repeats.

    Keys inside code spans or escaped brackets are not citations, exactly as
    when the text is rendered.
    """
    state = _RenderState(nonce="scan")
    _convert(text, state, citations=True)
    return [key for group in state.groups for key in group]


def render_markdown(text: str) -> str:
    """Render Markdown without citations (disclaimers, policy, comments) to sanitised HTML."""
    return sanitize_html(_convert(text, _RenderState(), citations=False))


# --------------------------------------------------------------------------- citations


def compress_numbers(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Return sorted, de-duplicated numbers as (first, last) runs: [1, 2, 3, 5] -> [(1, 3), (5, 5)]."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return [(first, last) for first, last in runs]


def _kind_label(kind: str) -> str:
    return REFERENCE_KINDS.get(kind, REFERENCE_KINDS[FALLBACK_REFERENCE_KIND])


class _Numbering:
    """Assign reference numbers and back-link ids in document order."""

    def __init__(self, content: ArticleContent) -> None:
        self.by_key: dict[str, ReferenceContent] = {}
        for reference in content.references:
            self.by_key.setdefault(reference.key, reference)
        self.numbers: dict[str, int] = {}
        self.citing_ids: dict[int, list[str]] = {}
        # Dicts keep first-seen order and answer "seen?" in constant time (one pass over all citations).
        self._unknown: dict[str, None] = {}

    @property
    def unknown(self) -> list[str]:
        return list(self._unknown)

    def group_html(self, keys: list[str]) -> str:
        known: dict[int, None] = {}
        unknown: dict[str, None] = {}
        for key in keys:
            if key not in self.by_key:
                unknown.setdefault(key)
                self._unknown.setdefault(key)
                continue
            known.setdefault(self.numbers.setdefault(key, len(self.numbers) + 1))
        parts = []
        if known:
            parts.append(f'<sup class="citation">{self._links(list(known))}</sup>')
        for key in unknown:
            parts.append(f'<sup class="citation citation--unknown">[?{html.escape(key)}]</sup>')
        return "".join(parts)

    def _cite_id(self, number: int) -> str:
        ids = self.citing_ids.setdefault(number, [])
        ids.append(f"cite-{number}-{len(ids) + 1}")
        return ids[-1]

    def _links(self, numbers: list[int]) -> str:
        pieces = []
        for first, last in compress_numbers(numbers):
            if last - first >= 2:
                middle = "".join(f'<span id="{self._cite_id(n)}"></span>' for n in range(first + 1, last))
                pieces.append(
                    f'<a href="#ref-{first}" id="{self._cite_id(first)}">{first}</a>{middle}'
                    f'–<a href="#ref-{last}" id="{self._cite_id(last)}">{last}</a>'
                )
            else:
                pieces.extend(f'<a href="#ref-{n}" id="{self._cite_id(n)}">{n}</a>' for n in range(first, last + 1))
        return ", ".join(pieces)

    def fill(self, rendered: str, state: _RenderState) -> str:
        """Replace this render's placeholders, left to right, with numbered citations."""
        pattern = re.compile(rf'<span data-vetted-cite="{state.nonce}:(\d+)"></span>')
        return pattern.sub(lambda m: self.group_html(state.groups[int(m.group(1))]), rendered)

    def references(self) -> tuple[RenderedReference, ...]:
        out = []
        for key, number in sorted(self.numbers.items(), key=lambda item: item[1]):
            ref = self.by_key[key]
            out.append(
                RenderedReference(
                    number=number,
                    key=key,
                    kind=ref.kind,
                    kind_label=_kind_label(ref.kind),
                    title=ref.title,
                    authors=ref.authors,
                    source=ref.source,
                    year=ref.year,
                    pmid=ref.pmid,
                    doi=ref.doi,
                    url=ref.url,
                    anchor=f"ref-{number}",
                )
            )
        return tuple(out)


def _reference_item(ref: RenderedReference, citing_ids: list[str]) -> str:
    e = html.escape
    kind = ref.kind if ref.kind in REFERENCE_KINDS else FALLBACK_REFERENCE_KIND
    parts = [f'<span class="reference__kind">{e(ref.kind_label)}</span>']
    if ref.authors:
        parts.append(f'<span class="reference__authors">{e(ref.authors.rstrip("."))}.</span>')
    parts.append(f'<cite class="reference__title">{e(ref.title)}</cite>')
    if ref.source:
        parts.append(f'<span class="reference__source">{e(ref.source)}</span>')
    if ref.year:
        parts.append(f'<span class="reference__year">{ref.year}</span>')
    links = []
    if ref.pmid:
        href = f"https://pubmed.ncbi.nlm.nih.gov/{quote(ref.pmid, safe='')}/"
        links.append(f'<a class="reference__link" href="{e(href)}">PubMed {e(ref.pmid)}</a>')
    if ref.doi:
        href = f"https://doi.org/{quote(ref.doi, safe='/:;()._-')}"
        links.append(f'<a class="reference__link" href="{e(href)}">doi:{e(ref.doi)}</a>')
    if ref.url:
        word = e(pgettext("reference", "Link"))  # outside the f-string: makemessages does not read inside one
        links.append(f'<a class="reference__link" href="{e(ref.url)}">{word}</a>')
    if links:
        parts.append(f'<span class="reference__links">{" ".join(links)}</span>')
    if citing_ids:
        backs = []
        for i, cite_id in enumerate(citing_ids, start=1):
            # In the text's language, like the glossary's heading (the render activates it).
            label = e(
                gettext("Back to citation %(citation)s of reference %(reference)s")
                % {"citation": i, "reference": ref.number}
            )
            suffix = f"<sup>{i}</sup>" if len(citing_ids) > 1 else ""
            backs.append(f'<a class="reference__backlink" href="#{cite_id}" aria-label="{label}">↩{suffix}</a>')
        parts.append(f'<span class="reference__backlinks">{" ".join(backs)}</span>')
    return f'<li class="reference reference--{kind}" id="{ref.anchor}">{" ".join(parts)}</li>'


_SECTION_HEADING_RE = re.compile(r'<h2 class="section-heading" id="([^"]*)">(.*?)</h2>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")
_CITATION_SUP_RE = re.compile(r'\s*<sup class="citation[^"]*">.*?</sup>', re.S)


def _split_sections(body_html: str) -> tuple[Section, ...]:
    sections = []
    matches = list(_SECTION_HEADING_RE.finditer(body_html))
    lead = body_html[: matches[0].start()] if matches else body_html
    if lead.strip():
        sections.append(Section(title="", anchor="", html=lead.strip()))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body_html)
        title = html.unescape(_TAG_RE.sub("", _CITATION_SUP_RE.sub("", m.group(2)))).strip()
        sections.append(Section(title=title, anchor=m.group(1), html=body_html[m.end() : end].strip()))
    return tuple(sections)


def render_content(content: ArticleContent, *, audience_id: int | None = None, glossary=()) -> RenderedArticle:
    """Render an article's summary, body and cited references for one audience (None: default text).

    `glossary` (textkit.glossary.GlossaryEntry values) explains the
    medical terms the body uses; see textkit.glossary.
    """
    summary, body = content.text_for(audience_id)
    state = _RenderState(nonce=secrets.token_hex(8))
    raw_summary = _convert(summary, state, citations=True)
    raw_body = _convert(body, state, citations=True)
    numbering = _Numbering(content)
    summary_html = sanitize_html(numbering.fill(raw_summary, state))
    body_html = sanitize_html(numbering.fill(raw_body, state))
    glossary_html = ""
    if glossary:
        body_html, glossary_html = annotate(body_html, glossary)
    references = numbering.references()
    if references:
        items = "\n".join(_reference_item(ref, numbering.citing_ids.get(ref.number, [])) for ref in references)
        references_html = sanitize_html(f'<ol class="references">\n{items}\n</ol>')
    else:
        references_html = ""
    return RenderedArticle(
        summary_html=summary_html,
        body_html=body_html,
        sections=_split_sections(body_html),
        references=references,
        references_html=references_html,
        unknown_keys=tuple(numbering.unknown),
        glossary_html=glossary_html,
    )
