"""Plain URLs in descriptions become links, as safe as written Markdown links."""

from core.platform.markup import render_markdown


def test_plain_urls_become_nofollow_links():
    html = str(render_markdown("Slides: https://example.org/a?b=1&c=2, and www.univ.fr."))
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">https://example.org/a?b=1&amp;c=2</a>,'
        in html
    )
    assert '<a href="http://www.univ.fr" rel="nofollow noopener">www.univ.fr</a>.' in html


def test_linkify_makes_nothing_unsafe():
    html = str(
        render_markdown('javascript:alert(1) http://x.org/"onmouseover="alert(1) mail me@univ.fr `https://in.code`')
    )
    assert 'href="javascript' not in html and 'onmouseover="' not in html
    assert "mailto:" not in html  # addresses stay text (no harvesting help, no surprise mail client)
    assert "<code>https://in.code</code>" in html  # code stays code
