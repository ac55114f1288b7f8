"""The Opencast ingest protocol (the opencast_ingest plugin): Studio-shaped requests, refusals, sites without a client plugin."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import hookimpl
from core.models import Job, Video
from core.platform.errors import ValidationError
from plugins.opencast_ingest.models import IngestPackage
from plugins.opencast_ingest.purge import expire_hours, purge_abandoned
from plugins.opencast_ingest.testing import IngestTestPlugin, StudioClient, package_id
from tests.mediafiles import make_browser_webm

ENDPOINTS = [
    ("GET", "/ingest/createMediaPackage"),
    ("POST", "/ingest/createMediaPackage"),
    ("POST", "/ingest/addDCCatalog"),
    ("POST", "/ingest/addTrack"),
    ("POST", "/ingest/addCatalog"),
    ("POST", "/ingest/addAttachment"),
    ("POST", "/ingest/ingest"),
    ("POST", "/ingest/ingest/fast"),
    ("GET", "/ingest/files/abc/def"),
]


def call(app, method: str, path: str, **kwargs):
    return getattr(app, method.lower())(path, **kwargs)


@pytest.fixture
def client_plugin(register_plugin):
    plugin = IngestTestPlugin(layout="side-by-side")
    register_plugin(plugin, "ingest_test")
    return plugin


@pytest.fixture
def ingest_site(make_site, make_user, client_plugin):
    site = make_site("rec", plugins=["storage_local", "opencast_ingest", "ingest_test"])
    make_user(site, "ana", role="staff")
    make_user(site, "bob", role="staff")
    return site


@pytest.fixture
def studio(make_testapp, ingest_site):
    return StudioClient(make_testapp("rec.test"), {"X-Test-Client": "ana"})


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rec")
    return (
        make_browser_webm(folder, "camera.webm", 2, "160x120").read_bytes(),
        make_browser_webm(folder, "screen.webm", 2, "320x240", vcodec="libvpx-vp9", pattern="smptebars").read_bytes(),
    )


@pytest.mark.parametrize(
    "plugins", [["storage_local"], ["storage_local", "opencast_ingest"]], ids=["protocol-off", "no-client-plugin"]
)
def test_a_site_without_an_ingest_plugin_answers_404_everywhere(
    make_site, make_user, make_testapp, client_plugin, plugins
):
    site = make_site("plain", plugins=plugins)
    make_user(site, "ana", role="staff")
    app = make_testapp("plain.test")
    for method, path in ENDPOINTS:
        response = call(app, method, path, headers={"X-Test-Client": "ana"}, status=404)
        assert "No site answers" not in response.text


def test_a_client_plugin_is_enabled_only_beside_the_protocol(make_site, client_plugin):
    with pytest.raises(ValidationError) as refused:
        make_site("alone", plugins=["storage_local", "ingest_test"])
    assert refused.value.errors["plugins"].interpolate() == (
        "ingest_test works only with opencast_ingest: enable it too."
    )


def test_a_site_admin_cannot_turn_the_protocol_off_under_its_client(make_site, make_user, make_testapp, client_plugin):
    site = make_site("adm", plugins=["auth_local", "storage_local", "opencast_ingest", "ingest_test"])
    make_user(site, "boss", role="site-admin", password="boss password 1")
    browser = make_testapp("adm.test")
    browser.sign_in("boss", "boss password 1")
    for language, message in [
        ("en", "ingest_test works only with opencast_ingest: enable it too."),
        ("fr", "ingest_test ne fonctionne qu&#39;avec opencast_ingest : activez-le aussi."),
    ]:
        form = browser.get("/admin/site", headers={"Accept-Language": language}).forms["plugins-form"]
        form["plugins"] = ["auth_local", "storage_local", "ingest_test"]
        assert message in form.submit(status=400, headers={"Accept-Language": language}).text
    assert "opencast_ingest" in site.enabled_plugins


def test_unauthenticated_calls_are_refused_with_the_plugins_challenge(studio):
    anonymous = StudioClient(studio.app)
    for method, path in ENDPOINTS:
        response = call(studio.app, method, path, status=401)
        assert response.headers.getall("WWW-Authenticate") == ['Basic realm="test"']
    assert "Authentication is needed" in anonymous.create(status=401).text


def test_a_studio_upload_becomes_a_video_composed_then_encoded(studio, recordings, client_plugin, dbsession):
    camera, screen = recordings
    mp = studio.create().text
    assert '<mediapackage xmlns="http://mediapackage.opencastproject.org"' in mp
    assert studio.create().headers["Content-Type"].startswith("text/xml")
    mp = studio.add_dc(mp, "Cours <b>1</b> & TD", presenter="Ana López").text
    assert (
        '<catalog id="' in mp
        and 'type="dublincore/episode"' in mp
        and "<title>Cours &lt;b&gt;1&lt;/b&gt; &amp; TD" in mp
    )
    mp = studio.add_acl(mp).text
    assert 'type="security/xacml+episode"' in mp
    mp = studio.add_track(mp, "presenter/source", "camera.webm", camera).text
    mp = studio.add_track(mp, "presentation/source", "screen.webm", screen).text
    assert mp.count("<track ") == 2 and f"<size>{len(screen)}</size>" in mp
    mp = studio.add_cutting(mp, 0.5, 1.7976931348623157e308).text
    answer = studio.ingest(mp, workflow="fast")
    assert "<workflow" in answer.text and package_id(answer.text) == package_id(mp)

    video = dbsession.scalars(select(Video).where(Video.site_id == studio_site_id(dbsession))).one()
    assert video.title == "Cours <b>1</b> & TD" and video.owner.username == "ana"
    assert video.date_recorded.isoformat() == "2026-11-29"
    assert sorted((f.kind, f.rendition, f.size) for f in video.files) == sorted(
        [("recording", "presenter/source", len(camera)), ("recording", "presentation/source", len(screen))]
    )
    job = dbsession.scalars(select(Job).where(Job.video_id == video.id)).one()
    assert (job.kind, job.state, job.params) == ("compose", "queued", {"layout": "side-by-side", "trims": [0.5, None]})
    source, mp_id, video_id, metadata = client_plugin.received[0]
    assert (source, mp_id, video_id) == ("ingest_test", package_id(mp), video.id)
    assert metadata["creator"] == ["Ana López"]


def studio_site_id(dbsession):
    from core.models import Site

    return dbsession.scalars(select(Site.id).where(Site.slug == "rec")).one()


def test_one_track_without_cuts_goes_straight_to_the_encode(studio, recordings, dbsession):
    studio.upload("Seule", [("presenter/source", "camera.webm", recordings[0])])
    video = dbsession.scalars(select(Video).where(Video.title == "Seule")).one()
    assert [(f.kind, f.rendition) for f in video.files] == [("source", ".webm")]
    assert [j.kind for j in video.jobs] == ["encode"]


def test_missing_or_malformed_mediapackages_are_refused_clearly(studio, recordings):
    missing = studio.post("/ingest/addTrack", [("flavor", "presenter/source")], [("BODY", "a.webm", b"x")], status=400)
    assert "The mediaPackage field is missing" in missing.text
    assert missing.headers["Content-Type"].startswith("text/plain")
    broken = studio.post(
        "/ingest/addDCCatalog", [("mediaPackage", "<mediapackage id='x'"), ("dublinCore", "")], status=400
    )
    assert "not well-formed XML" in broken.text
    other = studio.post("/ingest/ingest", [("mediaPackage", "<episode id='1'/>")], status=400)
    assert "is not a media package" in other.text
    unknown = studio.ingest('<mediapackage id="0c5b1c2e-0000-4000-8000-000000000000"/>', status=404)
    assert "no media package 0c5b1c2e-0000-4000-8000-000000000000" in unknown.text
    bomb = '<!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><mediapackage id="&b;"/>'
    assert studio.ingest(bomb, status=400).text.startswith("The mediaPackage field is not well-formed XML")


def test_elements_and_catalogues_are_checked(studio):
    mp = studio.create().text
    assert "no track" in studio.ingest(mp, status=400).text
    assert (
        "send it as the multipart field BODY"
        in studio.post("/ingest/addTrack", [("mediaPackage", mp), ("flavor", "presenter/source")], status=400).text
    )
    assert (
        "flavor field is missing or malformed"
        in studio.post(
            "/ingest/addTrack", [("mediaPackage", mp), ("flavor", "../../etc")], [("BODY", "a.webm", b"x")], status=400
        ).text
    )
    assert (
        "not well-formed XML"
        in studio.post(
            "/ingest/addDCCatalog",
            [("mediaPackage", mp), ("dublinCore", "%3Cdublincore"), ("flavor", "dublincore/episode")],
            status=400,
        ).text
    )
    assert "out of order" in studio.add_cutting(mp, 5, 2, status=400).text


def test_a_track_larger_than_the_site_accepts_is_refused(studio, ingest_site, recordings):
    ingest_site.upload_max_size = 1000
    mp = studio.create().text
    refused = studio.add_track(mp, "presenter/source", "camera.webm", recordings[0], status=413)
    assert "larger than this site accepts" in refused.text
    assert "no track" in studio.ingest(mp, status=400).text  # nothing of it was kept


def test_a_package_belongs_to_the_client_that_opened_it(studio, recordings):
    mp = studio.create().text
    bob = StudioClient(studio.app, {"X-Test-Client": "bob"})
    assert "no media package" in bob.add_track(mp, "presenter/source", "a.webm", recordings[0], status=404).text
    mp = studio.add_track(mp, "presenter/source", "a.webm", recordings[0]).text
    studio.ingest(mp)
    assert "already ingested" in studio.ingest(mp, status=409).text


def test_the_client_may_read_back_its_elements(studio, recordings, dbsession):
    mp = studio.add_track(studio.create().text, "presenter/source", "a.webm", recordings[0]).text
    url = mp.split("<url>")[1].split("</url>")[0]
    element = studio.app.get(url, headers=studio.headers)
    assert element.body == recordings[0] and element.headers["Content-Disposition"] == "attachment"
    assert element.headers["Content-Type"] == "application/octet-stream"
    StudioClient(studio.app, {"X-Test-Client": "bob"}).app.get(url, headers={"X-Test-Client": "bob"}, status=404)


def test_abandoned_packages_are_purged_with_their_files(studio, recordings, make_request, ingest_site, dbsession):
    studio.add_track(studio.create().text, "presenter/source", "a.webm", recordings[0])
    request = make_request(ingest_site)
    package = dbsession.scalars(select(IngestPackage)).one()
    key = package.elements[0]["key"]
    assert request.storage.exists(key)
    assert purge_abandoned(request, timedelta(hours=1)) == 0
    assert purge_abandoned(request, timedelta(seconds=-1)) == 1
    assert not request.storage.exists(key)


class BrokenPolicy:
    @hookimpl
    def amphi_ingest_received(self, request, principal, mediapackage, video):
        raise RuntimeError("the policy crashed")


def test_a_plugin_failing_after_the_ingest_loses_nothing(
    studio, recordings, register_plugin, ingest_site, dbsession, caplog
):
    register_plugin(BrokenPolicy(), "broken_policy")
    ingest_site.enabled_plugins = [*ingest_site.enabled_plugins, "broken_policy"]
    studio.upload("Malgré tout", [("presenter/source", "camera.webm", recordings[0])])
    video = dbsession.scalars(select(Video).where(Video.title == "Malgré tout")).one()
    assert (video.access, [j.kind for j in video.jobs]) == ("draft", ["encode"])
    assert "plugin broken_policy failed in amphi_ingest_received" in caplog.text


def test_packages_are_kept_as_long_as_the_setting_says(app, monkeypatch):
    assert expire_hours(app.registry) == 48
    monkeypatch.setitem(app.registry.settings, "amphi.ingest.expire_hours", "12")  # the name before the plugin
    assert expire_hours(app.registry) == 12
    monkeypatch.setitem(app.registry.settings, "amphi.opencast_ingest.expire_hours", "6")
    assert expire_hours(app.registry) == 6
