"""Channels and themes: who sees and keeps them, their pages, the edit page and dashboard, the home page's
blocks, feeds and the API — and never a video the visitor may not see."""

import re

import feedparser
import pytest
from sqlalchemy import select

from core.models import Channel, Group, Theme

PASSWORD = "a good password 1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def people(site, make_user, dbsession):
    group = Group(site_id=site.id, name="l3", title="L3")
    member = make_user(site, "member", password=PASSWORD)
    member.groups.append(group)
    dbsession.add(group)
    dbsession.flush()
    return {
        "admin": make_user(site, "boss", role="site-admin", password=PASSWORD),
        "manager": make_user(site, "manager", role="staff", password=PASSWORD),
        "prof": make_user(site, "prof", role="staff", password=PASSWORD),
        "student": make_user(site, "student", password=PASSWORD),
        "member": member,
        "group": group,
    }


@pytest.fixture
def catalogue(site, people, make_video, dbsession):
    """A public channel (kept by manager) with nested themes, a signed-in and a hidden channel; prof's videos:
    public, draft and group-restricted ones in the public channel and its theme."""
    maths = Channel(
        site_id=site.id,
        slug="maths",
        title="Maths <b>vives</b>",
        featured=True,
        description="**Analyse** et <script>alert(1)</script>",
    )
    maths.managers.append(people["manager"])
    analyse = Theme(slug="analyse", title="Analyse")
    maths.themes.append(analyse)
    maths.themes.append(Theme(slug="integrales", title="Intégrales", parent=analyse))
    campus = Channel(site_id=site.id, slug="campus", title="Campus", visibility="signed-in")
    jury = Channel(site_id=site.id, slug="jury", title="Jury", visibility="hidden")
    jury.managers.append(people["manager"])
    dbsession.add_all([maths, campus, jury])
    dbsession.flush()
    prof = people["prof"]
    videos = {
        "public": make_video(
            site, prof, "Limites", status="ready", access="public", channels=[maths], themes=[analyse]
        ),
        "draft": make_video(
            site, prof, "Brouillon secret", status="ready", access="draft", channels=[maths], themes=[analyse]
        ),
        "groups": make_video(
            site,
            prof,
            "Réservé L3",
            status="ready",
            access="groups",
            channels=[maths],
            themes=[analyse],
            allowed_groups=[people["group"]],
        ),
        "outside": make_video(site, prof, "Hors chaîne", status="ready", access="public"),
    }
    dbsession.flush()
    return {"maths": maths, "campus": campus, "jury": jury, "analyse": analyse, "videos": videos}


def browser(make_testapp, username=None):
    app = make_testapp("a.test")
    if username:
        app.sign_in(username, PASSWORD)
    return app


def listed(page) -> set[str]:
    return set(re.findall(r'<a class="card-link" href="http://a\.test/videos/\d+">([^<]*)</a>', page.text))


# --- seeing channels ------------------------------------------------------------------------------


def test_visibility_of_channel_pages(catalogue, make_testapp, make_site):
    anonymous, student, manager, admin = (browser(make_testapp, who) for who in (None, "student", "manager", "boss"))
    for app, seen in (
        (anonymous, {"maths"}),
        (student, {"maths", "campus"}),
        (manager, {"maths", "campus", "jury"}),
        (admin, {"maths", "campus", "jury"}),
    ):
        for slug in ("maths", "campus", "jury"):
            app.get(f"/channels/{slug}", status=200 if slug in seen else 404)
        names = set(re.findall(r'href="http://a\.test/channels/([a-z-]+)"', app.get("/channels").text))
        assert names == seen
    make_site("b")
    elsewhere = make_testapp("b.test")
    elsewhere.get("/channels/maths", status=404)  # another site's channel
    elsewhere.get("/channels/maths/themes/analyse", status=404)
    elsewhere.get("/feeds/channels/maths.xml", status=404)
    elsewhere.get(f"/api/v1/channels/{catalogue['maths'].id}", status=404)
    elsewhere.get(f"/api/v1/themes/{catalogue['analyse'].id}", status=404)
    assert "maths" not in elsewhere.get("/channels").text
    assert elsewhere.get("/api/v1/channels").json["total"] == 0


def test_a_channel_and_a_theme_show_only_what_the_visitor_may_see(catalogue, make_testapp):
    anonymous = browser(make_testapp)
    page = anonymous.get("/channels/maths")
    assert listed(page) == {"Limites"}
    assert "Maths &lt;b&gt;vives&lt;/b&gt;" in page.text and "<strong>Analyse</strong>" in page.text
    assert "<script>alert" not in page.text
    assert 'href="http://a.test/channels/maths/themes/analyse"' in page.text  # the theme tree
    assert 'href="http://a.test/channels/maths/themes/integrales"' in page.text
    assert listed(browser(make_testapp, "member").get("/channels/maths")) == {"Limites", "Réservé L3"}
    assert listed(browser(make_testapp, "prof").get("/channels/maths")) == {"Limites", "Brouillon secret", "Réservé L3"}
    theme = anonymous.get("/channels/maths/themes/analyse")
    assert listed(theme) == {"Limites"} and "Intégrales" in theme.text and 'aria-current="page"' in theme.text
    sub = anonymous.get("/channels/maths/themes/integrales")
    assert 'href="http://a.test/channels/maths/themes/analyse">Analyse</a>' in sub.text  # breadcrumb
    anonymous.get("/channels/maths/themes/nothing", status=404)
    anonymous.get("/channels/jury/themes/analyse", status=404)


