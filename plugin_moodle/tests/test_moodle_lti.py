"""The LTI 1.3 tool against a real platform (lti1p3platform, served over HTTP): registration by hand and by
LTI Dynamic Registration, key rotation, launches and their grants, and every bad launch refused."""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
from lti_platform import INSTRUCTOR, LEARNER, rsa_pem
from moodle_helpers import PASSWORD, launch
from sqlalchemy import func, select
from webtest import Upload

from core.models import Group, Job, MediaFile, User, Video, utcnow
from core.platform.sites import set_plugin_overrides
from core.platform.tasks import worker_request
from plugin_moodle import deep_linking
from plugin_moodle.adapter import DatabaseValues, sweep_values
from plugin_moodle.models import LtiAccount, LtiKey, LtiPlatform, LtiRegistrationLink, LtiValue
from plugins.live import api as live_api
from plugins.playlists.models import Playlist
from plugins.xapi.models import Outbox
from tests.mediafiles import make_clip, make_text_file


def count(dbsession, model) -> int:
    return dbsession.scalar(select(func.count()).select_from(model))


def kids(testapp) -> list[str]:
    return [key["kid"] for key in testapp.get("/lti/jwks.json").json["keys"]]


def test_an_admin_registers_platforms_by_hand_and_rotates_the_keys(testapp, admin, dbsession, lti_platform):
    testapp.sign_in("admin", PASSWORD)
    page = testapp.get("/admin/lti")
    assert "http://a.test/lti/jwks.json" in page.text and "http://a.test/lti/login" in page.text
    form = testapp.get("/admin/lti/new").forms["lti-platform"]
    for name, value in {**lti_platform.platform_fields(), "keyset_url": "not an address"}.items():
        form[name] = value
    refused = form.submit(status=400)
    assert "An address starting with https:// is expected." in refused.text and count(dbsession, LtiPlatform) == 0
    form = refused.forms["lti-platform"]
    form["keyset_url"] = lti_platform.base + "/jwks"
    form["deployment_ids"] = "deployment-1\ndeployment-2\n"
    form.submit(status=302)
    platform = dbsession.scalar(select(LtiPlatform))
    assert (platform.issuer, platform.deployment_ids) == (lti_platform.issuer, ["deployment-1", "deployment-2"])

    # Rotation: the new key signs, the old one stays published until retired; the last one stays.
    first = kids(testapp)
    assert len(first) == 1
    token = testapp.get("/admin/lti").forms["lti-rotate"]
    token.submit(status=302)
    assert kids(testapp)[1:] == first and len(kids(testapp)) == 2
    old = dbsession.scalar(select(LtiKey).where(LtiKey.kid == first[0]))
    testapp.post(f"/admin/lti/keys/{old.id}/retire", {"csrf_token": testapp.csrf_token("/admin/lti")}, status=302)
    assert kids(testapp) != first and len(kids(testapp)) == 1
    last = dbsession.scalar(select(LtiKey).where(LtiKey.retired_at.is_(None)))
    answer = testapp.post(f"/admin/lti/keys/{last.id}/retire", {"csrf_token": testapp.csrf_token("/admin/lti")})
    assert "cannot be retired" in answer.follow().text and len(kids(testapp)) == 1


def test_lti_dynamic_registration_registers_the_platform_once(testapp, admin, dbsession, lti_platform):
    testapp.sign_in("admin", PASSWORD)
    made = testapp.post("/admin/lti/registration-links", {"csrf_token": testapp.csrf_token("/admin/lti")})
    url = parse_qs(urlsplit(made.location).query)["registration_url"][0]
    assert url in made.follow().text and count(dbsession, LtiRegistrationLink) == 1
    query = {
        "openid_configuration": lti_platform.base + "/.well-known/openid-configuration",
        "registration_token": lti_platform.registration_token,
    }
    done = testapp.get(url.removeprefix("http://a.test"), query)
    assert "org.imsglobal.lti.close" in done.text
    platform = dbsession.scalar(select(LtiPlatform))
    assert (platform.registered_by, platform.client_id, platform.deployment_ids) == (
        "dynamic",
        lti_platform.client_id,
        [lti_platform.deployment_id],
    )
    asked = lti_platform.registrations[-1]
    assert (
        asked["jwks_uri"] == "http://a.test/lti/jwks.json" and asked["initiate_login_uri"] == "http://a.test/lti/login"
    )
    assert asked["redirect_uris"] == ["http://a.test/lti/launch"]
    # Used once; an unknown address is refused.
    testapp.get(url.removeprefix("http://a.test"), query, status=403)
    testapp.get("/lti/register/" + secrets.token_urlsafe(24), query, status=403)
    assert count(dbsession, LtiPlatform) == 1


