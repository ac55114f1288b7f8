"""A site's colour, made readable: WCAG contrast ratios, the header's text, links on both themes."""

import pytest

from core.platform.colours import (
    BLACK,
    DARK_BG,
    LIGHT_BG,
    WHITE,
    contrast_ratio,
    palette_css,
    readable_on,
    site_palette,
    text_on,
)


def test_contrast_ratios_as_wcag_defines_them():
    assert contrast_ratio(WHITE, BLACK) == pytest.approx(21)
    assert contrast_ratio("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert contrast_ratio("#1f4e8c", WHITE) == contrast_ratio(WHITE, "#1f4e8c")


@pytest.mark.parametrize(
    "colour, text", [("#1f4e8c", WHITE), ("#ffff00", BLACK), ("#7a1f3d", WHITE), ("#f0f0f0", BLACK), ("#e30613", WHITE)]
)
def test_the_header_text_is_black_or_white_whichever_reads(colour, text):
    assert text_on(colour) == text


@pytest.mark.parametrize("colour", ["#000000", "#ffffff", "#ffff00", "#00ff00", "#777777", "#0000ff", "#ff0000"])
def test_any_colour_gets_a_header_and_links_that_meet_aa_in_both_themes(colour):
    palette = site_palette(colour)
    for theme, background in (("light", LIGHT_BG), ("dark", DARK_BG)):
        tokens = palette[theme]
        assert tokens["--header-bg"] == colour
        assert contrast_ratio(tokens["--header-bg"], tokens["--header-text"]) >= 4.5
        assert contrast_ratio(tokens["--brand"], background) >= 4.5
        assert contrast_ratio(tokens["--brand"], tokens["--brand-text"]) >= 4.5


def test_a_readable_colour_is_kept_and_another_only_shaded_enough():
    assert readable_on("#1f4e8c", LIGHT_BG) == "#1f4e8c"
    shaded = readable_on("#ffff00", LIGHT_BG)
    assert 4.5 <= contrast_ratio(shaded, LIGHT_BG) < 4.7  # the smallest change that is enough


def test_the_css_sets_both_themes():
    css = palette_css("#7a1f3d")
    assert ":root { --header-bg: #7a1f3d; --header-text: #ffffff; --brand: #7a1f3d;" in css
    assert 'html[data-theme="dark"]' in css and "prefers-color-scheme: dark" in css