@pytest.mark.parametrize("walk", [True, False])  # a big channel walked newest first, a small one sorted
def test_channel_pages_are_paginated(site, catalogue, people, make_video, make_testapp, dbsession, monkeypatch, walk):
    if walk:
        monkeypatch.setattr("core.catalogue.listing.WALK_FROM", 1)
        monkeypatch.setattr("core.catalogue.listing.WALK_RATIO", 0)
    for n in range(26):
        make_video(
            site, people["prof"], f"Séance {n:02d}", status="ready", access="public", channels=[catalogue["maths"]]
        )
    dbsession.flush()
    anonymous = browser(make_testapp)
    first = anonymous.get("/channels/maths")
    assert len(listed(first)) == 24 and 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = anonymous.get("/channels/maths?page=2")
    assert len(listed(second)) == 3 and 'rel="prev"' in second.text and 'rel="next"' not in second.text
    assert listed(first) | listed(second) == {f"Séance {n:02d}" for n in range(26)} | {"Limites"}
    assert "Séance 25" in listed(first) and "Limites" in listed(second)  # newest first


def test_the_video_page_names_only_channels_the_visitor_may_see(
    site, catalogue, people, make_video, make_testapp, dbsession
):
    video = catalogue["videos"]["public"]
    video.channels.append(catalogue["jury"])
    dbsession.flush()
    page = browser(make_testapp).get(f"/videos/{video.id}")
    assert 'href="http://a.test/channels/maths"' in page.text and "/channels/jury" not in page.text
    assert 'href="http://a.test/channels/maths/themes/analyse"' in page.text
    assert "/channels/jury" in browser(make_testapp, "manager").get(f"/videos/{video.id}").text
    assert 'href="http://a.test/feeds/channels/maths.xml"' in page.text  # the feeds panel
    assert "/feeds/channels/jury.xml" not in page.text


@pytest.fixture
def l3_channel(site, people, catalogue, make_request, make_video, dbsession):
    """A channel for the members of the group l3 (kept by manager), featured, with a theme and a banner; prof's
    videos in it: public, draft, and one for another group (m1, student's) — being in the channel opens none of
    them, and watching one of its videos opens no channel."""
    import io
    from types import SimpleNamespace

    from core.catalogue.channel_forms import save_banner

    l3 = Channel(site_id=site.id, slug="l3only", title="Réservée L3", visibility="groups", featured=True)
    l3.allowed_groups.append(people["group"])
    l3.managers.append(people["manager"])
    td = Theme(slug="td", title="Travaux dirigés")
    l3.themes.append(td)
    m1 = Group(site_id=site.id, name="m1", title="M1")
    people["student"].groups.append(m1)  # a member of another group: no key to this channel
    dbsession.add_all([l3, m1])
    dbsession.flush()
    save_banner(make_request(site), l3, SimpleNamespace(file=io.BytesIO(PNG)))
    prof = people["prof"]
    for title, access, groups in (
        ("Ouvert L3", "public", []),
        ("Brouillon L3", "draft", []),
        ("Pour M1", "groups", [m1]),
    ):
        make_video(site, prof, title, status="ready", access=access, channels=[l3], themes=[td], allowed_groups=groups)
    dbsession.flush()
    return l3


def token_of(make_request, site, user) -> dict:
    from core.access.tokens import create_token

    return {"Authorization": f"Bearer {create_token(make_request(site), user, 't', 'read', 0)[1]}"}


#: Who sees the channel l3only, and which of its videos each one finds on its page.
L3_SEEN = {
    None: None,
    "student": None,
    "prof": None,
    "member": {"Ouvert L3"},
    "manager": {"Ouvert L3"},
    "boss": {"Ouvert L3", "Brouillon L3", "Pour M1"},
}


@pytest.mark.parametrize("who", list(L3_SEEN))
def test_a_groups_channel_shows_to_its_groups_managers_and_admins_only(l3_channel, make_testapp, who):
    app, sees, slug = browser(make_testapp, who), L3_SEEN[who] is not None, "l3only"
    theme_id = l3_channel.themes[0].id
    for path in (
        f"/channels/{slug}",
        f"/channels/{slug}/themes/td",
        f"/channels/{slug}/banner",
        f"/feeds/channels/{slug}.xml",
        f"/feeds/channels/{slug}/themes/td.xml",
        f"/api/v1/channels/{l3_channel.id}",
        f"/api/v1/channels/{l3_channel.id}/themes",
        f"/api/v1/themes/{theme_id}",
    ):
        assert app.get(path, status="*").status_int == (200 if sees else 404), (who, path)
    listing = set(re.findall(r'href="http://a\.test/channels/([a-z0-9-]+)"', app.get("/channels").text))
    assert (slug in listing) == sees
    assert (slug in [c["slug"] for c in app.get("/api/v1/channels").json["items"]]) == sees
    assert ('href="http://a.test/channels/l3only"' in app.get("/").text) == sees  # the featured channels block
    assert (f'<option value="{slug}">' in app.get("/videos").text) == sees  # the browse page's channel filter
    if sees:
        page = app.get(f"/channels/{slug}")
        assert listed(page) == L3_SEEN[who]  # the channel never opens a video
        assert ("Only the members of l3, its managers" in page.text) == (who in ("manager", "boss"))
        assert listed(app.get(f"/channels/{slug}/themes/td")) == L3_SEEN[who]
        assert listed(app.get(f"/videos?channel={slug}")) == L3_SEEN[who]
    else:
        assert listed(app.get(f"/videos?channel={slug}")) == set()
        assert app.get(f"/api/v1/videos?channel={slug}").json["items"] == []


