"""What Studio asks around an upload, as its source (``src/opencast.tsx``, ``src/steps/finish/upload.tsx``)
sends it: the series list, ``/lti``, the presenter from ``/info/me.json``; and what a recording gets
from its Dublin Core catalogue (series -> channel, language) or, failing that, from its user and site.
"""

import base64
import tomllib
from urllib.parse import quote

import pytest
from sqlalchemy import select

from core.access.tokens import create_token
from core.access.users import find_user
from core.models import Channel, Video
from plugins.opencast_ingest.testing import StudioClient

PASSWORD = "studio password 1"
HOSTED = "https://studio.opencast.org"
# Studio's DEFAULT_DCC_TEMPLATE rendered (src/opencast.tsx): the chosen series goes into isPartOf, and
# an administrator's own ``upload.dcc`` template may add a language.
DCC = """<?xml version="1.0" encoding="UTF-8"?>
<dublincore xmlns="http://www.opencastproject.org/xsd/1.0/dublincore/"
            xmlns:dcterms="http://purl.org/dc/terms/"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
    <dcterms:created xsi:type="dcterms:W3CDTF">2026-11-29T08:15:00.000Z</dcterms:created>
    <dcterms:title>{title}</dcterms:title>
    <dcterms:creator>Ana López</dcterms:creator>
    {series}{language}
    <dcterms:extent xsi:type="dcterms:ISO8601">PT5.568S</dcterms:extent>
    <dcterms:spatial>Opencast Studio</dcterms:spatial>
</dublincore>
"""
# What fetch() sends for Studio's GET requests from the page /studio/ of the site (credentials: same-origin).
FROM_STUDIO_PAGE = {"Referer": "http://rec.test/studio/", "Accept": "*/*"}


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture
def rec_site(make_site, make_user, dbsession):
    site = make_site("rec", plugins=["storage_local", "auth_local", "opencast_ingest", "opencast_studio"])
    ana = make_user(site, "ana", role="staff", password=PASSWORD, display_name="Ana López")
    make_user(site, "leo", role="staff", password=PASSWORD).locale = "fr"
    maths = Channel(site_id=site.id, slug="maths", title="Mathématiques", managers=[ana])
    open_channel = Channel(site_id=site.id, slug="campus", title="Campus", open_to_all=True)
    closed = Channel(site_id=site.id, slug="physics", title="Physique")
    dbsession.add_all([maths, open_channel, closed])
    dbsession.flush()
    return site


def channel_id(dbsession, slug: str) -> str:
    return str(dbsession.scalar(select(Channel.id).where(Channel.slug == slug)))


def test_series_are_the_channels_the_user_may_add_videos_to(browser, dbsession):
    assert browser.get("/studio-api/series.json", headers=FROM_STUDIO_PAGE).json == []  # nobody signed in
    browser.sign_in("ana", PASSWORD)
    answer = browser.get("/studio-api/series.json", headers=FROM_STUDIO_PAGE)
    assert answer.content_type == "application/json"
    assert sorted(answer.json, key=lambda s: s["title"]) == [
        {"id": channel_id(dbsession, "campus"), "title": "Campus"},
        {"id": channel_id(dbsession, "maths"), "title": "Mathématiques"},
    ]
    # Studio before 2023 asked studio/series.json: the same answer.
    assert browser.get("/studio/series.json", headers=FROM_STUDIO_PAGE).json == answer.json


def test_a_hosted_studio_reads_the_series_with_a_token(browser, rec_site, make_request, dbsession):
    leo = find_user(dbsession, rec_site.id, "leo")
    _token, secret = create_token(make_request(rec_site, leo), leo, "studio", "write", 30)
    preflight = browser.options(
        "/studio-api/series.json",
        headers={
            "Origin": HOSTED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
        status=204,
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == HOSTED
    answer = browser.get("/studio-api/series.json", headers={"Origin": HOSTED, **basic("leo", secret)})
    assert answer.json == [{"id": channel_id(dbsession, "campus"), "title": "Campus"}]
    assert answer.headers["Access-Control-Allow-Origin"] == HOSTED
    refused = browser.get("/studio-api/series.json", headers={"Origin": HOSTED, **basic("leo", "wrong")}, status=401)
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="Amphi"'


def test_lti_answers_no_session_as_studio_expects(browser):
    browser.sign_in("ana", PASSWORD)
    answer = browser.get("/lti", headers=FROM_STUDIO_PAGE)
    assert answer.status_int == 200 and answer.content_type == "application/json" and answer.json == {}


def test_the_presenter_is_filled_in_from_the_user_s_name(browser):
    settings = tomllib.loads(browser.get("/studio/settings.toml").text)
    assert settings["upload"]["autofillPresenter"] == ["opencast"]  # Studio then reads user.name of info/me.json
    assert settings["upload"]["seriesField"] == "optional"
    browser.sign_in("ana", PASSWORD)
    assert browser.get("/info/me.json", headers=FROM_STUDIO_PAGE).json["user"]["name"] == "Ana López"


def studio_upload(browser, camera, title: str, series: str = "", language: str = ""):
    studio = StudioClient(browser, {"Origin": "http://rec.test"})
    mp = studio.create().text
    dcc = DCC.format(
        title=title,
        series=f"<dcterms:isPartOf>{series}</dcterms:isPartOf>" if series else "",
        language=f"<dcterms:language>{language}</dcterms:language>" if language else "",
    )
    mp = studio.post(
        "/ingest/addDCCatalog",
        [("mediaPackage", mp), ("dublinCore", quote(dcc, safe="-_.!~*'()")), ("flavor", "dublincore/episode")],
    ).text
    mp = studio.add_acl(mp).text
    mp = studio.add_track(mp, "presenter/source", "presenter.webm", camera).text
    studio.ingest(mp)


def video_titled(dbsession, title: str) -> Video:
    return dbsession.scalars(select(Video).where(Video.title == title)).one()


def test_the_chosen_series_puts_the_recording_in_that_channel(browser, camera, dbsession):
    browser.sign_in("ana", PASSWORD)
    studio_upload(browser, camera, "Cours 1", series=channel_id(dbsession, "maths"))
    assert [c.slug for c in video_titled(dbsession, "Cours 1").channels] == ["maths"]
    # A series the user may not add videos to is left out, the recording is kept.
    studio_upload(browser, camera, "Cours 2", series=channel_id(dbsession, "physics"))
    studio_upload(browser, camera, "Cours 3", series="99999999999999999999999")
    assert video_titled(dbsession, "Cours 2").channels == [] and video_titled(dbsession, "Cours 3").channels == []


@pytest.mark.parametrize(
    ("user", "catalogue", "expected"),
    [
        ("ana", "fra", "fr"),  # the Dublin Core language Studio sent (an administrator's dcc template)
        ("ana", "de", "de"),
        ("leo", "", "fr"),  # none sent: the user's language
        ("ana", "", "en"),  # the user has none: the site's default (amphi.default_locale)
    ],
)
def test_a_recording_gets_a_language(browser, camera, dbsession, user, catalogue, expected):
    browser.sign_in(user, PASSWORD)
    studio_upload(browser, camera, f"Langue {user} {catalogue or '-'}", language=catalogue)
    assert video_titled(dbsession, f"Langue {user} {catalogue or '-'}").language == expected
