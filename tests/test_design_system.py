"""One design system: colours only in tokens.css, readable token pairs, stylesheets only in <head>.

These read the committed stylesheets, so a raw colour or an unreadable pair added to any of them fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TOKENS = ROOT / "static" / "vetted" / "tokens.css"
SKIP_DIRS = {"node_modules", ".venv", "var", ".git"}

NAMED_COLOURS = (
    "aqua azure beige black blue brown coral crimson cyan darkblue darkgray darkgreen darkgrey darkred "
    "fuchsia gainsboro gold gray green grey indigo ivory khaki lavender lightgray lightgrey lime linen "
    "magenta maroon navy olive orange orchid pink plum purple red salmon silver snow tan teal tomato "
    "violet wheat white whitesmoke yellow"
).split()
COLOUR_LITERAL = re.compile(
    r"#[0-9a-fA-F]{3,8}\b"
    r"|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\("
    r"|(?<![-\w])(?:" + "|".join(NAMED_COLOURS) + r")(?![-\w])",
)
COMMENT = re.compile(r"/\*.*?\*/", re.S)
DECLARATION = re.compile(r"(?<=[{;])\s*(-?[a-zA-Z][-a-zA-Z]*)\s*:\s*([^;{}]+)")
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
VAR = re.compile(r"^var\((--[-\w]+)\)$")
AA_TEXT = 4.5


def stylesheets() -> list[Path]:
    """Return every project stylesheet (the static/ tree and each app's static/ folder)."""
    found = []
    for path in sorted(ROOT.rglob("*.css")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS or "static" not in parts:
            continue
        found.append(path)
    return found


def colour_literals(css: str) -> list[str]:
    """Return the colour literals used in the declarations of `css` (comments and selectors ignored)."""
    css = COMMENT.sub("", css)
    return [f"{prop}: {value.strip()}" for prop, value in DECLARATION.findall(css) if COLOUR_LITERAL.search(value)]


def tokens() -> dict[str, str]:
    """Return the custom properties defined in tokens.css, var() references resolved."""
    css = COMMENT.sub("", TOKENS.read_text())
    raw = {name: value.strip() for name, value in re.findall(r"(--[-\w]+)\s*:\s*([^;]+);", css)}

    def resolve(value: str, depth: int = 0) -> str:
        match = VAR.match(value)
        if match and depth < 10:
            return resolve(raw[match.group(1)], depth + 1)
        return value

    return {name: resolve(value) for name, value in raw.items()}


def luminance(hex_colour: str) -> float:
    """Return the WCAG relative luminance of a #rgb or #rrggbb colour."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    assert len(h) == 6, f"{hex_colour} is not an opaque #rrggbb colour"

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def token_pairs_in_rules() -> set[tuple[str, str]]:
    """Return (text token, background token) for every rule that sets both to a single token."""
    pairs = set()
    for path in stylesheets():
        for _selector, body in RULE.findall(COMMENT.sub("", path.read_text())):
            decls = {p.strip(): v.strip() for p, v in re.findall(r"([-a-zA-Z]+)\s*:\s*([^;]+)", body)}
            fg = VAR.match(decls.get("color", ""))
            bg = VAR.match(decls.get("background", decls.get("background-color", "")))
            if fg and bg:
                pairs.add((fg.group(1), bg.group(1)))
    return pairs


# Text tokens and the surfaces they are meant to sit on, beyond the pairs set together in one rule:
# page text sits on both page surfaces; text on strong fills; the footer.
SURFACES = ("--paper", "--canvas", "--sunken")
TEXT_ON_SURFACES = ("--ink", "--ink-soft", "--muted", "--brand", "--brand-dark", "--ok", "--caution", "--danger")
DECLARED_PAIRS = [
    *[(text, surface) for text in TEXT_ON_SURFACES for surface in SURFACES],
    ("--on-strong", "--brand"),
    ("--on-strong", "--brand-dark"),
    ("--on-strong", "--danger"),
    ("--on-strong", "--ok"),
    ("--on-strong", "--ink"),
    ("--on-strong", "--violet"),
    ("--brand", "--brand-tint"),
    ("--brand-dark", "--brand-tint-strong"),
    ("--footer-ink", "--footer-bg"),
    ("--footer-link", "--footer-bg"),
    ("--ink", "--brand-tint"),
    ("--ink", "--danger-tint"),
    ("--ink", "--ok-tint"),
    ("--ink", "--caution-tint"),
    ("--ink-soft", "--table-head"),
    ("--added-ink", "--added-tint"),
    ("--removed-ink", "--removed-tint"),
]


def test_the_colour_scanner_finds_literals_and_ignores_tokens_and_selectors():
    css = """
    /* #ffffff in a comment is fine */
    #review, .white-space { color: var(--ink); white-space: nowrap; }
    .a { color: #fff; }
    .b { background: rgba(0, 0, 0, 0.5); }
    .c { border: 1px solid white; }
    .d { box-shadow: 0 0 0 2px hsl(10 50% 50%); }
    """
    assert colour_literals(css) == [
        "color: #fff",
        "background: rgba(0, 0, 0, 0.5)",
        "border: 1px solid white",
        "box-shadow: 0 0 0 2px hsl(10 50% 50%)",
    ]


def test_stylesheets_are_found_in_static_and_app_static_folders():
    names = {p.relative_to(ROOT).as_posix() for p in stylesheets()}
    assert {"static/vetted/tokens.css", "static/vetted/components.css", "static/vetted/site.css"} <= names
    assert "review/static/review/review.css" in names
    assert not any("node_modules" in n for n in names)


@pytest.mark.parametrize("path", [p for p in stylesheets() if p != TOKENS], ids=lambda p: p.name)
def test_no_colour_literal_outside_the_token_file(path):
    found = colour_literals(path.read_text())
    assert not found, f"{path.relative_to(ROOT)} names colours itself; add a token to tokens.css instead: {found}"


def selectors(css: str) -> set[str]:
    """Return each selector of `css` (comma-separated lists split, whitespace normalised)."""
    found = set()
    for selector_list, _body in RULE.findall(COMMENT.sub("", css)):
        for selector in selector_list.split(","):
            selector = " ".join(selector.split())
            if selector and not selector.startswith("@"):
                found.add(selector)
    return found


def test_the_selector_reader_splits_lists_and_skips_at_rules():
    css = ".a, .b > c { x: 1; } @media (max-width: 1px) { .d { y: 2; } }"
    assert selectors(css) == {".a", ".b > c", ".d"}


# print.css restyles components for paper, which is its purpose.
PAGE_SHEETS = [p for p in stylesheets() if p.name not in {"tokens.css", "components.css", "print.css"}]


@pytest.mark.parametrize("path", PAGE_SHEETS, ids=lambda p: p.name)
def test_page_stylesheets_do_not_redefine_components(path):
    components = selectors((ROOT / "static" / "vetted" / "components.css").read_text())
    redefined = sorted(components & selectors(path.read_text()))
    assert not redefined, f"{path.relative_to(ROOT)} redefines components from components.css: {redefined}"


def test_every_var_used_in_the_stylesheets_is_defined():
    defined = set(tokens())
    for path in stylesheets():
        css = COMMENT.sub("", path.read_text())
        # custom properties set locally in a rule count as defined
        local = set(re.findall(r"(--[-\w]+)\s*:", css))
        used = set(re.findall(r"var\((--[-\w]+)", css))
        assert used <= defined | local, f"{path.name} uses undefined tokens: {sorted(used - defined - local)}"


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey
    assert contrast("#767676", "#ffffff") >= AA_TEXT


@pytest.mark.parametrize("fg,bg", sorted(set(DECLARED_PAIRS) | token_pairs_in_rules()))
def test_token_pairs_meet_wcag_aa_for_text(fg, bg):
    values = tokens()
    assert fg in values and bg in values, f"{fg} or {bg} is not defined in tokens.css"
    ratio = contrast(values[fg], values[bg])
    assert ratio >= AA_TEXT, f"{fg} ({values[fg]}) on {bg} ({values[bg]}) has contrast {ratio:.2f}:1, below {AA_TEXT}:1"