def test_a_groups_channel_is_named_to_members_only_on_video_pages_and_dashboards(
    site, l3_channel, people, make_testapp, dbsession
):
    from core.models import Video

    ouvert = dbsession.scalar(select(Video).where(Video.site_id == site.id, Video.title == "Ouvert L3"))
    page = browser(make_testapp, "student").get(f"/videos/{ouvert.id}").text
    assert "/channels/l3only" not in page and "Réservée L3" not in page
    assert "/channels/l3only" in browser(make_testapp, "member").get(f"/videos/{ouvert.id}").text
    api = make_testapp("a.test")
    assert api.get(f"/api/v1/videos/{ouvert.id}").json["channels"] == []
    # prof owns the videos but is no member: "My videos" neither offers nor filters by the channel.
    prof = browser(make_testapp, "prof")
    assert 'value="l3only"' not in prof.get("/my/videos").text
    assert "Ouvert L3" not in prof.get("/my/videos?channel=l3only").text
    people["prof"].groups.append(people["group"])
    dbsession.flush()
    assert 'value="l3only"' in prof.get("/my/videos").text
    assert "Ouvert L3" in prof.get("/my/videos?channel=l3only").text


def test_a_groups_channel_to_users_of_another_site_and_groups_from_a_plugin(
    site, l3_channel, people, make_site, make_user, make_testapp, make_request, register_plugin, dbsession
):
    from core import hookimpl

    # Another site with a group of the same name and a member of it: a stranger to this site's channel.
    other = make_site("b")
    stranger = make_user(other, "member", password=PASSWORD)
    stranger.groups.append(Group(site_id=other.id, name="l3"))
    dbsession.flush()
    elsewhere = make_testapp("b.test")
    elsewhere.sign_in("member", PASSWORD)
    for path in ("/channels/l3only", "/channels/l3only/banner", f"/api/v1/channels/{l3_channel.id}"):
        elsewhere.get(path, status=404)
    assert "l3only" not in elsewhere.get("/channels").text
    foreign = token_of(make_request, other, stranger)  # b's token sent to a: refused, and never a member here
    assert make_testapp("a.test").get(f"/api/v1/channels/{l3_channel.id}", headers=foreign, status="*").status_int in (
        401,
        404,
    )

    class Directory:  # an identity plugin that says student belongs to l3 (amphi_user_groups)
        @hookimpl
        def amphi_user_groups(self, user):
            return ["l3"] if user.username == "student" else []

    register_plugin(Directory(), "directory")
    site.enabled_plugins = sorted([*site.enabled_plugins, "directory"])
    dbsession.flush()
    student = browser(make_testapp, "student")
    student.get("/channels/l3only", status=200)
    assert "l3only" in student.get("/channels").text


def test_groups_are_chosen_with_errors_beside_the_field(site, catalogue, people, make_testapp, dbsession):
    admin = browser(make_testapp, "boss")
    page = admin.get("/admin/channels")
    assert "<legend>Groups whose members see this channel" in page.text
    assert f'id="channel-group-{people["group"].id}" name="group_ids"' in page.text
    token = admin.csrf_token("/admin/channels")
    form = {"csrf_token": token, "title": "Tutorat", "visibility": "groups", "description": "Gardée"}
    bad = admin.post("/admin/channels", form, status=400)
    assert re.search(
        r'<fieldset class="field" aria-invalid="true" aria-describedby="channel-group_ids-error">'
        r"<legend>Groups",
        bad.text,
    )
    assert 'id="channel-group_ids-error">Choose at least one group.<' in bad.text
    assert 'value="Gardée"' not in bad.text and ">Gardée</textarea>" in bad.text  # nothing lost
    admin.post("/admin/channels", {**form, "group_ids": "999999"}, status=400)
    created = admin.post("/admin/channels", {**form, "group_ids": str(people["group"].id)})
    assert created.status_int == 302
    tutorat = dbsession.scalar(select(Channel).where(Channel.site_id == site.id, Channel.slug == "tutorat"))
    assert tutorat.allowed_groups == [people["group"]]
    edit = admin.get("/channels/tutorat/edit").text
    assert f'id="channel-group-{people["group"].id}" name="group_ids" value="{people["group"].id}" checked' in edit
    # Made public, the channel forgets its groups; the manager may choose them again.
    admin.post(
        "/channels/tutorat/edit",
        {
            "csrf_token": token,
            "action": "save",
            "title": "Tutorat",
            "slug": "tutorat",
            "visibility": "public",
            "group_ids": str(people["group"].id),
        },
    )
    assert tutorat.allowed_groups == []


def test_the_api_reads_and_sets_a_channels_groups(site, l3_channel, people, make_testapp, make_request):
    api = make_testapp("a.test")
    admin, manager, member = (token_for(make_request, site, people[n]) for n in ("admin", "manager", "member"))
    url = f"/api/v1/channels/{l3_channel.id}"
    assert api.get(url, headers=manager).json["groups"] == ["l3"]
    seen = api.get(url, headers=member).json
    assert seen["visibility"] == "groups" and "groups" not in seen  # members see the channel, not who else does
    bad = api.post_json("/api/v1/channels", {"title": "Club", "visibility": "groups"}, headers=admin, status=400)
    assert set(bad.json["info"]["fields"]) == {"group_ids"}
    unknown = api.post_json(
        "/api/v1/channels", {"title": "Club", "visibility": "groups", "groups": ["nobody"]}, headers=admin, status=400
    )
    assert "nobody" in unknown.json["message"] or "nobody" in str(unknown.json["info"])
    api.post_json("/api/v1/channels", {"title": "Club", "groups": "l3"}, headers=admin, status=400)
    club = api.post_json(
        "/api/v1/channels", {"title": "Club", "visibility": "groups", "groups": ["l3"]}, headers=admin, status=201
    ).json
    assert club["groups"] == ["l3"]
    assert api.patch_json(url, {"groups": ["l3", "m1"]}, headers=manager).json["groups"] == ["l3", "m1"]
    assert api.patch_json(url, {"visibility": "signed-in"}, headers=manager).json["groups"] == []


