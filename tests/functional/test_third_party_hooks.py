"""The hooks no built-in plugin implements (``core.hookspecs.THIRD_PARTY_HOOKS``), each called through a test plugin."""

import pytest
from sqlalchemy import select

from core import hookimpl
from core.models import MediaFile, User
from core.platform.ui import PlayerTrack

SERVICE_TRACK = "https://captions.example/lecture-1.vtt"


class RemoteUser:
    """Believes a header set by the web server in front (``REMOTE_USER`` style sign-in)."""

    @hookimpl
    def amphi_identify(self, request):
        username = request.headers.get("X-Remote-User")
        if not username:
            return None
        return request.dbsession.scalar(select(User).where(User.username == username))


class SignInWitness:
    def __init__(self):
        self.calls = []

    @hookimpl
    def amphi_user_signed_in(self, request, user, attributes):
        self.calls.append((user.username, request.user, dict(attributes)))


class CaptionService:
    """Offers a track kept by an outside captioning service."""

    @hookimpl
    def amphi_player_tracks(self, request, video):
        return [PlayerTrack(kind="captions", language="fr", label="Service", url=SERVICE_TRACK)]


@pytest.fixture
def ana(site, make_user):
    return make_user(site, "ana", role="staff", password="correct horse battery")


def enable(site, register_plugin, plugin, name):
    register_plugin(plugin, name)
    site.enabled_plugins = site.enabled_plugins + [name]


def test_amphi_identify_names_the_user_of_a_request_without_a_session(testapp, ana, site, register_plugin):
    enable(site, register_plugin, RemoteUser(), "remote_user")
    me = testapp.get("/api/me", headers={"X-Remote-User": "ana"}).json
    assert me["username"] == "ana"
    assert testapp.get("/api/me").json == {"authenticated": False}


def test_amphi_identify_cannot_name_a_user_of_another_site_or_a_disabled_one(
    testapp, ana, site, make_site, make_user, register_plugin
):
    enable(site, register_plugin, RemoteUser(), "remote_user")
    make_user(make_site("b"), "bob", password="correct horse battery")
    assert testapp.get("/api/me", headers={"X-Remote-User": "bob"}).json == {"authenticated": False}
    ana.is_active = False
    assert testapp.get("/api/me", headers={"X-Remote-User": "ana"}).json == {"authenticated": False}


def test_amphi_identify_is_not_asked_where_its_plugin_is_off(testapp, ana, register_plugin):
    register_plugin(RemoteUser(), "remote_user")
    assert testapp.get("/api/me", headers={"X-Remote-User": "ana"}).json == {"authenticated": False}


def test_amphi_user_signed_in_hears_every_sign_in_once_the_session_is_open(testapp, ana, site, register_plugin):
    witness = SignInWitness()
    enable(site, register_plugin, witness, "witness")
    testapp.sign_in("ana", "correct horse battery")
    ((username, request_user, attributes),) = witness.calls
    assert username == "ana" and request_user is not None and request_user.username == "ana"
    assert attributes["username"] == ["ana"]


def test_amphi_user_signed_in_is_not_called_where_its_plugin_is_off(testapp, ana, register_plugin):
    witness = SignInWitness()
    register_plugin(witness, "witness")
    testapp.sign_in("ana", "correct horse battery")
    assert witness.calls == []


def test_amphi_player_tracks_reach_the_player_and_the_api(testapp, ana, site, make_video, register_plugin, dbsession):
    video = make_video(site, ana, access="public", status="ready")
    video.files.append(MediaFile(kind="hls-master", key=f"videos/{video.id}/hls/master.m3u8"))  # the player shows
    dbsession.flush()
    assert SERVICE_TRACK not in testapp.get(f"/videos/{video.id}").text
    enable(site, register_plugin, CaptionService(), "caption_service")
    assert f'src="{SERVICE_TRACK}"' in testapp.get(f"/videos/{video.id}").text
    listed = testapp.get(f"/api/v1/videos/{video.id}/tracks").json["items"]
    assert {"kind": "captions", "language": "fr", "label": "Service", "url": SERVICE_TRACK, "default": False} in listed
