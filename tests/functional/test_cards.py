"""Video cards: what a card shows, its small image (made once, never the full poster, under the access
rules), All videos' duration filter and removable filter chips, channel cards and a person's page."""

from __future__ import annotations

import io
import json
import subprocess
from urllib.parse import urlsplit

import pytest

from core.catalogue.metadata import set_access, site_video_types
from core.models import Channel
from core.pipeline.card_images import card_key
from core.pipeline.storage import outputs_prefix
from core.web.cards import CardImages, card_image_url

PASSWORD = "a good password 1"


def poster_jpeg(tmp_path, width: int = 1280, height: int = 720) -> bytes:
    path = tmp_path / "poster.jpg"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={width}x{height}", "-frames:v", "1", path],
        check=True,
    )
    return path.read_bytes()


def image_size(tmp_path, data: bytes) -> tuple[int, int]:
    path = tmp_path / "fetched.jpg"
    path.write_bytes(data)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "json", path],
        check=True,
        capture_output=True,
        text=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    return stream["width"], stream["height"]


@pytest.fixture
def people(site, make_user):
    return {
        "prof": make_user(site, "prof", role="staff", password=PASSWORD, display_name="Prof Tournesol"),
        "student": make_user(site, "student", password=PASSWORD),
    }


@pytest.fixture
def with_poster(make_request, site, tmp_path, dbsession):
    """``with_poster(video)``: store a 1280x720 poster for ``video`` as an encode would."""

    def add(video):
        key = f"{outputs_prefix(video, 1)}/thumbs/poster_1.jpg"
        storage = make_request(site).storage
        storage.delete_prefix(outputs_prefix(video, 1))  # the media folder outlives a test's rolled-back rows
        storage.save(key, io.BytesIO(poster_jpeg(tmp_path)))
        video.poster_key = key
        dbsession.flush()
        return video

    return add


def cards(page):
    return page.html.select(".video-grid .video-card")


def titles(page):
    return [a.text for a in page.html.select(".video-card .card-link")]


def test_a_card_shows_duration_date_owner_views_and_badges(testapp, site, people, make_video, dbsession):
    video = make_video(site, people["prof"], "Vingt secondes", status="ready", access="public", duration=20.4)
    make_video(site, people["prof"], "Trois heures", status="ready", access="password", duration=3 * 3600 + 62)
    page = testapp.get("/videos?ordering=title")
    second, first = cards(page)  # by title: "Trois heures", "Vingt secondes"
    assert first.select_one(".card-link")["href"] == f"http://a.test/videos/{video.id}"
    assert first.select_one(".card-duration").text.strip() == "Duration: 0:20"
    assert second.select_one(".card-duration").text.strip().endswith("3:01:02")
    assert first.select_one(".card-owner")["href"] == "http://a.test/users/prof"
    assert first.select_one(".card-owner").text == "Prof Tournesol"
    assert first.select_one("time")["datetime"] == video.created_at.date().isoformat()
    assert "0 views" in first.select_one(".card-meta").text  # the stats plugin answers amphi_video_views
    assert first.select_one(".card-placeholder") is not None  # no poster yet
    assert [b.text for b in second.select(".badge")] == ["Password"]
    assert len(first.select(f'a[href$="/videos/{video.id}"]')) == 1  # one link to the video per card


def test_a_card_shows_a_small_copy_of_the_poster_made_once(
    testapp, site, people, make_video, with_poster, tmp_path, make_request
):
    video = with_poster(make_video(site, people["prof"], "Avec image", status="ready", access="public", duration=75))
    page = testapp.get("/videos")
    image = cards(page)[0].select_one("img")
    assert image["loading"] == "lazy" and image["alt"] == "" and (image["width"], image["height"]) == ("320", "180")
    path = urlsplit(image["src"]).path
    assert path.endswith("/cards/thumbs_poster_1.jpg") and "thumbs/poster_1.jpg" not in path.replace("thumbs_", "")
    fetched = testapp.get(path)
    assert fetched.content_type == "image/jpeg"
    width, height = image_size(tmp_path, fetched.body)
    assert width <= 400 and (width, height) == (320, 180)
    assert len(fetched.body) < len(poster_jpeg(tmp_path))
    assert testapp.get(path).body == fetched.body  # stored beside the poster: later fetches only read it
    assert card_key(video).endswith("/outputs/1/cards/thumbs_poster_1.jpg")
    request = make_request(site)
    assert CardImages(request).url(video) == card_image_url(request, video)  # the fast way, the same URL


