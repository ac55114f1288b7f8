"""The frame every page shares: the site's colours made readable, the menus, the footer's links."""

from pyramid.renderers import render


def test_the_header_carries_the_site_colour_with_readable_text(testapp, site, dbsession):
    site.theme_color = "#ffdd00"  # light: white text would not read on it
    dbsession.flush()
    page = testapp.get("/")
    assert ":root { --header-bg: #ffdd00; --header-text: #000000;" in page.text
    assert 'html[data-theme="dark"] { --header-bg: #ffdd00;' in page.text  # both themes
    assert 'class="menu-button icon-button" aria-expanded="false" aria-controls="site-menu"' in page.text
    assert 'id="site-menu"' in page.text and 'id="display-settings"' in page.text
    assert "shell.js" in page.text and 'classList.add("js")' in page.text  # the theme is set before the first paint


def test_the_footer_shows_the_links_it_is_given(make_request, site):
    from pyramid.threadlocal import manager

    request = make_request(site)
    values = {"status": 404, "message": "Not here."}
    links = [{"title": "Mentions légales", "url": "/pages/legal"}, {"title": "Accessibilité", "url": "/pages/a11y"}]
    manager.push({"request": request, "registry": request.registry})
    try:
        assert 'href="http://a.test/accessibility"' in render("error.html", values, request=request)  # the site's pages
        html = render("error.html", {**values, "footer_links": links}, request=request)
    finally:
        manager.pop()
    assert '<nav aria-label="About this site" class="footer-links">' in html
    assert (
        '<li><a href="/pages/legal">Mentions légales</a></li><li><a href="/pages/a11y">Accessibilité</a></li>' in html
    )
    assert "/accessibility" not in html  # a view's own links replace the site's


def test_the_current_page_is_marked_in_the_navigation(testapp):
    page = testapp.get("/videos")
    assert 'href="http://a.test/videos" aria-current="page">All videos' in page.text
    assert 'href="http://a.test/" aria-current' not in page.text
