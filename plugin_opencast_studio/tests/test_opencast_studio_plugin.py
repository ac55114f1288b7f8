"""Opencast Studio against Amphi: who may upload, what Studio reads, Studio served, CORS, a site without it."""

import base64
import hashlib
import re
import tomllib

import pytest
from sqlalchemy import select

from core.access.tokens import create_token
from core.models import Video
from plugins.opencast_ingest.testing import StudioClient

PASSWORD = "studio password 1"
HOSTED = "https://studio.opencast.org"


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture
def rec_site(make_site, make_user):
    site = make_site("rec", plugins=["storage_local", "auth_local", "opencast_ingest", "opencast_studio"])
    make_user(site, "ana", role="staff", password=PASSWORD, display_name="Ana López")
    make_user(site, "leo", role="user", password=PASSWORD)
    return site


def test_a_site_without_the_plugin_answers_404_on_every_endpoint(make_site, make_user, make_testapp):
    site = make_site("plain", plugins=["storage_local", "auth_local"])
    make_user(site, "ana", role="staff", password=PASSWORD)
    app = make_testapp("plain.test")
    app.sign_in("ana", PASSWORD)
    for path in (
        "/info/me.json",
        "/studio",
        "/studio/",
        "/studio/settings.toml",
        "/studio/static/main.js",
        "/ingest/createMediaPackage",
        "/studio-api/series.json",
        "/studio/series.json",
        "/lti",
    ):
        assert "No site answers" not in app.get(path, status=404).text
    for path in (
        "/ingest/addTrack",
        "/ingest/addDCCatalog",
        "/ingest/addCatalog",
        "/ingest/addAttachment",
        "/ingest/ingest",
        "/ingest/ingest/fast",
        "/ingest/createMediaPackage",
    ):
        app.post(path, {}, headers={"Origin": "http://plain.test"}, status=404)
        app.options(path, headers={"Origin": HOSTED}, status=404)
    app.options("/studio-api/series.json", headers={"Origin": HOSTED}, status=404)
    assert "Record" not in app.get("/").text


def test_info_me_says_who_is_signed_in_as_opencast_does(browser):
    anonymous = browser.get("/info/me.json").json
    assert anonymous["user"]["username"] == "anonymous" and anonymous["roles"] == ["ROLE_ANONYMOUS"]
    browser.sign_in("ana", PASSWORD)
    me = browser.get("/info/me.json").json
    assert me["user"] == {"username": "ana", "name": "Ana López", "email": "", "provider": "amphi"}
    assert {"ROLE_USER", "ROLE_STUDIO", "ROLE_USER_ANA"} <= set(me["roles"]) and me["userRole"] == "ROLE_USER_ANA"
    assert me["org"]["id"] == "rec"


def test_wrong_credentials_are_refused_and_studio_is_told_how_to_sign_in(browser):
    refused = browser.get("/info/me.json", headers=basic("ana", "wrong"), status=401)
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="Amphi"'
    assert browser.get("/ingest/createMediaPackage", headers=basic("ana", "wrong"), status=401)
    assert browser.get("/ingest/createMediaPackage", status=401).text == "Authentication is needed to ingest here."


def test_a_session_uploads_from_the_same_origin_only(browser):
    browser.sign_in("ana", PASSWORD)
    mp = browser.get("/ingest/createMediaPackage").text
    home = StudioClient(browser, {"Origin": "http://rec.test"})
    assert "<mediapackage" in home.add_dc(mp, "Cours").text
    forged = StudioClient(browser, {"Origin": "https://evil.example"})
    forged.add_dc(mp, "Cours", status=401)


def test_a_user_who_may_not_upload_is_refused(browser):
    browser.sign_in("leo", PASSWORD)
    browser.get("/ingest/createMediaPackage", status=401)
    assert browser.get("/info/me.json").json["user"]["username"] == "anonymous"


def test_a_personal_write_token_signs_a_hosted_studio_in(browser, rec_site, make_request, dbsession):
    from core.access.users import find_user

    ana = find_user(dbsession, rec_site.id, "ana")
    request = make_request(rec_site, ana)
    _token, write = create_token(request, ana, "studio", "write", 30)
    _token, read = create_token(request, ana, "reader", "read", 30)
    assert browser.get("/info/me.json", headers=basic("ana", write)).json["user"]["username"] == "ana"
    browser.get("/ingest/createMediaPackage", headers=basic("ana", read), status=401)
    browser.get("/ingest/createMediaPackage", headers=basic("leo", write), status=401)


def test_the_configured_account_signs_in_with_basic_or_digest(browser, studio_settings):
    studio_settings(account_username="ana", account_password="shared secret")
    assert "<mediapackage" in browser.get("/ingest/createMediaPackage", headers=basic("ana", "shared secret")).text
    asked = browser.get("/ingest/createMediaPackage", headers={"X-Requested-Auth": "Digest"}, status=401)
    challenge = asked.headers["WWW-Authenticate"]
    assert challenge.startswith('Digest realm="Amphi"')
    nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
    ha1, ha2 = md5("ana:Amphi:shared secret"), md5("GET:/ingest/createMediaPackage")
    answer = md5(f"{ha1}:{nonce}:00000001:abcdef:auth:{ha2}")
    header = (
        f'Digest username="ana", realm="Amphi", nonce="{nonce}", uri="/ingest/createMediaPackage", '
        f'response="{answer}", qop=auth, nc=00000001, cnonce="abcdef"'
    )
    assert "<mediapackage" in browser.get("/ingest/createMediaPackage", headers={"Authorization": header}).text
    wrong = header.replace(answer, md5("nope"))
    browser.get("/ingest/createMediaPackage", headers={"Authorization": wrong}, status=401)