# --- keeping channels ----------------------------------------------------------------------------


def test_site_admins_create_channels_with_errors_beside_fields(catalogue, make_testapp):
    admin = browser(make_testapp, "boss")
    token = admin.csrf_token("/admin/channels")
    bad = admin.post(
        "/admin/channels",
        {"csrf_token": token, "title": "", "slug": "Bad Slug", "managers": "ghost", "visibility": "public"},
        status=400,
    )
    assert 'id="channel-title-error"' in bad.text and 'id="channel-slug-error"' in bad.text
    assert "ghost" in re.search(r'id="channel-managers-error">([^<]*)<', bad.text).group(1)
    taken = admin.post(
        "/admin/channels", {"csrf_token": token, "title": "Autre", "slug": "maths", "visibility": "public"}, status=400
    )
    assert "This address is taken already." in taken.text
    created = admin.post(
        "/admin/channels",
        {
            "csrf_token": token,
            "title": "Physique quantique",
            "managers": "prof",
            "visibility": "signed-in",
            "featured": "on",
            "position": "3",
        },
    )
    assert created.location == "http://a.test/channels/physique-quantique/edit?saved=1"
    assert "Physique quantique" in admin.get("/admin/channels").text
    browser(make_testapp, "manager").get("/admin/channels", status=403)
    assert "/login" in browser(make_testapp).get("/admin/channels", status=302).location


def test_managers_keep_their_channel_and_its_themes(catalogue, make_testapp, dbsession):
    manager = browser(make_testapp, "manager")
    page = manager.get("/channels/maths/edit")
    assert 'name="managers"' not in page.text  # only site admins change the managers
    token = manager.csrf_token("/channels/maths/edit")
    manager.post(
        "/channels/maths/edit",
        {
            "csrf_token": token,
            "action": "save",
            "title": "Maths",
            "slug": "maths",
            "description": "Nouvelle",
            "visibility": "public",
            "managers": "student",
        },
    )
    maths = catalogue["maths"]
    assert (maths.title, maths.description, [m.username for m in maths.managers]) == ("Maths", "Nouvelle", ["manager"])
    added = manager.post(
        "/channels/maths/edit",
        {"csrf_token": token, "action": "add-theme", "title": "Séries", "parent_id": str(catalogue["analyse"].id)},
    )
    assert added.status_int == 302
    series = next(t for t in maths.themes if t.slug == "series")
    assert series.parent is catalogue["analyse"]
    refused = manager.post(
        "/channels/maths/edit", {"csrf_token": token, "action": "add-theme", "title": ""}, status=400
    )
    assert 'id="theme-title-error"' in refused.text
    loop = manager.post(
        "/channels/maths/themes/analyse/edit",
        {"csrf_token": token, "title": "Analyse", "slug": "analyse", "parent_id": str(series.id)},
        status=400,
    )
    assert 'id="theme-parent_id-error"' in loop.text  # a theme cannot go under its own sub-theme
    manager.post("/channels/maths/themes/analyse/delete", {"csrf_token": token})
    assert [t.slug for t in maths.themes] == []  # with the themes under it
    assert len(catalogue["videos"]["public"].channels) == 1  # its videos stay in the channel
    manager.get("/channels/maths/delete", status=403)  # deleting is for site admins
    student = browser(make_testapp, "student")
    student.get("/channels/maths/edit", status=403)
    student.get("/channels/jury/edit", status=404)


def test_site_admins_delete_a_channel_its_videos_stay(catalogue, make_testapp, dbsession):
    admin = browser(make_testapp, "boss")
    assert "Delete the channel for good" in admin.get("/channels/maths/delete").text
    token = admin.csrf_token("/channels/maths/delete")
    gone = admin.post("/channels/maths/delete", {"csrf_token": token})
    assert gone.location.startswith("http://a.test/admin/channels?deleted=")
    admin.get("/channels/maths", status=404)
    dbsession.expire_all()
    assert catalogue["videos"]["public"].channels == []


def test_the_banner_is_checked_stored_and_served_to_those_who_may_see_the_channel(catalogue, make_testapp):
    manager = browser(make_testapp, "manager")
    token = manager.csrf_token("/channels/jury/edit")
    bad = manager.post(
        "/channels/jury/edit",
        {"csrf_token": token, "action": "banner"},
        upload_files=[("banner", "x.png", b"<svg onload=alert(1)>")],
        status=400,
    )
    assert "A PNG, JPEG or GIF image is needed." in bad.text
    manager.post(
        "/channels/jury/edit", {"csrf_token": token, "action": "banner"}, upload_files=[("banner", "b.png", PNG)]
    )
    served = manager.get("/channels/jury/banner")
    assert served.body == PNG and served.content_type == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    browser(make_testapp).get("/channels/jury/banner", status=404)
    browser(make_testapp).get("/channels/maths/banner", status=404)  # none uploaded
    key = catalogue["jury"].banner_key
    manager.post("/channels/jury/edit", {"csrf_token": token, "action": "remove-banner"})
    assert catalogue["jury"].banner_key == ""
    manager.get("/channels/jury/banner", status=404)
    assert key.startswith(f"sites/{catalogue['jury'].site_id}/channels/{catalogue['jury'].id}/banner-")


# --- ordering channels and themes -------------------------------------------------------------------


def order_on_page(page) -> list[str]:
    return re.findall(
        r'<tr id="channel-\d+" data-reorder-item="\d+"[^>]*>\s*<td>.*?</td>\s*<th scope="row"><a [^>]*>'
        r"([^<]*)</a>",
        page.text,
        re.S,
    )