def test_a_launch_finds_or_makes_the_person_and_grants_the_video_alone(
    app, make_testapp, site, registered, course_video, make_video, admin, dbsession, lti_platform
):
    frame = make_testapp("a.test")  # a frame without cookies: nothing is kept between requests
    answer, posted = launch(
        frame, lti_platform, user="s-42", roles=[LEARNER], name="Sam", custom={"video": str(course_video.id)}
    )
    target = urlsplit(answer.location)
    assert target.path == f"/videos/{course_video.id}/embed"
    account = dbsession.scalar(select(LtiAccount))
    student = dbsession.get(User, account.user_id)
    assert (account.issuer, account.sub, student.display_name, student.can_upload) == (
        lti_platform.issuer,
        "s-42",
        "Sam",
        False,
    )
    group = dbsession.scalar(select(Group).where(Group.source == "moodle"))
    assert group.title == "Optics 101 (Test Moodle)" and student in group.members

    frame.reset()
    page = frame.get(f"{target.path}?{target.query}")
    grant = parse_qs(target.query)["grant"][0]
    media = re.findall(r'"(http://a\.test/media/g/[^"]+)"', page.text.replace("&amp;", "&"))
    assert len(media) == 3 and all(f"/media/g/{grant}/" in url for url in media)  # playlist, poster, subtitles
    assert f"/api/videos/{course_video.id}/position?grant={grant}" in page.text
    for url in media:
        assert frame.get(url.removeprefix("http://a.test")).body.startswith((b"bytes of", b"WEBVTT"))
    segment = media[0].removeprefix("http://a.test").replace("master.m3u8", "360p/seg_0000.m4s")
    assert frame.get(segment).body == b"bytes of hls/360p/seg_0000.m4s"
    frame.post_json(f"/api/videos/{course_video.id}/position?grant={grant}", {"position": 2, "watched": 2})
    # Its player's events become learning records filed under the course and its platform (xapi).
    events = f"/api/videos/{course_video.id}/events?grant={grant}"
    assert events in page.text.replace("&amp;", "&")
    set_plugin_overrides(app.registry, site, "xapi", {"send": True, "endpoint": "https://lrs.example/xAPI/"})
    played = {"session": str(uuid.uuid4()), "events": [{"type": "ready", "time": 0}, {"type": "play", "time": 0}]}
    assert frame.post_json(events, {**played, "played": []}).json == {"wanted": True}
    made = [json.loads(row) for row in dbsession.scalars(select(Outbox.statement))]
    assert len(made) == 2 and all(s["actor"]["account"]["homePage"] == "http://a.test/" for s in made)
    activities = made[0]["context"]["contextActivities"]
    assert activities["parent"] == [
        {
            "objectType": "Activity",
            "id": lti_platform.issuer + "/lti/context/course-1",
            "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"und": "Optics 101"}},
        }
    ]
    assert activities["grouping"][-1]["id"] == lti_platform.issuer
    assert activities["grouping"][-1]["definition"]["name"] == {"und": "Test Moodle"}
    # The grant opens this video's embed page and media, nothing else.
    other = make_video(site, admin, "Other", status="ready", access="signed-in")
    frame.get(f"/videos/{other.id}/embed?grant={grant}", status=403)
    frame.get(f"/videos/{course_video.id}?grant={grant}", status=403)
    frame.get(f"/videos/{course_video.id}/embed", status=302)  # without it: the sign-in page
    frame.get(f"/videos/{course_video.id}/embed?grant={grant[:-1]}0", status=302)

    # The same launch again: refused, nothing more made.
    frame.post("/lti/launch", posted, status=403)
    assert count(dbsession, LtiAccount) == 1

    # An instructor may upload; a second launch of the same person finds the same account.
    launch(frame, lti_platform, user="t-1", roles=[INSTRUCTOR], custom={"video": str(course_video.id)})
    launch(frame, lti_platform, user="t-1", roles=[INSTRUCTOR], custom={"video": str(course_video.id)})
    teacher = dbsession.scalars(
        select(User).join(LtiAccount, LtiAccount.user_id == User.id).where(LtiAccount.sub == "t-1")
    ).one()
    assert teacher.can_upload and count(dbsession, LtiAccount) == 2


