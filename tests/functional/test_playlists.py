"""The playlists plugin: lists and Favourites, ordering, visibility, per-item access, the player panel."""

import pytest
from sqlalchemy import func, select

from plugins.playlists.models import Playlist, PlaylistItem

PASSWORD = "a long password 1"


@pytest.fixture
def people(site, make_user):
    roles = {"prof": "staff", "alice": "user", "bob": "user"}
    return {name: make_user(site, name, role=role, password=PASSWORD) for name, role in roles.items()}


@pytest.fixture
def videos(site, people, make_video):
    return [
        make_video(site, people["prof"], f"Cours {n}", status="ready", access="public", duration=60.0)
        for n in range(1, 5)
    ]


def browser(make_testapp, user=None, host="a.test"):
    app = make_testapp(host)
    if user:
        app.sign_in(user, PASSWORD)
    return app


def form_post(app, url, page, status=303, **fields):
    return app.post(url, {"csrf_token": app.csrf_token(page), **fields}, status=status)


def new_playlist(app, title="Révisions", visibility="private", status=303, **fields):
    return form_post(app, "/playlists", "/playlists", status=status, title=title, visibility=visibility, **fields)


def add(app, playlist, video):
    return form_post(app, "/playlists/add", f"/videos/{video.id}", video_id=str(video.id), playlist_id=str(playlist.id))


def titles(page):
    return [a.text for a in page.html.select("ol.playlist-videos .card-link")]


def item_order(dbsession, playlist):
    dbsession.flush()
    return [
        i.video.title
        for i in dbsession.scalars(
            select(PlaylistItem).where(PlaylistItem.playlist_id == playlist.id).order_by(PlaylistItem.position)
        )
    ]


@pytest.fixture
def course(make_testapp, videos, dbsession):
    """Alice's playlist holding the four videos in order."""
    alice = browser(make_testapp, "alice")
    new_playlist(alice, "Révisions")
    playlist = dbsession.scalar(select(Playlist).where(Playlist.title == "Révisions"))
    for video in videos:
        add(alice, playlist, video)
    return alice, playlist


def test_create_and_fill_a_playlist_from_video_pages(course, videos, dbsession):
    alice, playlist = course
    assert item_order(dbsession, playlist) == ["Cours 1", "Cours 2", "Cours 3", "Cours 4"]
    assert "Added to “Révisions”." in alice.get(f"/videos/{videos[0].id}").text  # the last addition's message
    assert "Added to “Révisions”." not in alice.get(f"/videos/{videos[0].id}").text  # shown once
    again = add(alice, playlist, videos[0]).follow()
    assert "Already in “Révisions”." in again.text
    assert len(item_order(dbsession, playlist)) == 4
    for bad in ("abc", "", "99999"):
        form_post(alice, "/playlists/add", "/playlists", status=404, video_id=bad, playlist_id=str(playlist.id))
    form_post(alice, "/playlists/add", "/playlists", status=404, video_id=str(videos[0].id), playlist_id="x")
    form_post(alice, "/playlists", "/playlists", status=404, title="Avec", video_id="x")
    assert "Avec" not in alice.get("/playlists").text  # nothing half-made
    listing = alice.get("/playlists")
    assert "Révisions" in listing.text and 'href="http://a.test/playlists"' in listing.text  # the nav entry
    assert titles(alice.get(f"/playlists/{playlist.id}")) == ["Cours 1", "Cours 2", "Cours 3", "Cours 4"]


def test_a_new_playlist_from_the_video_page_gets_the_video(make_testapp, videos, dbsession):
    bob = browser(make_testapp, "bob")
    page = form_post(
        bob, "/playlists", f"/videos/{videos[1].id}", title="Pour plus tard", video_id=str(videos[1].id)
    ).follow()
    assert "Added to “Pour plus tard”." in page.text
    playlist = dbsession.scalar(select(Playlist).where(Playlist.title == "Pour plus tard"))
    assert item_order(dbsession, playlist) == ["Cours 2"]