def test_the_record_page_explains_a_hosted_studio_and_the_nav_offers_it_to_uploaders(browser):
    assert "Record" not in browser.get("/").text
    browser.sign_in("ana", PASSWORD)
    assert 'href="http://rec.test/studio/"' in browser.get("/").text
    assert browser.get("/studio", status=302).location == "http://rec.test/studio/"
    french = browser.get("/studio/", headers={"Accept-Language": "fr"})
    assert (
        "Enregistrer avec Opencast Studio" in french.text
        and "Enregistrer" in browser.get("/", headers={"Accept-Language": "fr"}).text
    )


def test_the_hosted_studio_steps_never_send_a_token_elsewhere(browser):
    """Studio ignores connection settings in its address and falls back to its example server
    (develop.opencast.org, user admin): the link carries none, the page says what to type and check."""
    browser.sign_in("ana", PASSWORD)
    page = browser.get("/studio/")
    links = re.findall(r'href="([^"]+)"', page.text)
    assert f"{HOSTED}/" in links and not [link for link in links if link.startswith(HOSTED) and link != f"{HOSTED}/"]
    assert not re.search(r"opencast\.(serverUrl|loginName|loginPassword)|[?&]config=", page.text)
    steps = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.text))
    assert "Server URL: http://rec.test/ (instead of its example https://develop.opencast.org/)" in steps
    assert "Username: ana (instead of admin)" in steps and "Password: your token." in steps
    assert "check that the Server URL reads exactly http://rec.test/" in steps
    assert "do not type your token there" in steps and "Never type your password" in steps
    assert 'href="http://rec.test/account/tokens"' in page.text
    assert "npm run build:release" in steps
    french = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", browser.get("/studio/", headers={"Accept-Language": "fr"}).text)
    )
    assert "http://rec.test/ (au lieu de son exemple https://develop.opencast.org/)" in french
    assert "n’y tapez pas votre jeton" in french


def test_no_hosted_studio_is_offered_when_the_setting_is_empty(browser, studio_settings):
    studio_settings(hosted_studio_url="")
    browser.sign_in("ana", PASSWORD)
    page = browser.get("/studio/")
    assert "Opencast Studio is not offered on this site yet" in page.text
    assert "your token" not in page.text and "Server URL" not in page.text and "npm run build:release" in page.text
    assert "Access-Control-Allow-Origin" not in browser.get("/info/me.json", headers={"Origin": HOSTED}).headers


def test_a_built_studio_is_served_with_settings_that_point_at_the_site(browser, studio_settings, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Studio</title>")
    (tmp_path / "static" / "main.js").write_text("console.log('studio')")
    (tmp_path.parent / "secret.txt").write_text("secret")
    studio_settings(studio_folder=str(tmp_path))
    assert "<title>Studio</title>" in browser.get("/studio/").text
    script = browser.get("/studio/static/main.js")
    assert script.text == "console.log('studio')" and "javascript" in script.headers["Content-Type"]
    browser.get("/studio/%2e%2e/secret.txt", status=404)
    browser.get("/studio/nothing.js", status=404)
    settings = tomllib.loads(browser.get("/studio/settings.toml").text)
    # Complete: the server is the site, the session signs in (no name and no secret in a public file).
    assert settings["opencast"] == {"serverUrl": "http://rec.test/", "loginProvided": True}
    assert settings["return"] == {"target": "http://rec.test/my/videos", "label": "REC"}
    assert settings["upload"]["autofillPresenter"] == ["opencast"] and settings["upload"]["acl"] is False


def test_a_hosted_studio_may_call_across_origins(browser, studio_settings):
    preflight = browser.options(
        "/ingest/addTrack",
        headers={
            "Origin": HOSTED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
        status=204,
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == HOSTED
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert browser.get("/info/me.json", headers={"Origin": HOSTED}).headers["Access-Control-Allow-Origin"] == HOSTED
    browser.options("/ingest/addTrack", headers={"Origin": "https://evil.example"}, status=404)
    assert (
        "Access-Control-Allow-Origin"
        not in browser.get("/info/me.json", headers={"Origin": "https://evil.example"}).headers
    )


def test_a_recording_gets_the_access_the_settings_say(browser, studio_settings, camera, dbsession):
    studio_settings(access="signed-in")
    browser.sign_in("ana", PASSWORD)
    StudioClient(browser, {"Origin": "http://rec.test"}).upload("Mon cours", [("presenter/source", "c.webm", camera)])
    video = dbsession.scalars(select(Video).where(Video.title == "Mon cours")).one()
    assert (video.access, video.owner.username, video.status) == ("signed-in", "ana", "uploaded")