def test_linking_by_email_only_when_the_site_allows_it(
    make_testapp, site, make_user, registered, course_video, admin, dbsession, lti_platform
):
    prof = make_user(site, "prof", role="staff", email="prof@example.edu")
    frame = make_testapp("a.test")
    launch(frame, lti_platform, user="a-1", email="admin@example.edu", custom={"video": str(course_video.id)})
    assert dbsession.scalar(select(LtiAccount.user_id).where(LtiAccount.sub == "a-1")) != admin.id
    site.plugin_settings = {**(site.plugin_settings or {}), "moodle": {"link_by_email": True}}
    dbsession.flush()
    launch(frame, lti_platform, user="p-1", email="PROF@example.edu", custom={"video": str(course_video.id)})
    assert dbsession.scalar(select(LtiAccount.user_id).where(LtiAccount.sub == "p-1")) == prof.id


def test_linking_by_institutional_identifier_only_when_the_site_allows_it(
    make_testapp, site, make_user, registered, course_video, dbsession, lti_platform
):
    """The platform sends the person's institutional username (LIS person_sourcedid): with the site's setting
    naming that claim the launch finds the account their CAS sign-in made; without it, a new account."""
    jane = make_user(site, "jdoe", email="")
    make_user(site, "root", role="superuser")
    frame = make_testapp("a.test")
    lis = "https://purl.imsglobal.org/spec/lti/claim/lis"
    video = {"video": str(course_video.id)}
    launch(frame, lti_platform, user="j-1", overrides={lis: {"person_sourcedid": "jdoe"}}, custom=video)
    assert dbsession.scalar(select(LtiAccount.user_id).where(LtiAccount.sub == "j-1")) != jane.id
    site.plugin_settings = {**(site.plugin_settings or {}), "moodle": {"link_by_claim": lis + "#person_sourcedid"}}
    dbsession.flush()
    launch(frame, lti_platform, user="j-2", overrides={lis: {"person_sourcedid": "jdoe"}}, custom=video)
    assert dbsession.scalar(select(LtiAccount.user_id).where(LtiAccount.sub == "j-2")) == jane.id
    launch(frame, lti_platform, user="j-3", overrides={lis: {"person_sourcedid": "root"}}, custom=video)
    root = dbsession.scalar(select(User.id).where(User.username == "root"))
    assert dbsession.scalar(select(LtiAccount.user_id).where(LtiAccount.sub == "j-3")) != root


def test_bad_launches_are_refused_with_a_page_and_create_nothing(
    make_testapp, make_site, registered, course_video, make_user, make_video, dbsession, lti_platform, caplog
):
    other_site = make_site("b")
    elsewhere = make_video(other_site, make_user(other_site, "bob", role="staff"), "Elsewhere", status="ready")
    stranger_key, _ = rsa_pem()
    video = {"video": str(course_video.id)}
    cases = {
        "forged signature": {"key": (stranger_key, "platform-key-1"), "custom": video},
        "unknown key": {"key": (stranger_key, "someone-else"), "custom": video},
        "wrong audience": {"overrides": {"aud": "another-tool", "azp": "another-tool"}, "custom": video},
        "expired": {"overrides": {"exp": 1_000_000, "iat": 999_000}, "custom": video},
        "unknown deployment": {
            "overrides": {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "deployment-9"},
            "custom": video,
        },
        "another site's video": {"custom": {"video": str(elsewhere.id)}},
    }
    frame = make_testapp("a.test")
    users = count(dbsession, User)
    for case, prepared in cases.items():
        answer, _ = launch(frame, lti_platform, status="4*", user="x-" + case, **prepared)
        assert answer.status_int in (400, 403) and "<h1" in answer.text, case
        assert "frame-ancestors *" in answer.headers["Content-Security-Policy"], case
    assert count(dbsession, LtiAccount) == 0 and count(dbsession, User) == users
    assert len([r for r in caplog.records if "LTI launch refused" in r.getMessage()]) == len(cases)
    # A launch from an unregistered platform, and a token that is no token.
    frame.get(
        "/lti/login",
        {"iss": "https://unknown.example", "login_hint": "1", "target_link_uri": "http://a.test/lti/launch"},
        status=403,
    )
    frame.post("/lti/launch", {"id_token": "not.a.token", "state": "state-x"}, status=400)
    forged = jwt.encode({"iss": "https://unknown.example", "aud": "x"}, stranger_key, algorithm="RS256")
    frame.post("/lti/launch", {"id_token": forged, "state": "state-x"}, status=403)
    assert count(dbsession, LtiAccount) == 0