def test_reorder_with_move_buttons_and_positions(course, dbsession):
    alice, playlist = course
    items = {i.video.title: i for i in playlist.items}
    edit = f"/playlists/{playlist.id}/edit"
    page = form_post(alice, f"/playlists/{playlist.id}/items/{items['Cours 1'].id}/move", edit, to="down")
    assert page.location.endswith(f"{edit}#item-{items['Cours 1'].id}")
    assert item_order(dbsession, playlist) == ["Cours 2", "Cours 1", "Cours 3", "Cours 4"]
    assert "Moved to position 2 of 4." in page.follow().text
    form_post(alice, f"/playlists/{playlist.id}/items/{items['Cours 4'].id}/move", edit, to="0")
    assert item_order(dbsession, playlist) == ["Cours 4", "Cours 2", "Cours 1", "Cours 3"]
    form_post(alice, f"/playlists/{playlist.id}/items/{items['Cours 4'].id}/move", edit, to="up")  # already first
    form_post(alice, f"/playlists/{playlist.id}/items/{items['Cours 2'].id}/move", edit, to="99")
    assert item_order(dbsession, playlist) == ["Cours 4", "Cours 1", "Cours 3", "Cours 2"]
    form_post(alice, f"/playlists/{playlist.id}/items/{items['Cours 2'].id}/move", edit, to="sideways", status=400)
    # The script's request gets the new list: the first item has no "Move up", the last no "Move down".
    token = alice.csrf_token(edit)
    fragment = alice.post(
        f"/playlists/{playlist.id}/items/{items['Cours 3'].id}/move",
        {"csrf_token": token, "to": "up"},
        headers={"X-Amphi-Fragment": "playlists"},
        status=200,
    )
    rows = fragment.html.select("[data-playlist-items] > li")
    assert [r.select_one("a").text for r in rows] == ["Cours 4", "Cours 3", "Cours 1", "Cours 2"]
    assert rows[0].select_one("[data-focus^=up]") is None and rows[-1].select_one("[data-focus^=down]") is None
    assert fragment.html.select_one("[data-playlist-items]")["data-message"] == "Moved to position 2 of 4."
    form_post(alice, f"/playlists/{playlist.id}/items/{items['Cours 3'].id}/remove", edit)
    assert item_order(dbsession, playlist) == ["Cours 4", "Cours 1", "Cours 2"]
    assert sorted(i.position for i in playlist.items) == [0, 1, 2]


def test_only_the_owner_changes_a_playlist(course, make_testapp, videos, dbsession):
    alice, playlist = course
    form_post(
        alice,
        f"/playlists/{playlist.id}/edit",
        f"/playlists/{playlist.id}/edit",
        title="Publique",
        visibility="public",
        description="Pour le partiel",
    )
    bob = browser(make_testapp, "bob")
    item = playlist.items[0]
    assert bob.get(f"/playlists/{playlist.id}").status_int == 200
    token = bob.csrf_token("/playlists")
    bob.get(f"/playlists/{playlist.id}/edit", status=404)
    for url in (
        f"/playlists/{playlist.id}/edit",
        f"/playlists/{playlist.id}/delete",
        f"/playlists/{playlist.id}/items/{item.id}/move",
        f"/playlists/{playlist.id}/items/{item.id}/remove",
    ):
        bob.post(url, {"csrf_token": token, "to": "down", "title": "pris"}, status=404)
    bob.post(
        "/playlists/add",
        {"csrf_token": token, "video_id": str(videos[0].id), "playlist_id": str(playlist.id)},
        status=404,
    )
    alice.post(f"/playlists/{playlist.id}/delete", {"to": "down"}, status=400)  # no CSRF token
    assert item_order(dbsession, playlist) == ["Cours 1", "Cours 2", "Cours 3", "Cours 4"]
    make_testapp().post("/playlists", {"title": "anonyme"}, status=403)  # signed-in users only
    assert (
        form_post(alice, f"/playlists/{playlist.id}/delete", f"/playlists/{playlist.id}/edit").follow().status_int
        == 200
    )
    assert dbsession.scalar(select(func.count()).select_from(Playlist).where(Playlist.id == playlist.id)) == 0


