"""Colours a site chooses, made readable: WCAG 2.1 contrast ratios and the header's palette.

A site administrator picks one colour (``site.theme_color``). The header is painted with it in both
themes, so its text is black or white, whichever contrasts more (at least 4.58:1 for any colour).
Links and buttons use a shade of it that stays readable on the light and on the dark background.
"""

from __future__ import annotations

from functools import lru_cache

WHITE, BLACK = "#ffffff", "#000000"
#: The backgrounds of the two themes (``--bg`` in amphi.css).
LIGHT_BG, DARK_BG = "#ffffff", "#121417"
#: The fills text and links sit on in each theme: ``--bg``, ``--surface`` and ``--surface-2`` in amphi.css.
LIGHT_FILLS = (LIGHT_BG, "#f4f5f7", "#e6e8ec")
DARK_FILLS = (DARK_BG, "#1c1f24", "#272b31")
#: WCAG AA for normal text.
AA = 4.5


def parse_hex(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as three integers; ``ValueError`` for anything else."""
    if len(colour) != 7 or colour[0] != "#":
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``, from 0 (black) to 1 (white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in parse_hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two colours, from 1 to 21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (never below 4.58:1)."""
    return WHITE if contrast_ratio(background, WHITE) >= contrast_ratio(background, BLACK) else BLACK


def readable_on(colour: str, background: str, minimum: float = AA) -> str:
    """``colour``, mixed towards black or white just enough to reach ``minimum`` contrast on ``background``.

    Mixed towards the end opposite to the background (white on a dark one), so the hue is kept as far
    as it can be.
    """
    if contrast_ratio(colour, background) >= minimum:
        return colour
    target = parse_hex(text_on(background))
    rgb = parse_hex(colour)
    low, high = 0.0, 1.0  # the share of the target mixed in: bisect for the smallest that is enough
    for _ in range(20):
        share = (low + high) / 2
        mixed = to_hex(tuple(c + (t - c) * share for c, t in zip(rgb, target, strict=True)))  # type: ignore[arg-type]
        if contrast_ratio(mixed, background) >= minimum:
            high = share
        else:
            low = share
    return to_hex(tuple(c + (t - c) * high for c, t in zip(rgb, target, strict=True)))  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def site_palette(theme_color: str) -> dict[str, dict[str, str]]:
    """The theme tokens a site's colour sets: ``{"light": {...}, "dark": {...}}``.

    The header has the site's colour in both themes with black or white text; ``--brand`` (links,
    button fills) is the colour made readable on each theme's background and surfaces, ``--brand-text``
    the text on it.
    """
    header = {"--header-bg": theme_color, "--header-text": text_on(theme_color)}
    palette = {}
    for name, fills in (("light", LIGHT_FILLS), ("dark", DARK_FILLS)):
        brand = theme_color
        for fill in fills:  # links sit on the page, on panels and cards, on open disclosures: readable on each
            brand = readable_on(brand, fill, AA + 0.1)  # a margin over the rounding of browsers and axe
        palette[name] = {**header, "--brand": brand, "--brand-text": text_on(brand)}
    return palette


def palette_css(theme_color: str) -> str:
    """The CSS that applies :func:`site_palette` over amphi.css's defaults, in both themes."""
    palette = site_palette(theme_color)

    def rules(tokens: dict[str, str]) -> str:
        return " ".join(f"{name}: {value};" for name, value in tokens.items())

    light, dark = rules(palette["light"]), rules(palette["dark"])
    return (
        f":root {{ {light} }}\n"
        f'html[data-theme="dark"] {{ {dark} }}\n'
        f'@media (prefers-color-scheme: dark) {{ html:not([data-theme="light"]) {{ {dark} }} }}'
    )
