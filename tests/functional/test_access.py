"""The core's video access rules, as a matrix (the catalogue issue extends it)."""

import pytest

from core.access.security import unlock_video, video_permits
from core.catalogue.listing import list_visible


@pytest.fixture
def people(site, make_site, make_user, dbsession):
    from core.models import Group

    other_site = make_site("b")
    group = Group(site_id=site.id, name="l3-info", title="L3 Informatique")
    member = make_user(site, "member")
    member.groups.append(group)
    dbsession.add(group)
    dbsession.flush()
    return {
        "anonymous": None,
        "user": make_user(site, "user"),
        "member": member,
        "owner": make_user(site, "owner", role="staff"),
        "co-owner": make_user(site, "coowner", role="staff"),
        "site admin": make_user(site, "admin", role="site-admin"),
        "other site's admin": make_user(other_site, "admin", role="site-admin"),
        "_group": group,
    }


ACCESS = {  # access level -> who may view a ready video
    # Another site's account counts as nobody here: it sees what anonymous sees.
    "public": {"anonymous", "user", "member", "owner", "co-owner", "site admin", "other site's admin"},
    "signed-in": {"user", "member", "owner", "co-owner", "site admin"},
    "groups": {"member", "owner", "co-owner", "site admin"},
    "password": {"owner", "co-owner", "site admin"},
    "draft": {"owner", "co-owner", "site admin"},
}


@pytest.mark.parametrize("access", sorted(ACCESS))
def test_view_matrix(access, people, site, make_video, make_request):
    video = make_video(site, people["owner"], access=access, status="ready")
    video.additional_owners.append(people["co-owner"])
    video.allowed_groups.append(people["_group"])
    for who, user in people.items():
        if who.startswith("_"):
            continue
        request = make_request(site, user)
        assert video_permits(request, video, "view") == (who in ACCESS[access]), (access, who)
        listed = video in list_visible(request)
        # Password-protected videos are listed to everyone; their media needs the password.
        assert listed == (who in ACCESS[access] or access == "password"), (access, who)


def test_only_owners_and_admins_edit(people, site, make_video, make_request):
    video = make_video(site, people["owner"], access="public", status="ready")
    video.additional_owners.append(people["co-owner"])
    editors = {
        who
        for who, user in people.items()
        if not who.startswith("_") and video_permits(make_request(site, user), video, "edit")
    }
    assert editors == {"owner", "co-owner", "site admin"}


def test_a_video_that_is_not_ready_is_visible_to_its_owners_only(people, site, make_video, make_request):
    video = make_video(site, people["owner"], access="public", status="processing")
    assert not video_permits(make_request(site, people["user"]), video, "view")
    assert video_permits(make_request(site, people["owner"]), video, "view")


def test_the_password_unlocks_for_the_session(people, site, make_video, make_request):
    video = make_video(site, people["owner"], access="password", status="ready")
    request = make_request(site, people["user"])
    request.session = {}
    assert not video_permits(request, video, "view")
    unlock_video(request, video)
    assert video_permits(request, video, "view")


class DenyEverything:
    from core import hookimpl

    @hookimpl
    def amphi_permits(self, request, video, permission):
        return False


class GrantEverything:
    from core import hookimpl

    @hookimpl
    def amphi_permits(self, request, video, permission):
        return True


def test_a_plugin_may_grant_or_deny(people, site, make_video, make_request, register_plugin):
    video = make_video(site, people["owner"], access="draft", status="ready")
    register_plugin(GrantEverything(), "grant")
    site.enabled_plugins = site.enabled_plugins + ["grant"]
    assert video_permits(make_request(site, people["user"]), video, "view")
    register_plugin(DenyEverything(), "deny")
    site.enabled_plugins = site.enabled_plugins + ["deny"]
    # A False from any plugin wins, even against the owner.
    assert not video_permits(make_request(site, people["owner"]), video, "view")
    assert video not in list_visible(make_request(site, people["owner"]))


def test_a_plugin_disabled_on_the_site_is_not_asked(people, site, make_video, make_request, register_plugin):
    video = make_video(site, people["owner"], access="public", status="ready")
    register_plugin(DenyEverything(), "deny")
    assert video_permits(make_request(site, None), video, "view")


def test_a_future_publication_date_hides_the_video_from_all_but_owners(people, site, make_video, make_request):
    from datetime import timedelta

    from core.models import utcnow

    video = make_video(site, people["owner"], access="public", status="ready", publish_at=utcnow() + timedelta(days=1))
    video.additional_owners.append(people["co-owner"])
    see = {
        who
        for who, user in people.items()
        if not who.startswith("_") and video_permits(make_request(site, user), video, "view")
    }
    listed = {
        who
        for who, user in people.items()
        if not who.startswith("_") and video in list_visible(make_request(site, user))
    }
    assert see == listed == {"owner", "co-owner", "site admin"}
    video.publish_at = utcnow() - timedelta(minutes=1)
    assert video_permits(make_request(site, None), video, "view")
    assert video in list_visible(make_request(site, None))


def test_a_share_link_opens_a_draft_until_it_is_revoked(people, site, make_video, make_request, dbsession):
    from core.access.security import open_share_link
    from core.access.tokens import token_hash
    from core.models import ShareLink

    video = make_video(site, people["owner"], access="draft", status="ready")
    link = ShareLink(video_id=video.id, token_hash=token_hash("t" * 32))
    other = make_video(site, people["owner"], access="draft", status="ready")
    video.share_links.append(link)
    dbsession.flush()
    request = make_request(site, None)
    request.session = {}
    open_share_link(request, link)
    assert video_permits(request, video, "view")
    assert not video_permits(request, video, "edit")
    assert not video_permits(request, other, "view")  # one link, one video
    assert video not in list_visible(request)  # a share link never lists the video
    video.share_links.remove(link)
    dbsession.flush()
    assert not video_permits(request, video, "view")


def test_a_share_link_does_not_beat_the_publication_date(people, site, make_video, make_request, dbsession):
    from datetime import timedelta

    from core.access.security import open_share_link
    from core.access.tokens import token_hash
    from core.models import ShareLink, utcnow

    video = make_video(site, people["owner"], access="public", status="ready", publish_at=utcnow() + timedelta(hours=1))
    link = ShareLink(video_id=video.id, token_hash=token_hash("u" * 32))
    video.share_links.append(link)
    dbsession.flush()
    request = make_request(site, None)
    request.session = {}
    open_share_link(request, link)
    assert not video_permits(request, video, "view")


def test_only_the_main_owner_and_admins_delete(people, site, make_video, make_request):
    video = make_video(site, people["owner"], access="public", status="ready")
    video.additional_owners.append(people["co-owner"])
    deleters = {
        who
        for who, user in people.items()
        if not who.startswith("_") and video_permits(make_request(site, user), video, "delete")
    }
    assert deleters == {"owner", "site admin"}


def test_a_new_password_locks_every_session_again(people, site, make_video, make_request):
    from core.catalogue.metadata import set_access

    video = make_video(site, people["owner"], status="ready")
    set_access(video, "password", password="first secret")
    request = make_request(site, people["user"])
    request.session = {}
    unlock_video(request, video)
    assert video_permits(request, video, "view")
    set_access(video, "password", password="second secret")
    assert not video_permits(request, video, "view")