def test_site_admins_reorder_channels_with_buttons_no_script_needed(
    site, catalogue, make_testapp, make_site, make_user, dbsession
):
    maths, campus, jury = catalogue["maths"], catalogue["campus"], catalogue["jury"]
    admin = browser(make_testapp, "boss")
    page = admin.get("/admin/channels")
    assert order_on_page(page) == ["Campus", "Jury", "Maths &lt;b&gt;vives&lt;/b&gt;"]  # all at 0: by name
    token = admin.csrf_token("/admin/channels")
    moved = admin.post(f"/admin/channels/{maths.id}/move", {"csrf_token": token, "to": "up"}, status=303)
    assert moved.location == f"http://a.test/admin/channels?moved={maths.id}&to=up"
    assert [(c.slug, c.position) for c in sorted([maths, campus, jury], key=lambda c: c.position)] == [
        ("campus", 0),
        ("maths", 1),
        ("jury", 2),
    ]  # dense, in one go
    page = moved.follow()
    assert order_on_page(page) == ["Campus", "Maths &lt;b&gt;vives&lt;/b&gt;", "Jury"]
    status = page.html.select_one("#reorder-status")
    assert status["role"] == "status" and status.text == "“Maths <b>vives</b>” moved to position 2 of 3."
    focused = page.html.select("[autofocus]")
    assert [b["data-focus"] for b in focused] == [f"up-{maths.id}"]
    assert focused[0]["aria-describedby"] == "reorder-status"
    # At the top there is no Move up: the focus goes to Move down.
    page = admin.post(f"/admin/channels/{maths.id}/move", {"csrf_token": token, "to": "0"}).follow()
    assert [b["data-focus"] for b in page.html.select("[autofocus]")] == [f"down-{maths.id}"]
    assert (maths.position, campus.position, jury.position) == (0, 1, 2)
    admin.post(f"/admin/channels/{maths.id}/move", {"csrf_token": token, "to": "up"})  # already first: stays
    admin.post(f"/admin/channels/{campus.id}/move", {"csrf_token": token, "to": "99"})  # clamped: last
    assert (maths.position, jury.position, campus.position) == (0, 1, 2)
    admin.post(f"/admin/channels/{maths.id}/move", {"csrf_token": token, "to": "sideways"}, status=400)
    admin.post(f"/admin/channels/{maths.id}/move", {"to": "down"}, status=400)  # no CSRF token
    # The script's request gets the table alone, its news in data-message.
    fragment = admin.post(
        f"/admin/channels/{jury.id}/move", {"csrf_token": token, "to": "down"}, headers={"X-Amphi-Fragment": "channels"}
    )
    assert fragment.text.lstrip().startswith("<table data-reorder-root")
    assert fragment.html.select_one("[data-reorder-root]")["data-message"] == "“Jury” moved to position 3 of 3."
    # A new channel goes last; a deleted one leaves no gap; the public list follows the order.
    created = admin.post("/admin/channels", {"csrf_token": token, "title": "Zoologie", "visibility": "public"})
    zoo = dbsession.scalar(select(Channel).where(Channel.site_id == site.id, Channel.slug == "zoologie"))
    assert created.status_int == 302 and zoo.position == 3
    admin.post(f"/channels/{campus.slug}/delete", {"csrf_token": token})
    assert sorted(c.position for c in (maths, jury, zoo)) == [0, 1, 2]
    assert re.findall(r'<a class="card-link" href="http://a\.test/channels/([a-z]+)"', admin.get("/channels").text) == [
        "maths",
        "jury",
        "zoologie",
    ]
    # Only the site's admins, and only the site's channels.
    manager = browser(make_testapp, "manager")
    manager.post(
        f"/admin/channels/{maths.id}/move",
        {"csrf_token": manager.csrf_token("/channels/maths/edit"), "to": "down"},
        status=403,
    )
    other = make_site("b")
    foreign = Channel(site_id=other.id, slug="ailleurs", title="Ailleurs")
    dbsession.add(foreign)
    dbsession.flush()
    admin.post(f"/admin/channels/{foreign.id}/move", {"csrf_token": token, "to": "0"}, status=404)


def test_the_api_moves_a_channel_and_a_theme_keeping_positions_dense(
    site, catalogue, people, make_testapp, make_request
):
    api = make_testapp("a.test")
    admin, manager = (token_for(make_request, site, people[n]) for n in ("admin", "manager"))
    maths, campus, jury = catalogue["maths"], catalogue["campus"], catalogue["jury"]
    assert api.patch_json(f"/api/v1/channels/{jury.id}", {"position": 0}, headers=admin).json["position"] == 0
    assert [c["slug"] for c in api.get("/api/v1/channels", headers=admin).json["items"]] == ["jury", "campus", "maths"]
    assert (jury.position, campus.position, maths.position) == (0, 1, 2)
    theme = api.post_json(
        f"/api/v1/channels/{maths.id}/themes", {"title": "Géométrie"}, headers=manager, status=201
    ).json
    assert theme["position"] == 1 and theme["parent_id"] is None  # last of the top themes
    assert api.patch_json(f"/api/v1/themes/{theme['id']}", {"position": 0}, headers=manager).json["position"] == 0
    assert {(t.slug, t.position) for t in maths.themes} == {("geometrie", 0), ("analyse", 1), ("integrales", 0)}


