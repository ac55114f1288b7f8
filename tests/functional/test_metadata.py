"""Editing a video's details: the edit page, validation, safe Markdown, the site's lists."""

import re

import pytest
from webtest.forms import Select

from core.catalogue.metadata import normalise_tag, parse_tags
from core.models import Discipline, Group, Tag, VideoType
from core.platform.markup import render_markdown

PASSWORD = "a good password 1"


@pytest.fixture
def world(site, make_user, make_video, dbsession):
    owner = make_user(site, "owner", role="staff", password=PASSWORD)
    co_owner = make_user(site, "coowner", password=PASSWORD)
    make_user(site, "stranger", password=PASSWORD)
    make_user(site, "admin", role="site-admin", password=PASSWORD)
    video = make_video(site, owner, title="Cours 1", status="ready", access="public")
    video.additional_owners.append(co_owner)
    dbsession.add(Discipline(site_id=site.id, slug="maths", title="Mathematics"))
    dbsession.flush()
    return video


def signed_in(make_testapp, username):
    browser = make_testapp("a.test")
    browser.sign_in(username, PASSWORD)
    return browser


def edit_form(browser, video_id, **fields):
    form = browser.get(f"/videos/{video_id}/edit").forms["video-edit"]
    for name, value in fields.items():
        if isinstance(form[name], Select):
            form[name].force_value(value)  # what a hand-made request could send
        else:
            form[name] = value
    return form


def test_only_owners_co_owners_and_admins_reach_the_edit_page(world, make_testapp):
    for who in ("owner", "coowner", "admin"):
        assert signed_in(make_testapp, who).get(f"/videos/{world.id}/edit").status_int == 200
    signed_in(make_testapp, "stranger").get(f"/videos/{world.id}/edit", status=403)
    anonymous = make_testapp("a.test").get(f"/videos/{world.id}/edit", status=302)
    assert "/login" in anonymous.location


def test_saving_every_field(world, make_testapp, dbsession, site):
    browser = signed_in(make_testapp, "coowner")
    course = dbsession.query(VideoType).filter_by(site_id=site.id, slug="course").one()
    maths = dbsession.query(Discipline).filter_by(site_id=site.id, slug="maths").one()
    form = edit_form(
        browser,
        world.id,
        title="Analyse 1",
        description="**Limits** and <b>series</b>",
        type_id=str(course.id),
        tags=" Analysis ,  Real  NUMBERS, analysis,",
        license="cc-by-sa",
        language="fr",
        date_recorded="2024-03-18",
        owners="coowner admin",
        allow_downloads=True,
    )
    form.get("discipline_ids", index=0).checked = True
    form.submit(status=302)
    dbsession.refresh(world)
    assert (world.title, world.license, world.language, world.date_recorded.isoformat(), world.allow_downloads) == (
        "Analyse 1",
        "cc-by-sa",
        "fr",
        "2024-03-18",
        True,
    )
    assert world.type is course and world.disciplines == [maths]
    assert [t.name for t in world.tags] == ["analysis", "real numbers"]
    assert sorted(u.username for u in world.additional_owners) == ["admin", "coowner"]
    page = browser.get(f"/videos/{world.id}").text
    assert "<strong>Limits</strong> and &lt;b&gt;series&lt;/b&gt;" in page
    for shown in ("Course", "Mathematics", "real numbers", "2024-03-18", "CC BY-SA", "admin"):
        assert shown in page


def test_errors_are_shown_beside_their_field_and_nothing_changes(world, make_testapp, dbsession):
    browser = signed_in(make_testapp, "owner")
    page = edit_form(
        browser, world.id, title="", date_recorded="18/03/2024", owners="nobody <x>", license="mine", type_id="999999"
    ).submit(status=400)
    for field in ("title", "date_recorded", "owners", "license", "type_id"):
        assert (
            re.search(rf'id="edit-{field}"[^>]*aria-invalid="true"', page.text)
            or f'id="edit-{field}-error"' in page.text
        )
        assert f'id="edit-{field}-error"' in page.text, field
    assert "nobody &lt;x&gt;" in page.text and "<x>" not in page.text  # escaped when shown back
    dbsession.refresh(world)
    assert world.title == "Cours 1" and world.license == "all-rights-reserved"


def test_another_sites_lists_are_refused(world, make_testapp, make_site, dbsession):
    other = make_site("b")
    foreign_type = dbsession.query(VideoType).filter_by(site_id=other.id, slug="course").one()
    browser = signed_in(make_testapp, "owner")
    page = edit_form(browser, world.id, type_id=str(foreign_type.id)).submit(status=400)
    assert 'id="edit-type_id-error"' in page.text


def test_the_form_needs_its_csrf_token(world, make_testapp):
    browser = signed_in(make_testapp, "owner")
    browser.post(f"/videos/{world.id}/edit", {"title": "x", "access": "public", "license": "cc0"}, status=400)