def test_visibility_private_public_unlisted(course, make_testapp, dbsession):
    alice, playlist = course
    bob, anonymous = browser(make_testapp, "bob"), make_testapp()
    bob.get(f"/playlists/{playlist.id}", status=404)  # private
    edit = f"/playlists/{playlist.id}/edit"
    form_post(alice, edit, edit, title="Révisions", visibility="unlisted")
    bob.get(f"/playlists/{playlist.id}", status=404)
    bob.get(f"/playlists/{playlist.id}?key=wrong", status=404)
    link = alice.get(edit).html.select_one("#unlisted-link")["value"]
    assert titles(anonymous.get(link)) == ["Cours 1", "Cours 2", "Cours 3", "Cours 4"]
    assert "Révisions" not in anonymous.get("/playlists").text  # not listed
    played = anonymous.get(f"/playlists/{playlist.id}/play?key={playlist.token}", status=303)
    assert f"key={playlist.token}" in played.location  # the player keeps the key
    form_post(alice, edit, edit, title="Révisions", visibility="public")
    assert "Révisions" in anonymous.get("/playlists").text
    assert titles(anonymous.get(f"/playlists/{playlist.id}")) == ["Cours 1", "Cours 2", "Cours 3", "Cours 4"]
    page = form_post(alice, edit, edit, title="", visibility="everyone", status=400)
    assert "Give the playlist a title." in page.text and "Choose private, public or unlisted." in page.text


def test_a_private_video_in_a_public_playlist_is_hidden_from_others(
    course, videos, make_testapp, make_video, people, site, dbsession
):
    alice, playlist = course
    edit = f"/playlists/{playlist.id}/edit"
    form_post(alice, edit, edit, title="Révisions", visibility="public")
    videos[1].access = "draft"  # the owner made it private after alice added it
    videos[2].access = "signed-in"
    dbsession.flush()
    assert titles(make_testapp().get(f"/playlists/{playlist.id}")) == ["Cours 1", "Cours 4"]
    assert titles(browser(make_testapp, "bob").get(f"/playlists/{playlist.id}")) == ["Cours 1", "Cours 3", "Cours 4"]
    assert titles(browser(make_testapp, "prof").get(f"/playlists/{playlist.id}")) == [
        "Cours 1",
        "Cours 2",
        "Cours 3",
        "Cours 4",
    ]  # its owner sees it
    mine = alice.get(f"/playlists/{playlist.id}")
    assert "Cours 2" not in mine.text and "A video you can no longer see" in mine.text
    assert "Cours 2" not in alice.get(edit).text
    # One cannot add what one may not see.
    form_post(
        alice, "/playlists/add", "/playlists", status=404, video_id=str(videos[1].id), playlist_id=str(playlist.id)
    )


def test_the_playlist_player_goes_to_the_next_video(course, videos, make_testapp, dbsession):
    alice, playlist = course
    edit = f"/playlists/{playlist.id}/edit"
    form_post(alice, edit, edit, title="Révisions", visibility="public")
    videos[1].access = "draft"
    dbsession.flush()
    anonymous = make_testapp()
    first = anonymous.get(f"/playlists/{playlist.id}/play", status=303).follow()
    panel = first.html.select_one("[data-playlist-player]")
    assert first.request.path == f"/videos/{videos[0].id}" and panel is not None
    assert "Video 1 of 3" in panel.text
    assert panel["data-next-url"].endswith(f"/videos/{videos[2].id}?playlist={playlist.id}&autoplay=1")
    assert panel.select_one("[aria-current=page]").text == "Cours 1"
    last = anonymous.get(f"/videos/{videos[3].id}?playlist={playlist.id}")
    panel = last.html.select_one("[data-playlist-player]")
    assert "Video 3 of 3" in panel.text and not panel.has_attr("data-next-url")
    assert panel.select_one("a[rel=prev]")["href"].endswith(f"/videos/{videos[2].id}?playlist={playlist.id}")
    # A playlist one may not see, or that lacks the video, adds no panel.
    form_post(alice, edit, edit, title="Révisions", visibility="private")
    assert (
        anonymous.get(f"/videos/{videos[0].id}?playlist={playlist.id}").html.select_one("[data-playlist-player]")
        is None
    )
    anonymous.get(f"/playlists/{playlist.id}/play", status=404)