def test_managers_reorder_themes_among_those_beside_them(site, catalogue, people, make_testapp, dbsession):
    maths, analyse = catalogue["maths"], catalogue["analyse"]
    manager = browser(make_testapp, "manager")
    token = manager.csrf_token("/channels/maths/edit")
    for title, parent in (("Géométrie", ""), ("Algèbre", ""), ("Séries", str(analyse.id))):
        manager.post(
            "/channels/maths/edit", {"csrf_token": token, "action": "add-theme", "title": title, "parent_id": parent}
        )
    by_slug = {t.slug: t for t in maths.themes}

    def places():
        return sorted((t.parent.slug if t.parent else "", t.position, t.slug) for t in maths.themes)

    assert places() == [
        ("", 0, "analyse"),
        ("", 1, "geometrie"),
        ("", 2, "algebre"),
        ("analyse", 0, "integrales"),
        ("analyse", 1, "series"),
    ]
    moved = manager.post("/channels/maths/themes/algebre/move", {"csrf_token": token, "to": "up"}, status=303)
    algebre = by_slug["algebre"]
    assert moved.location == f"http://a.test/channels/maths/edit?moved={algebre.id}&to=up"
    page = moved.follow()
    assert page.html.select_one("#reorder-status").text == "“Algèbre” moved to position 2 of 3."
    assert [b["data-focus"] for b in page.html.select("[autofocus]")] == [f"up-{algebre.id}"]
    manager.post("/channels/maths/themes/series/move", {"csrf_token": token, "to": "0"})
    assert places() == [
        ("", 0, "analyse"),
        ("", 1, "algebre"),
        ("", 2, "geometrie"),
        ("analyse", 0, "series"),
        ("analyse", 1, "integrales"),
    ]
    # The channel's page shows the new order; a theme moved under another goes last there and leaves no gap.
    tree = browser(make_testapp).get("/channels/maths").text
    assert tree.index("Algèbre") < tree.index("Géométrie") and tree.index("Séries") < tree.index("Intégrales")
    manager.post(
        "/channels/maths/themes/analyse/edit",
        {"csrf_token": token, "title": "Analyse", "slug": "analyse", "parent_id": str(by_slug["geometrie"].id)},
    )
    assert places() == [
        ("", 0, "algebre"),
        ("", 1, "geometrie"),
        ("analyse", 0, "series"),
        ("analyse", 1, "integrales"),
        ("geometrie", 0, "analyse"),
    ]
    fragment = manager.post(
        "/channels/maths/themes/geometrie/move",
        {"csrf_token": token, "to": "up"},
        headers={"X-Amphi-Fragment": "themes"},
    )
    assert fragment.html.select_one("[data-reorder-root]")["data-message"] == "“Géométrie” moved to position 1 of 2."
    manager.post("/channels/maths/themes/algebre/delete", {"csrf_token": token})
    assert places() == [
        ("", 0, "geometrie"),
        ("analyse", 0, "series"),
        ("analyse", 1, "integrales"),
        ("geometrie", 0, "analyse"),
    ]
    manager.post("/channels/maths/themes/series/move", {"csrf_token": token, "to": "nowhere"}, status=400)
    student = browser(make_testapp, "student")
    student.post(
        "/channels/maths/themes/series/move", {"csrf_token": student.csrf_token("/channels"), "to": "down"}, status=403
    )
    student.post(
        "/channels/jury/themes/series/move", {"csrf_token": student.csrf_token("/channels"), "to": "down"}, status=404
    )


# --- putting videos in channels -------------------------------------------------------------------


def test_the_edit_page_offers_the_channels_one_may_add_to(site, catalogue, people, make_video, make_testapp, dbsession):
    open_channel = Channel(site_id=site.id, slug="ouverte", title="Ouverte", open_to_all=True)
    dbsession.add(open_channel)
    dbsession.flush()
    video = catalogue["videos"]["outside"]
    prof = browser(make_testapp, "prof")
    page = prof.get(f"/videos/{video.id}/edit")
    offered = set(re.findall(r'name="channel_ids" value="(\d+)"', page.text))
    assert offered == {str(open_channel.id)}  # not maths: prof is no manager of it
    token = prof.csrf_token(f"/videos/{video.id}/edit")
    form = {"csrf_token": token, "title": video.title, "access": "public", "license": "all-rights-reserved"}
    refused = prof.post(f"/videos/{video.id}/edit", {**form, "channel_ids": str(catalogue["maths"].id)}, status=400)
    assert 'id="edit-channel_ids-error"' in refused.text and video.channels == []
    prof.post(f"/videos/{video.id}/edit", {**form, "channel_ids": str(open_channel.id)})
    assert video.channels == [open_channel]
    # The manager adds prof's video to the hidden channel too; prof's saving keeps it there unseen.
    video.channels.append(catalogue["jury"])
    dbsession.flush()
    prof.post(f"/videos/{video.id}/edit", {**form, "channel_ids": str(open_channel.id)})
    assert set(video.channels) == {open_channel, catalogue["jury"]}
    prof.post(f"/videos/{video.id}/edit", form)
    assert video.channels == [catalogue["jury"]]
    # A manager (here also an editor of the video) picks a theme; the theme brings its channel.
    video.additional_owners.append(people["manager"])
    dbsession.flush()
    manager = browser(make_testapp, "manager")
    token = manager.csrf_token(f"/videos/{video.id}/edit")
    manager.post(
        f"/videos/{video.id}/edit",
        {
            **form,
            "csrf_token": token,
            "channel_ids": str(catalogue["jury"].id),
            "theme_ids": str(catalogue["analyse"].id),
        },
    )
    assert set(video.channels) == {catalogue["jury"], catalogue["maths"]} and video.themes == [catalogue["analyse"]]