def test_a_teacher_picks_videos_by_deep_linking(
    make_testapp, make_request, site, registered, admin, make_video, dbsession, lti_platform
):
    frame = make_testapp("a.test")
    # The teacher's first launch makes their account; they own two videos, a colleague one.
    first, _ = launch(frame, lti_platform, status=200, user="t-9", roles=[INSTRUCTOR])
    assert "its teacher chooses one" in first.text  # a launch naming no video says so, in the frame
    teacher = dbsession.scalars(select(User).join(LtiAccount, LtiAccount.user_id == User.id)).one()
    optics = make_video(site, teacher, "Optics, lecture 1", status="ready", access="public")
    waves = make_video(site, teacher, "Waves", status="ready", access="signed-in")
    others = make_video(site, admin, "Optics by someone else", status="ready")
    dl_launch = {"user": "t-9", "roles": [INSTRUCTOR], "deep_link_return": lti_platform.base + "/deep-link-return"}
    chooser, _ = launch(frame, lti_platform, status=200, **dl_launch)
    assert "Optics, lecture 1" in chooser.text and "Waves" in chooser.text and others.title not in chooser.text
    found = chooser.forms[0]
    found["q"] = "optics"
    found = found.submit()
    assert "Optics, lecture 1" in found.text and "Waves" not in found.text
    form = found.forms["lti-choose"]
    form["video"] = str(optics.id)
    form["graded"] = True
    answer = form.submit()
    assert f'action="{lti_platform.base}/deep-link-return"' in answer.text
    lti_platform.tool_keyset = frame.get("/lti/jwks.json").json
    items = lti_platform.accept_deep_link(re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1))
    assert items == [
        {
            "type": "ltiResourceLink",
            "title": "Optics, lecture 1",
            "url": "http://a.test/lti/launch",
            "custom": {"video": str(optics.id)},
            "lineItem": {"scoreMaximum": 100, "label": "Optics, lecture 1", "resourceId": str(optics.id)},
        }
    ]
    # The teacher's shared playlists and coming live events are offered too; their links open them.
    request = make_request(site, teacher)
    mix = Playlist(site_id=site.id, owner_id=teacher.id, title="Optics mix", visibility="unlisted", token="k" * 20)
    hidden = Playlist(site_id=site.id, owner_id=teacher.id, title="Drafts", visibility="private", token="d" * 20)
    dbsession.add_all([mix, hidden])
    dbsession.flush()
    event = live_api.create_event(request, [teacher], "Optics Q&A", ends_at=utcnow() + timedelta(hours=1))
    chooser, _ = launch(frame, lti_platform, status=200, **dl_launch)
    assert "Optics mix" in chooser.text and "Drafts" not in chooser.text and "Optics Q&amp;A" in chooser.text
    assert 'name="as"' not in chooser.text  # the activity chooser takes no HTML
    form = chooser.forms["lti-choose"]
    form["playlist"] = str(mix.id)
    form["live"] = str(event.id)
    items = returned(frame, lti_platform, form.submit())
    assert [(i["title"], i["custom"]) for i in items] == [
        ("Optics mix", {"playlist": str(mix.id)}),
        ("Optics Q&A", {"live": str(event.id)}),
    ]
    opened, _ = launch(frame, lti_platform, user="s-5", custom={"playlist": str(mix.id)})
    assert opened.location == f"http://a.test/playlists/{mix.id}/play?key={'k' * 20}"
    opened, _ = launch(frame, lti_platform, user="s-5", custom={"live": str(event.id)})
    assert opened.location == f"http://a.test/live/events/{event.id}"
    launch(frame, lti_platform, status=403, user="s-5", custom={"playlist": str(hidden.id)})
    # Moodle's editor accepts HTML: the video is framed in the text, its embed page.
    editor = {**dl_launch, "accept_types": ("ltiResourceLink", "html", "link")}
    form = launch(frame, lti_platform, status=200, **editor)[0].forms["lti-choose"]
    form["video"] = [str(optics.id)]
    form["as"] = "html"
    (item,) = returned(frame, lti_platform, form.submit())
    assert item["type"] == "html" and item["title"] == "Optics, lecture 1"
    assert item["html"].startswith(f'<iframe src="http://a.test/videos/{optics.id}/embed" title="Optics, lecture 1"')

    # Someone else's video, a private playlist, a forged token, a learner, a platform deleted since: refused.
    chooser, _ = launch(frame, lti_platform, status=200, **dl_launch)
    token = chooser.forms["lti-choose"]["dl"].value
    frame.post("/lti/deep-link", {"dl": token, "video": str(others.id)}, status=400)
    frame.post("/lti/deep-link", {"dl": token, "playlist": str(hidden.id)}, status=400)
    frame.post("/lti/deep-link", {"dl": token[:-2] + "00", "video": str(waves.id)}, status=400)
    launch(frame, lti_platform, status=403, **{**dl_launch, "user": "s-1", "roles": [LEARNER]})
    dbsession.delete(registered)
    dbsession.flush()
    frame.post("/lti/deep-link", {"dl": token, "video": str(waves.id)}, status=403)


