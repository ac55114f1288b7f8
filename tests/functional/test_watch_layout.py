"""The video page's HTML, as a browser without JavaScript gets it: the player first, then the title, the
owner, the date and one row of actions; the description whole with its URLs as links; every panel
shown in order (the tabs wait for JavaScript); and nothing that belongs to one viewer outside the
personal regions, so that the page may be shared between viewers with the same access."""

import re
from datetime import datetime

from tests.functional.test_watch import ready  # noqa: F401 (a fixture)
from tests.standin import set_video


def test_the_player_comes_first_then_what_the_video_is(ready, make_testapp):  # noqa: F811
    host, video_id = ready
    set_video(video_id, description="Slides: https://example.org/slides.pdf\n\nSee [the notes](javascript:alert(1)).")
    page = make_testapp(host).get(f"/videos/{video_id}").text
    article = page[page.index('<article class="video watch-page"') :]
    assert article.index("data-player") < article.index("<h1>Amphi 1</h1>") < article.index('class="watch-actions"')
    assert article.index('class="watch-actions"') < article.index("data-description") < article.index("video-details")
    # The owner, the publication date (machine-readable), no view count until one is given.
    meta = article[article.index('class="watch-meta"') : article.index('class="watch-actions"')]
    assert 'class="watch-owner"' in meta
    stamp = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', meta)
    assert stamp and datetime.fromisoformat(stamp.group(1)).year == datetime.now().year
    assert "views" not in meta
    assert '<summary class="button">Download</summary>' not in page  # downloads not allowed (the default)
    # Share and embed are disclosures of the action row, not sections of the page.
    assert article.count('<details class="disclosure"') >= 2 and '<summary class="button">Share</summary>' in article
    # The description: the plain URL is a link (nofollow), a javascript: link is not one.
    assert '<a href="https://example.org/slides.pdf" rel="nofollow noopener">https://example.org/slides.pdf</a>' in page
    assert 'href="javascript' not in page
    # Without JavaScript: the description is whole (its toggle hidden), every panel shows, the tab list waits.
    assert 'data-description-toggle aria-controls="video-description" aria-expanded="true" hidden' in page
    assert re.search(r'role="tablist"[^>]*data-tablist hidden', page)
    panels = re.findall(r'<section class="panel" id="tabpanel-([\w-]+)"[^>]*>', page)
    tabs = re.findall(r'role="tab" id="tab-([\w-]+)" aria-controls="tabpanel-\1"', page)
    assert panels and panels == tabs
    assert not re.search(r'<section class="panel"[^>]* hidden', page)


def test_what_belongs_to_one_viewer_is_in_the_personal_region(ready, make_testapp):  # noqa: F811
    host, video_id = ready
    anonymous = make_testapp(host).get(f"/videos/{video_id}").text
    owner = make_testapp(host)
    owner.sign_in("owner", "owner password 1")
    mine = owner.get(f"/videos/{video_id}").text
    edit = f'href="http://{host}/videos/{video_id}/edit"'
    assert edit in mine and edit not in anonymous
    region = mine[mine.index('class="watch-own-actions"') :]
    region = region[
        : region.index('data-description"') if 'data-description"' in region else region.index("video-details")
    ]
    assert edit in region and "Poster image" in region  # the owner's tools sit in the personal region
    assert "data-csrf" not in mine and 'data-start="0.0"' in mine  # the player asks the API for the rest


def test_downloads_allowed_to_everyone_are_in_the_page(ready, make_testapp):  # noqa: F811
    host, video_id = ready
    set_video(video_id, allow_downloads=True)
    page = make_testapp(host).get(f"/videos/{video_id}").text
    assert '<summary class="button">Download</summary>' in page and " download>" in page


def test_the_embed_has_the_controls_over_the_picture(ready, make_testapp):  # noqa: F811
    host, video_id = ready
    page = make_testapp(host).get(f"/videos/{video_id}/embed").text
    assert 'class="player-chrome" data-controls hidden' in page  # shown by player.js; native controls before
    assert "<video controls playsinline" in page
    assert 'aria-label="Seek"' in page and "data-quality" in page and "data-speed" in page