def test_the_dashboard_filters_by_channel_and_adds_in_bulk(
    site, catalogue, people, make_video, make_testapp, dbsession
):
    mine = make_video(site, people["manager"], "À moi", status="ready", access="public")
    other = make_video(site, people["manager"], "Aussi à moi", status="ready", access="draft")
    dbsession.flush()
    manager = browser(make_testapp, "manager")
    page = manager.get("/my/videos")
    assert f'value="channel-add:{catalogue["maths"].id}"' in page.text
    assert f'value="channel-add:{catalogue["campus"].id}"' not in page.text  # not one of theirs
    token = manager.csrf_token("/my/videos")
    done = manager.post(
        "/my/videos/bulk",
        {
            "csrf_token": token,
            "action": f"channel-add:{catalogue['maths'].id}",
            "video": [str(mine.id), str(other.id), str(catalogue["videos"]["public"].id)],
        },
    )
    assert "added=2" in done.location and "skipped=1" in done.location
    assert "2 videos added to the channel." in done.follow().text
    filtered = manager.get("/my/videos?channel=maths").text
    assert "À moi" in filtered and "Aussi à moi" in filtered
    assert "À moi" not in manager.get("/my/videos?channel=jury").text
    manager.post(
        "/my/videos/bulk",
        {"csrf_token": token, "action": f"channel-remove:{catalogue['maths'].id}", "video": [str(mine.id)]},
    )
    assert mine.channels == [] and other.channels == [catalogue["maths"]]
    manager.post(
        "/my/videos/bulk",
        {"csrf_token": token, "action": f"channel-add:{catalogue['campus'].id}", "video": [str(mine.id)]},
        status=400,
    )


# --- the home page ------------------------------------------------------------------------------------


def test_home_page_blocks_are_chosen_and_ordered_by_the_site_admin(site, catalogue, make_testapp):
    anonymous = browser(make_testapp)
    home = anonymous.get("/").text
    assert home.index("Featured channels") < home.index("Recent videos")
    assert 'href="http://a.test/channels/maths"' in home
    admin = browser(make_testapp, "boss")
    page = admin.get("/admin/site/home")
    assert f'value="channel:{catalogue["maths"].id}"' in page.text
    token = admin.csrf_token("/admin/site/home")
    admin.post(
        "/admin/site/home",
        {
            "csrf_token": token,
            "block-0": "recent",
            "block-1": f"channel:{catalogue['jury'].id}",
            "block-2": f"channel:{catalogue['maths'].id}",
            "block-3": "recent",
        },
    )
    assert site.home_blocks == ["recent", f"channel:{catalogue['jury'].id}", f"channel:{catalogue['maths'].id}"]
    home = anonymous.get("/").text
    assert "Featured channels" not in home and "Jury" not in home  # a hidden channel's block shows to its keepers
    assert home.index("Recent videos") < home.index("Maths &lt;b&gt;vives&lt;/b&gt;")
    assert "Brouillon secret" not in home and "Limites" in home
    assert "Jury" in browser(make_testapp, "manager").get("/").text
    refused = admin.post("/admin/site/home", {"csrf_token": token, "block-0": "nonsense"}, status=400)
    assert "Choose among the proposed values." in refused.text
    browser(make_testapp, "manager").get("/admin/site/home", status=403)


def test_a_plugin_offers_a_home_block_and_the_core_filters_its_videos(
    site, catalogue, make_testapp, dbsession, register_plugin
):
    from core import hookimpl
    from core.platform.ui import HomeBlock

    videos = catalogue["videos"]

    class Picks:
        @hookimpl
        def amphi_home_blocks(self, request):
            return [HomeBlock("picks.best", "Our picks", lambda limit: [videos["draft"].id, videos["public"].id])]

    register_plugin(Picks(), "picks")
    site.enabled_plugins = sorted([*site.enabled_plugins, "picks"])
    site.home_blocks = ["picks.best"]
    dbsession.flush()
    home = browser(make_testapp).get("/").text
    assert "Our picks" in home and "Limites" in home and "Brouillon secret" not in home


# --- feeds ------------------------------------------------------------------------------------------


def test_channel_and_theme_feeds_list_public_videos_only(catalogue, make_testapp, make_site):
    anonymous = browser(make_testapp)
    page = anonymous.get("/channels/maths")
    assert '<link rel="alternate" type="application/rss+xml"' in page.text
    feed_url = re.search(
        r'<link rel="alternate" type="application/rss\+xml" title="[^"]*" href="([^"]+)"', page.text
    ).group(1)
    assert feed_url == "http://a.test/feeds/channels/maths.xml"
    for url in (feed_url, "/feeds/channels/maths/themes/analyse.xml"):
        response = anonymous.get(url)
        feed = feedparser.parse(response.body)
        assert not feed.bozo and feed.version == "rss20"
        assert [e.title for e in feed.entries] == ["Limites"]
    assert "/feeds/channels/maths/themes/analyse.xml" in anonymous.get("/channels/maths/themes/analyse").text
    anonymous.get("/feeds/channels/jury.xml", status=404)
    anonymous.get("/feeds/channels/campus.xml", status=404)
    anonymous.get("/feeds/channels/maths/themes/nothing.xml", status=404)
    make_site("nofeeds", plugins=["auth_local", "storage_local"])
    make_testapp("nofeeds.test").get("/feeds/channels/maths.xml", status=404)


def test_without_the_feeds_plugin_a_channel_page_has_no_feed_link(make_site, make_user, make_testapp, dbsession):
    other = make_site("quiet", plugins=["auth_local", "storage_local"])
    dbsession.add(Channel(site_id=other.id, slug="maths", title="Maths"))
    dbsession.flush()
    page = make_testapp("quiet.test").get("/channels/maths")
    assert "application/rss+xml" not in page.text


# --- the API ------------------------------------------------------------------------------------------


def token_for(make_request, site, user) -> dict:
    from core.access.tokens import create_token

    return {"Authorization": f"Bearer {create_token(make_request(site), user, 't', 'write', 0)[1]}"}