def returned(frame, lti_platform, answer) -> list[dict]:
    """The content items of the tool's deep-linking answer, as the platform reads them."""
    lti_platform.tool_keyset = frame.get("/lti/jwks.json").json
    return lti_platform.accept_deep_link(re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1))


def test_a_launch_value_is_used_once_by_concurrent_clients(app, committed_site):
    """Two requests claim the same nonce at once (their own connections, committed data): one wins, on
    either database; an expired value is no value."""
    site_id, _owner = committed_site
    with worker_request() as request:
        DatabaseValues(request.dbsession, site_id).set_value("nonce-race", True, exp=60)
    barrier, won = threading.Barrier(2), []

    def claim():
        with worker_request() as request:
            values = DatabaseValues(request.dbsession, site_id)
            barrier.wait(timeout=10)
            won.append(values.claim("nonce-race"))

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(won) == [False, True]
    with worker_request() as request:
        values = DatabaseValues(request.dbsession, site_id)
        values.set_value("nonce-old", True, exp=60)
        request.dbsession.get(LtiValue, f"lti1p3-{site_id}-nonce-old").expires_at = utcnow() - timedelta(seconds=1)
        assert values.get_value("nonce-old") is None and not values.claim("nonce-old")
        assert sweep_values(request.dbsession) >= 1