def test_favourites_is_a_built_in_playlist(make_testapp, videos, dbsession):
    bob = browser(make_testapp, "bob")
    page = form_post(bob, f"/videos/{videos[2].id}/favourite", f"/videos/{videos[2].id}").follow()
    assert "Added to your favourites." in page.text
    assert page.html.select_one("button[aria-pressed=true]").text == "Favourite"
    form_post(bob, f"/videos/{videos[0].id}/favourite", f"/videos/{videos[0].id}")
    favourites = dbsession.scalar(select(Playlist).where(Playlist.favourites.is_(True)))
    assert item_order(dbsession, favourites) == ["Cours 3", "Cours 1"]
    listing = bob.get("/playlists")
    assert listing.html.select_one(".playlist-list li a").text == "Favourites"  # first
    assert "Favoris" in bob.get("/playlists", headers={"Accept-Language": "fr"}).text
    edit = bob.get(f"/playlists/{favourites.id}/edit")
    assert edit.html.select_one("#playlist-title") is None and "Delete the playlist" not in edit.text
    form_post(bob, f"/playlists/{favourites.id}/delete", "/playlists", status=400)
    form_post(bob, f"/videos/{videos[2].id}/favourite", f"/videos/{videos[2].id}")
    assert item_order(dbsession, favourites) == ["Cours 1"]
    assert dbsession.scalar(select(func.count()).select_from(Playlist).where(Playlist.favourites.is_(True))) == 1


def test_user_text_is_escaped(make_testapp, videos, dbsession):
    alice = browser(make_testapp, "alice")
    new_playlist(alice, "<script>alert(1)</script>", visibility="public", description="<img src=x onerror=alert(2)>")
    playlist = dbsession.scalar(select(Playlist).where(Playlist.owner.has(username="alice")))
    add(alice, playlist, videos[0])
    for page in (
        alice.get("/playlists"),
        alice.get(f"/playlists/{playlist.id}"),
        alice.get(f"/videos/{videos[0].id}"),
        make_testapp().get(f"/videos/{videos[0].id}?playlist={playlist.id}"),
    ):
        assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)" in page.text


def test_anonymous_viewers_get_no_save_panel_and_signing_in_is_asked(make_testapp, videos):
    anonymous = make_testapp()
    page = anonymous.get(f"/videos/{videos[0].id}")
    assert "panel-playlists" not in page.text and "My playlists" not in page.text
    assert anonymous.get("/playlists").status_int == 200  # the public playlists
    anonymous.post("/playlists/add", {"csrf_token": anonymous.csrf_token("/playlists")}, status=403)


def test_other_sites_see_nothing(course, make_site, make_user, make_testapp):
    alice, playlist = course
    edit = f"/playlists/{playlist.id}/edit"
    form_post(alice, edit, edit, title="Révisions", visibility="public")
    make_site("b")
    b = make_testapp("b.test")
    b.get(f"/playlists/{playlist.id}", status=404)
    assert "Révisions" not in b.get("/playlists").text


def test_plugin_disabled_on_a_site_is_silent(make_site, make_user, make_video, make_testapp, dbsession):
    site = make_site("c", plugins=["auth_local"])
    owner = make_user(site, "owner", role="site-admin", password=PASSWORD)
    video = make_video(site, owner, "Sans listes", status="ready", access="public", duration=60.0)
    admin = browser(make_testapp, "owner", host="c.test")
    page = admin.get(f"/videos/{video.id}")
    assert "My playlists" not in page.text and "Favourite" not in page.text and "playlists" not in page.text
    token = admin.csrf_token(f"/videos/{video.id}")
    for url in ("/playlists", "/playlists/add", f"/videos/{video.id}/favourite"):
        admin.post(url, {"csrf_token": token, "title": "x", "video_id": str(video.id)}, status=404)
    for url in ("/playlists", "/playlists/1", "/playlists/1/play", "/playlists-static/playlists.js"):
        admin.get(url, status=404)
    assert dbsession.scalar(select(func.count()).select_from(Playlist).where(Playlist.site_id == site.id)) == 0


def test_a_deleted_video_leaves_the_playlists(course, videos, dbsession):
    alice, playlist = course
    dbsession.delete(videos[1])
    dbsession.flush()
    assert (
        dbsession.scalar(select(func.count()).select_from(PlaylistItem).where(PlaylistItem.playlist_id == playlist.id))
        == 3
    )
    assert titles(alice.get(f"/playlists/{playlist.id}")) == ["Cours 1", "Cours 3", "Cours 4"]