def test_card_images_follow_the_access_rules(make_testapp, site, people, make_video, with_poster, dbsession):
    video = with_poster(make_video(site, people["prof"], "Réservée", status="ready", access="signed-in"))
    student = make_testapp("a.test")
    student.sign_in("student", PASSWORD)
    path = urlsplit(cards(student.get("/videos"))[0].select_one("img")["src"]).path
    assert student.get(path).content_type == "image/jpeg"
    # The URL is signed for everyone (lists are shared between visitors) but checked at each fetch.
    anonymous = make_testapp("a.test")
    assert "Réservée" not in anonymous.get("/videos").text
    anonymous.get(path, status=403)
    # Password-protected: no image on the card, and the URL itself is refused, even to the signed-in.
    set_access(video, "password", password="open sesame 12")
    dbsession.flush()
    assert cards(student.get("/videos"))[0].select_one("img") is None
    student.get(path, status=403)
    # Only the current poster's card is made.
    set_access(video, "public")
    dbsession.flush()
    anonymous.get(path.replace("thumbs_poster_1", "thumbs_poster_2"), status=404)


def test_duration_filter_and_removable_chips(testapp, site, people, make_video, dbsession):
    course = next(t for t in site_video_types(dbsession, site.id) if t.slug == "course")
    for title, seconds, vtype in [("Court", 20, course), ("Moyen", 600, course), ("Long", 3600, None)]:
        make_video(site, people["prof"], title, status="ready", access="public", duration=seconds).type = vtype
    dbsession.flush()
    assert titles(testapp.get("/videos?duration=short")) == ["Court"]
    assert titles(testapp.get("/videos?duration=medium")) == ["Moyen"]
    assert titles(testapp.get("/videos?duration=very-long")) == ["Long"]
    assert titles(testapp.get("/videos?duration=long")) == []
    assert len(titles(testapp.get("/videos?duration=forever"))) == 3  # an unknown choice is ignored

    page = testapp.get("/videos?type=course&duration=medium&ordering=title")
    assert titles(page) == ["Moyen"]
    chips = page.html.select(".chips a.chip")
    names = [" ".join(chip.get_text(" ", strip=True).split()) for chip in chips]
    assert names[:2] == ["Remove filter: Type: Course ×", "Remove filter: Duration: 5 to 20 minutes ×"]
    without_type = testapp.get(chips[0]["href"])
    assert titles(without_type) == ["Moyen"] and "type=" not in chips[0]["href"]
    assert "ordering=title" in chips[0]["href"]  # the order stays
    without_duration = testapp.get(chips[1]["href"])
    assert titles(without_duration) == ["Court", "Moyen"]
    assert page.html.select_one("details.filters-panel summary").text.strip() == "Filters (2)"
    assert testapp.get("/videos").html.select(".chips") == []


def test_channel_cards_count_the_videos_the_visitor_may_see(testapp, site, people, make_video, dbsession):
    channel = Channel(site_id=site.id, slug="maths", title="Maths", visibility="public", featured=True)
    dbsession.add(channel)
    dbsession.flush()
    for n, access in enumerate(("public", "public", "draft")):
        video = make_video(site, people["prof"], f"V{n}", status="ready", access=access)
        video.channels.append(channel)
    dbsession.flush()
    card = testapp.get("/channels").html.select_one(".channel-grid .channel-card")
    assert card.select_one(".card-link").text == "Maths" and "2 videos" in card.text
    assert "2 videos" in testapp.get("/").html.select_one(".channel-card").text


def test_a_persons_page_lists_what_the_visitor_may_see(make_testapp, site, people, make_video):
    make_video(site, people["prof"], "Publique", status="ready", access="public")
    make_video(site, people["prof"], "Réservée", status="ready", access="signed-in")
    make_video(site, people["prof"], "Brouillon", status="ready", access="draft")
    make_video(site, people["student"], "D'un autre", status="ready", access="public")
    anonymous = make_testapp("a.test")
    page = anonymous.get("/users/prof")
    assert page.html.select_one("h1").text == "Prof Tournesol" and titles(page) == ["Publique"]
    student = make_testapp("a.test")
    student.sign_in("student", PASSWORD)
    assert sorted(titles(student.get("/users/prof"))) == ["Publique", "Réservée"]
    anonymous.get("/users/nobody", status=404)
    assert titles(anonymous.get("/users/student")) == ["D'un autre"]


def test_the_encode_makes_the_card_image_once_announced(site, people, make_video, with_poster, make_request):
    from types import SimpleNamespace

    from core.pipeline.encoding import EncodeJob

    video = with_poster(make_video(site, people["prof"], "Encodée", status="ready", access="public"))
    request = make_request(site)
    assert not request.storage.exists(card_key(video))
    EncodeJob().announce(request, SimpleNamespace(video_id=video.id), None, None)
    assert request.storage.exists(card_key(video))


def test_a_wide_poster_keeps_its_aspect_and_is_never_enlarged(tmp_path):
    from plugins.encoder_ffmpeg.images import card_image

    for (width, height), expected in (((1280, 360), (320, 90)), ((200, 100), (200, 100))):
        source, out = tmp_path / f"{width}.jpg", tmp_path / f"{width}-card.jpg"
        source.write_bytes(poster_jpeg(tmp_path, width, height))
        assert card_image(str(source), str(out), 320, 180) is True
        assert image_size(tmp_path, out.read_bytes()) == expected
    assert card_image(str(tmp_path / "missing.jpg"), str(tmp_path / "x.jpg"), 320, 180) is None