def test_a_teacher_uploads_a_video_from_the_chooser_and_adds_it_at_once(
    make_testapp, make_request, site, registered, dbsession, lti_platform, tmp_path, monkeypatch, caplog
):
    """The chooser's upload form (no cookie: its token in the form's address) makes a draft of the teacher,
    its encode queued, listed and preselected; a learner's launch of it says it is being prepared. Bad
    uploads and bad tokens are refused with a clear message, and nothing is made."""
    frame = make_testapp("a.test")
    dl_launch = {"user": "t-7", "roles": [INSTRUCTOR], "deep_link_return": lti_platform.base + "/deep-link-return"}
    chooser, _ = launch(frame, lti_platform, status=200, **dl_launch)
    assert '<label for="lti-file">Video or audio file</label>' in chooser.text
    assert '<label for="lti-title">Title</label>' in chooser.text and 'enctype="multipart/form-data"' in chooser.text
    clip = make_clip(tmp_path, "clip.mp4", seconds=1, size="160x120").read_bytes()
    form = chooser.forms["lti-upload"]
    form["file"] = Upload("C:\\Users\\ana\\../Optique, cours 2.mp4", clip, "video/mp4")
    answer = form.submit(status=303)
    video = dbsession.scalar(select(Video).where(Video.title == "Optique, cours 2"))
    teacher = dbsession.get(User, video.owner_id)
    assert (video.status, video.access, [g.source for g in video.allowed_groups]) == ("uploaded", "groups", ["moodle"])
    assert teacher.can_upload and dbsession.scalar(select(Job.kind).where(Job.video_id == video.id)) == "encode"
    source = dbsession.scalar(select(MediaFile).where(MediaFile.video_id == video.id))
    assert (source.kind, source.rendition, source.size) == ("source", ".mp4", len(clip))
    shown = answer.follow()
    assert f'name="video" value="{video.id}" checked> Optique, cours 2 (Uploaded, waiting' in shown.text
    assert "is uploaded and preselected below" in shown.text
    (item,) = returned(frame, lti_platform, shown.forms["lti-choose"].submit())
    assert item["custom"] == {"video": str(video.id)}
    opened, _ = launch(frame, lti_platform, status=200, user="s-3", roles=[LEARNER], custom=item["custom"])
    assert "This video is being prepared" in opened.text and "Optique, cours 2" in opened.text

    # Shown in the text (the editor), its frame would show readers nothing yet: refused, said so.
    editor = {**dl_launch, "accept_types": ("ltiResourceLink", "html")}
    form = launch(frame, lti_platform, status=200, **editor)[0].forms["lti-choose"]
    form["video"] = [str(video.id)]
    form["as"] = "html"
    assert "cannot be shown in the text yet" in form.submit(status=400).text

    # A title typed is kept (escaped); who may watch it is the teacher's choice.
    form = shown.forms["lti-upload"]
    form["file"] = Upload("clip.mp4", clip, "video/mp4")
    form["title"] = "<script>alert(1)</script> TD"
    form["access"] = "signed-in"
    shown = form.submit(status=303).follow()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; TD" in shown.text and "<script>alert" not in shown.text
    assert dbsession.scalar(select(Video.access).where(Video.title.startswith("<script>"))) == "signed-in"

    # Refused: an empty file, a file that is not media, a file past the site's limit, no file; a forged,
    # missing or expired token, a learner's token. Each says why; nothing is made.
    videos = count(dbsession, Video)
    token = shown.forms["lti-choose"]["dl"].value
    action = f"/lti/deep-link/upload?dl={token}"
    text = make_text_file(tmp_path).read_bytes()
    for name, body, status, said in [
        ("empty.mp4", b"", 400, "The file is empty."),
        ("notes.mp4", text, 400, "This file is not a video or an audio file that Amphi can read."),
        ("", b"", 400, "Choose a video or audio file."),
    ]:
        refused = frame.post(action, {"access": "public"}, upload_files=[("file", name, body)], status=status)
        assert said in refused.text and 'role="alert"' in refused.text, name
    site.upload_max_size = 2000
    dbsession.flush()
    refused = frame.post(action, {"access": "public"}, upload_files=[("file", "big.mp4", clip)], status=413)
    assert "bigger than this site accepts" in refused.text
    refused = frame.post(action, {"access": "public"}, upload_files=[("file", "big.mp4", bytes(20_000))], status=413)
    assert "bigger than this site accepts" in refused.text  # said before the body is read
    frame.post(action.replace("?dl=", "?dl=x"), upload_files=[("file", "a.mp4", clip)], status=400)
    frame.post("/lti/deep-link/upload", upload_files=[("file", "a.mp4", clip)], status=400)
    payload = json.loads(base64.urlsafe_b64decode(token.partition(".")[0]))
    request = make_request(site)
    platform = dbsession.get(LtiPlatform, payload["p"])
    monkeypatch.setattr(deep_linking, "CHOOSER_SECONDS", -1)
    expired = deep_linking.chooser_token(request, teacher, platform, payload["l"])
    assert "expired" in frame.post(f"/lti/deep-link/upload?dl={expired}", status=403).text
    monkeypatch.setattr(deep_linking, "CHOOSER_SECONDS", 3600)
    learner = dbsession.scalar(
        select(User).join(LtiAccount, LtiAccount.user_id == User.id).where(LtiAccount.sub == "s-3")
    )
    learners = deep_linking.chooser_token(request, learner, platform, payload["l"])
    frame.post(f"/lti/deep-link/upload?dl={learners}", upload_files=[("file", "a.mp4", clip)], status=403)
    assert count(dbsession, Video) == videos
    assert len([r for r in caplog.records if "LTI chooser upload refused" in r.getMessage()]) == 5