def test_choosing_the_poster_among_the_encoders_candidates(world, make_testapp, dbsession):
    from core.models import MediaFile

    for n in (1, 2):
        dbsession.add(
            MediaFile(
                video_id=world.id, kind="thumbnail", key=f"sites/1/videos/{world.id}/outputs/1/thumbs/poster_{n}.jpg"
            )
        )
    dbsession.flush()
    browser = signed_in(make_testapp, "owner")
    candidate = f"sites/1/videos/{world.id}/outputs/1/thumbs/poster_2.jpg"
    form = browser.get(f"/videos/{world.id}/edit").forms["video-edit"]
    form["poster_key"] = candidate
    form.submit(status=302)
    dbsession.refresh(world)
    assert world.poster_key == candidate
    token = browser.csrf_token(f"/videos/{world.id}/edit")
    browser.post(
        f"/videos/{world.id}/edit",
        {
            "csrf_token": token,
            "title": "x",
            "access": "public",
            "license": "cc0",
            "poster_key": "sites/1/videos/9/source",
        },
        status=400,
    )


def test_markdown_is_rendered_without_raw_html_or_dangerous_links():
    html = str(
        render_markdown(
            "<script>alert(1)</script> [a](javascript:alert(1)) [b](https://e.org) "
            "![i](https://tracker.example/p.png) <img src=x onerror=alert(1)>"
        )
    )
    assert "<script>" not in html and "<img" not in html and 'href="javascript' not in html
    assert '<a href="https://e.org" rel="nofollow noopener">b</a>' in html


def test_tags_are_normalised():
    assert normalise_tag("  Machine\tLEARNING ") == "machine learning"
    assert parse_tags("a, A ,b,,  c d ") == ["a", "b", "c d"]


def test_tags_are_shared_by_the_sites_videos(world, make_testapp, make_video, dbsession, site):
    other_video = make_video(site, world.owner, title="Cours 2", status="ready")
    browser = signed_in(make_testapp, "admin")
    for video in (world, other_video):
        edit_form(browser, video.id, tags="Physics").submit(status=302)
    assert dbsession.query(Tag).filter_by(site_id=site.id, name="physics").count() == 1


def test_a_new_site_has_the_default_video_types(make_site, dbsession):
    site = make_site("fresh")
    slugs = [t.slug for t in dbsession.query(VideoType).filter_by(site_id=site.id).order_by(VideoType.position)]
    assert slugs[:3] == ["course", "conference", "tutorial"] and "other" in slugs


def test_the_site_admin_edits_the_lists(world, make_testapp, dbsession, site):
    browser = signed_in(make_testapp, "admin")
    page = browser.get("/admin/site/catalogue")
    add_discipline = next(
        f
        for f in page.forms.values()
        if "kind" in f.fields and (f["kind"].value, f["action"].value) == ("discipline", "add")
    )
    add_discipline["title"] = "  Ancient   history "
    add_discipline.submit(status=302)
    assert dbsession.query(Discipline).filter_by(site_id=site.id, title="Ancient history").count() == 1
    token = browser.csrf_token("/admin/site/catalogue")
    browser.post(
        "/admin/site/catalogue",
        {"csrf_token": token, "kind": "discipline", "action": "add", "title": "ancient HISTORY"},
        status=400,
    )
    course = dbsession.query(VideoType).filter_by(site_id=site.id, slug="course").one()
    world.type = course
    dbsession.flush()
    browser.post(
        "/admin/site/catalogue",
        {"csrf_token": token, "kind": "type", "action": "rename", "id": course.id, "title": "Lecture"},
        status=302,
    )
    assert course.title == "Lecture"
    browser.post(
        "/admin/site/catalogue", {"csrf_token": token, "kind": "type", "action": "delete", "id": course.id}, status=302
    )
    dbsession.expire_all()
    assert world.type is None and world.title == "Cours 1"
    signed_in(make_testapp, "owner").get("/admin/site/catalogue", status=403)


def test_a_site_admin_cannot_touch_another_sites_lists(world, make_testapp, make_site, dbsession):
    other = make_site("b")
    foreign = dbsession.query(VideoType).filter_by(site_id=other.id).first()
    browser = signed_in(make_testapp, "admin")
    token = browser.csrf_token("/admin/site/catalogue")
    browser.post(
        "/admin/site/catalogue", {"csrf_token": token, "kind": "type", "action": "delete", "id": foreign.id}, status=404
    )


def test_groups_of_the_site_are_offered(world, make_testapp, dbsession, site):
    dbsession.add(Group(site_id=site.id, name="l3-info", title="L3 Informatique"))
    dbsession.flush()
    assert "L3 Informatique" in signed_in(make_testapp, "owner").get(f"/videos/{world.id}/edit").text