def test_the_api_lists_reads_and_changes_channels_by_the_same_rules(
    site, catalogue, people, make_testapp, make_request
):
    api = make_testapp("a.test")
    admin, manager, prof = (token_for(make_request, site, people[n]) for n in ("admin", "manager", "prof"))
    assert [c["slug"] for c in api.get("/api/v1/channels").json["items"]] == ["campus", "jury", "maths"][2:]
    assert [c["slug"] for c in api.get("/api/v1/channels", headers=manager).json["items"]] == [
        "campus",
        "jury",
        "maths",
    ]
    maths = api.get(f"/api/v1/channels/{catalogue['maths'].id}").json
    assert "managers" not in maths and [t["slug"] for t in maths["themes"]] == ["analyse", "integrales"]
    api.get(f"/api/v1/channels/{catalogue['jury'].id}", status=404)
    videos = api.get("/api/v1/videos?channel=maths").json["items"]
    assert [v["title"] for v in videos] == ["Limites"] and videos[0]["channels"] == ["maths"]
    assert videos[0]["themes"] == [
        {"id": catalogue["analyse"].id, "channel": "maths", "slug": "analyse", "title": "Analyse"}
    ]
    assert api.get("/api/v1/videos?channel=jury").json["items"] == []
    created = api.post_json(
        "/api/v1/channels", {"title": "Chimie", "managers": ["prof"]}, headers=admin, status=201
    ).json
    assert created["slug"] == "chimie" and created["managers"] == ["prof"]
    api.post_json("/api/v1/channels", {"title": "Non"}, headers=manager, status=403)
    bad = api.post_json("/api/v1/channels", {"title": "", "visibility": "secret"}, headers=admin, status=400).json
    assert set(bad["info"]["fields"]) == {"title", "visibility"}
    url = f"/api/v1/channels/{catalogue['maths'].id}"
    assert api.patch_json(url, {"title": "Mathématiques"}, headers=manager).json["title"] == "Mathématiques"
    api.patch_json(url, {"managers": ["prof"]}, headers=manager, status=403)
    api.patch_json(url, {"title": "x"}, headers=prof, status=403)
    api.patch_json(url, {"position": "first"}, headers=admin, status=400)
    theme = api.post_json(
        f"{url}/themes", {"title": "Séries", "parent_id": catalogue["analyse"].id}, headers=manager, status=201
    ).json
    assert theme["parent_id"] == catalogue["analyse"].id and theme["channel"] == "maths"
    api.patch_json(f"/api/v1/themes/{catalogue['analyse'].id}", {"parent_id": theme["id"]}, headers=manager, status=400)
    api.delete(f"/api/v1/themes/{theme['id']}", headers=prof, status=403)
    api.delete(f"/api/v1/themes/{theme['id']}", headers=manager, status=204)
    api.delete(url, headers=manager, status=403)
    api.delete(url, headers=admin, status=204)
    api.get(url, status=404)


def test_the_api_puts_a_video_in_channels(site, catalogue, people, make_testapp, make_request):
    api = make_testapp("a.test")
    manager = token_for(make_request, site, people["manager"])
    video = catalogue["videos"]["outside"]
    video.additional_owners.append(people["manager"])
    changed = api.patch_json(
        f"/api/v1/videos/{video.id}", {"channels": ["maths"], "themes": [catalogue["analyse"].id]}, headers=manager
    ).json
    assert changed["channels"] == ["maths"] and [t["slug"] for t in changed["themes"]] == ["analyse"]
    refused = api.patch_json(f"/api/v1/videos/{video.id}", {"channels": ["campus"]}, headers=manager, status=400)
    assert "campus" in refused.json["message"]
    api.patch_json(f"/api/v1/videos/{video.id}", {"themes": ["analyse"]}, headers=manager, status=400)


# --- words ----------------------------------------------------------------------------------------------


def test_channel_pages_in_french(catalogue, make_testapp):
    app = make_testapp("a.test")
    page = app.get("/channels/maths", headers={"Accept-Language": "fr"})
    assert "Thèmes" in page.text and "Chaînes" in page.text


def test_the_stats_plugin_offers_the_most_viewed_videos(
    site, catalogue, make_testapp, make_request, make_site, make_user, dbsession
):
    from plugins.stats.counting import add_to_day, today

    videos = catalogue["videos"]
    request = make_request(site)
    add_to_day(request, videos["draft"], today(), views=50)
    add_to_day(request, videos["outside"], today(), views=3)
    add_to_day(request, videos["public"], today(), views=7)
    site.home_blocks = ["stats.most_viewed"]
    dbsession.flush()
    home = browser(make_testapp).get("/").text
    assert "Most viewed" in home and "Brouillon secret" not in home
    assert home.index("Limites") < home.index("Hors chaîne")
    assert "stats.most_viewed" in browser(make_testapp, "boss").get("/admin/site/home").text
    quiet = make_site("quiet", plugins=["auth_local", "storage_local"])
    make_user(quiet, "chief", role="site-admin", password=PASSWORD)
    chief = make_testapp("quiet.test")
    chief.sign_in("chief", PASSWORD)
    assert "stats.most_viewed" not in chief.get("/admin/site/home").text


def test_the_browse_page_filters_by_channel(catalogue, make_testapp):
    anonymous = browser(make_testapp)
    page = anonymous.get("/videos")
    assert '<option value="maths">' in page.text and '<option value="jury">' not in page.text
    assert listed(anonymous.get("/videos?channel=maths")) == {"Limites"}
    assert listed(anonymous.get("/videos?channel=jury")) == set()
    assert listed(browser(make_testapp, "prof").get("/videos?channel=maths")) == {
        "Limites",
        "Brouillon secret",
        "Réservé L3",
    }
