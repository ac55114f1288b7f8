"""The site admins' users and groups pages; disabled accounts; new passwords; deletion; sign-in without a password."""

import re

import pytest
from sqlalchemy import select

from core.access.tokens import create_token
from core.access.users import find_user, reset_password
from core.models import AccessToken, Group, IdentityRule, User, Video
from core.platform.errors import ValidationError

PASSWORD = "a long password 1"


@pytest.fixture
def boss(testapp, site, make_user):
    make_user(site, "boss", role="site-admin", password=PASSWORD)
    testapp.sign_in("boss", PASSWORD)
    return testapp


def signed_in(make_testapp, username, password=PASSWORD):
    browser = make_testapp("a.test")
    browser.sign_in(username, password)
    return browser


def me(browser):
    return browser.get("/api/v1/me", status="*")


def post(browser, url, **fields):
    return browser.post(url, {"csrf_token": browser.csrf_token("/admin/users"), **fields}, status="*")


# --- the users page -------------------------------------------------------------------------


def test_users_are_found_by_username_name_or_email_and_paged(boss, site, make_user):
    for n in range(60):
        make_user(site, f"student_{n:02d}", display_name=f"Élève {n}", email=f"e{n}@univ.test")
    make_user(site, "studentx01", display_name="Another")
    make_user(site, "ada", display_name="Ada Lovelace", email="ADA@math.test").is_active = False
    page = boss.get("/admin/users")
    assert "63 users on this site." in page.text and "Page 1 of 2" in page.text
    assert len(re.findall(r'<th scope="row"><a href=', page.text)) == 50
    second = page.click("Next page")
    assert "Page 2 of 2" in second.text and len(re.findall(r'<th scope="row"><a href=', second.text)) == 13
    found = boss.get("/admin/users", {"q": "lovelace"})
    assert "1 user found." in found.text and ">ada</a>" in found.text
    assert ">ada</a>" in boss.get("/admin/users", {"q": "ada@MATH"}).text
    underscore = boss.get("/admin/users", {"q": "t_0"})  # a typed _ is an underscore, not "any character"
    assert "10 users found." in underscore.text and "studentx01" not in underscore.text
    disabled = boss.get("/admin/users", {"status": "disabled"})
    assert "1 user found." in disabled.text and ">ada</a>" in disabled.text
    assert "0 users found." in boss.get("/admin/users", {"q": "nobody%"}).text
    assert "Page 1 of 1" not in boss.get("/admin/users", {"q": "student_0"}).text


def test_a_users_page_shows_the_account_and_its_groups(boss, site, make_user, dbsession):
    tina = make_user(site, "tina", display_name="Tina T.", email="tina@univ.test")
    group = Group(site_id=site.id, name="l3", title="Licence 3")
    group.members.append(tina)
    dbsession.add(group)
    dbsession.flush()
    page = boss.get(f"/admin/users/{tina.id}")
    assert "Tina T." in page.text and "Licence 3" in page.text and "Disable this account" in page.text
    assert "Disable this account" not in boss.get(f"/admin/users/{find_user(dbsession, site.id, 'boss').id}").text


# --- disabling --------------------------------------------------------------------------------


def test_a_disabled_user_is_nobody_whatever_session_or_token_they_hold(site, make_user, make_testapp, make_request):
    tina = make_user(site, "tina", role="staff", password=PASSWORD)
    browser = signed_in(make_testapp, "tina")
    secret = create_token(make_request(site, tina), tina, "script", "write", 30)[1]
    api = make_testapp("a.test")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert me(browser).json["username"] == "tina" and api.get("/api/v1/me", headers=bearer).json["username"] == "tina"
    tina.is_active = False  # only the flag: refused where the request's user is loaded, sessions untouched
    assert me(browser).status_int == 401
    api.get("/api/v1/me", headers=bearer, status=401)
    browser.get("/upload", status=302)


def test_disabling_and_enabling_from_the_users_page(boss, site, make_user, make_testapp, dbsession):
    tina = make_user(site, "tina", role="staff", password=PASSWORD)
    browser = signed_in(make_testapp, "tina")
    page = post(boss, f"/admin/users/{tina.id}/active", active="0").follow()
    assert "tina is disabled: signed out, tokens refused." in page.text and "Enable this account again" in page.text
    assert not tina.is_active and me(browser).status_int == 401
    assert "This account is disabled" in make_testapp("a.test").sign_in("tina", PASSWORD, status=403).text
    post(boss, f"/admin/users/{tina.id}/active", active="1").follow()
    assert tina.is_active and me(browser).status_int == 401  # the old session stays ended
    assert me(signed_in(make_testapp, "tina")).json["username"] == "tina"


def test_the_notices_of_disabling_are_in_the_admins_language(boss, site, make_user):
    tina = make_user(site, "tina", role="staff", password=PASSWORD)
    for active, french in (
        ("0", "tina est désactivé : sessions fermées, jetons refusés."),
        ("1", "tina peut de nouveau se connecter."),
    ):
        page = boss.post(
            f"/admin/users/{tina.id}/active",
            {"csrf_token": boss.csrf_token("/admin/users"), "active": active},
            headers={"Accept-Language": "fr"},
        )
        assert french in page.follow(headers={"Accept-Language": "fr"}).text


def test_nobody_disables_resets_or_deletes_themselves_nor_a_superuser_unless_superuser(
    boss, site, make_user, dbsession
):
    me_ = find_user(dbsession, site.id, "boss")
    root = make_user(site, "root", role="superuser")
    for url in (f"/admin/users/{me_.id}/active", f"/admin/users/{root.id}/active"):
        assert post(boss, url, active="0").status_int == 400
    assert me_.is_active and root.is_active
    for url in (
        f"/admin/users/{me_.id}/password",
        f"/admin/users/{root.id}/password",
        f"/admin/users/{me_.id}/delete",
        f"/admin/users/{root.id}/delete",
    ):
        assert post(boss, url).status_int == 400
    assert find_user(dbsession, site.id, "root") is not None


def test_another_sites_users_and_groups_are_not_found(boss, make_site, make_user, dbsession):
    other = make_site("b")
    stranger = make_user(other, "stranger")
    group = Group(site_id=other.id, name="b-group")
    dbsession.add(group)
    dbsession.flush()
    for url in (f"/admin/users/{stranger.id}", f"/admin/users/{stranger.id}/delete", f"/admin/groups/{group.id}"):
        boss.get(url, status=404)
    assert post(boss, f"/admin/users/{stranger.id}/active", active="0").status_int == 404
    assert stranger.is_active


# --- new passwords ----------------------------------------------------------------------------


def test_an_admin_gives_a_new_password_shown_once_and_to_be_changed(boss, site, make_user, make_testapp, dbsession):
    tina = make_user(site, "tina", password=PASSWORD)
    laptop = signed_in(make_testapp, "tina")
    page = post(boss, f"/admin/users/{tina.id}/password")
    assert page.status_int == 200 and page.headers["Cache-Control"] == "no-store"
    given = re.search(r'value="([A-Za-z0-9]{16})" size="24"', page.text).group(1)
    assert "This password is shown only now." in page.text and given not in boss.get(f"/admin/users/{tina.id}").text
    assert me(laptop).status_int == 401  # her sessions ended
    make_testapp("a.test").sign_in("tina", PASSWORD, status=401)
    browser = make_testapp("a.test")
    first = browser.sign_in("tina", given)
    assert first.location.startswith("http://a.test/auth/local/password?given=1")
    change = first.follow()
    assert "choose your own now" in change.text
    form = [f for f in change.forms.values() if "current_password" in f.fields][0]
    form["current_password"], form["new_password"], form["password_confirm"] = (
        given,
        "my own password 2",
        "my own password 2",
    )
    assert "Your password was changed" in form.submit().text
    again = make_testapp("a.test").sign_in("tina", "my own password 2")
    assert again.location == "http://a.test/"


def test_a_password_chosen_by_an_admin_at_creation_is_changed_at_first_sign_in(boss, make_testapp):
    form = boss.get("/admin/users").forms["user-create"]
    form["username"], form["password"] = "newbie", "admin chose this 1"
    form.submit().follow()
    first = make_testapp("a.test").sign_in("newbie", "admin chose this 1")
    assert "/auth/local/password?given=1" in first.location


def test_without_a_sign_in_method_that_stores_passwords_nothing_is_given(make_site, make_user, make_request):
    other = make_site("b", plugins=["storage_local", "auth_cas"])
    user = make_user(other, "casuser")
    with pytest.raises(ValidationError) as refused:
        reset_password(make_request(other, make_user(other, "badmin", role="site-admin")), user)
    assert "password" in refused.value.errors


# --- an account without a password --------------------------------------------------------------


def test_an_account_without_a_password_is_told_why_it_cannot_sign_in(boss, site, make_user, make_testapp):
    form = boss.get("/admin/users").forms["user-create"]
    form["username"] = "nopass"
    created = form.submit().follow()
    assert "User nopass created. This account has no password" in " ".join(created.text.split())
    browser = make_testapp("a.test")
    page = browser.sign_in("nopass", "anything at all", status=401)
    assert "This account has no password yet: sign in with your institution&#39;s account" in page.text
    french = browser.post(
        "/auth/local/login",
        {"username": "nopass", "password": "x", "csrf_token": browser.csrf_token()},
        headers={"Accept-Language": "fr"},
        status=401,
    )
    assert "Ce compte n’a pas encore de mot de passe" in french.text
    # Strangers learn nothing new: an unknown name, a wrong password and a disabled account read alike.
    make_user(site, "withpass", password=PASSWORD)
    for username in ("nobody-here", "withpass"):
        assert "Wrong username or password." in browser.sign_in(username, "wrong", status=401).text
    make_user(site, "gone").is_active = False
    assert "Wrong username or password." in browser.sign_in("gone", "wrong", status=401).text


# --- deletion ---------------------------------------------------------------------------------


def test_deleting_a_user_without_videos(boss, site, make_user, make_request, dbsession):
    tina = make_user(site, "tina", password=PASSWORD)
    create_token(make_request(site, tina), tina, "script", "read", 30)
    tina_id = tina.id
    page = boss.get(f"/admin/users/{tina_id}/delete")
    assert "Username of the new owner" not in page.text
    done = page.forms["delete-user"].submit().follow()
    assert "The account tina was deleted." in done.text
    assert dbsession.get(User, tina_id) is None
    assert dbsession.scalars(select(AccessToken).where(AccessToken.user_id == tina_id)).all() == []


def test_a_users_videos_go_to_the_chosen_heir(boss, site, make_user, make_video, dbsession):
    prof, heir = make_user(site, "prof", role="staff"), make_user(site, "heir", role="staff")
    videos = [make_video(site, prof, f"Cours {n}", status="ready", access="public") for n in range(3)]
    videos[0].additional_owners.append(heir)
    co_owned = make_video(site, heir, "Co-owned")
    co_owned.additional_owners.append(prof)
    make_user(site, "off").is_active = False
    dbsession.flush()
    page = boss.get(f"/admin/users/{prof.id}/delete")
    assert "3 videos belong to this account" in page.text
    for name, reason in (
        ("", "Choose another active user"),
        ("prof", "Choose another active user"),
        ("off", "Choose another active user"),
        ("nobody", "Choose another active user"),
    ):
        form = page.forms["delete-user"]
        form["heir"] = name
        refused = form.submit(status=400)
        assert reason in refused.text and 'aria-invalid="true"' in refused.text
    assert find_user(dbsession, site.id, "prof") is not None
    form = page.forms["delete-user"]
    form["heir"] = "heir"
    done = form.submit().follow()
    assert "The account prof was deleted. Its 3 videos now belong to heir." in done.text
    dbsession.expire_all()
    assert [v.owner.username for v in dbsession.scalars(select(Video).where(Video.id.in_([v.id for v in videos])))] == [
        "heir"
    ] * 3
    assert dbsession.get(Video, videos[0].id).additional_owners == []  # the heir is the owner now, not a co-owner
    assert dbsession.get(Video, co_owned.id).additional_owners == []
    assert boss.get(f"/videos/{videos[1].id}").status_int == 200


def test_the_api_and_the_page_refuse_deleting_a_video_owner_without_heir(boss, site, make_user, make_video):
    prof = make_user(site, "prof", role="staff")
    make_video(site, prof, "Cours")
    refused = post(boss, f"/admin/users/{prof.id}/delete")
    assert (
        refused.status_int == 400 and "Choose another active user of this site to receive the videos." in refused.text
    )


# --- groups -------------------------------------------------------------------------------------


def test_groups_are_created_with_errors_beside_the_fields(boss, site, dbsession):
    page = boss.get("/admin/groups")
    assert "No group yet." in page.text
    form = page.forms["group-create"]
    form["name"], form["title"] = "l3 info", "L3"
    refused = form.submit(status=400)
    assert 'id="group-name-error"' in refused.text and "A group name of letters, digits" in refused.text
    form = refused.forms["group-create"]
    form["name"] = "l3-info"
    group_page = form.submit().follow()
    assert "Group l3-info created." in group_page.text and "0 members." in group_page.text
    form = boss.get("/admin/groups").forms["group-create"]
    form["name"] = "l3-info"
    assert "This group exists already." in form.submit(status=400).text


def test_members_are_added_by_username_and_removed(boss, site, make_user, dbsession):
    for name in ("ana", "bob", "cyd"):
        make_user(site, name)
    make_user(site, "off").is_active = False
    group = Group(site_id=site.id, name="l3", title="L3")
    dbsession.add(group)
    dbsession.flush()
    page = boss.get(f"/admin/groups/{group.id}")
    form = page.forms["group-add"]
    form["usernames"] = "ana, nobody; off"
    refused = form.submit(status=400)
    assert "No such user on this site: nobody, off" in refused.text and group.members == []
    assert refused.forms["group-add"]["usernames"].value == "ana, nobody; off"
    form = refused.forms["group-add"]
    form["usernames"] = "ana bob,cyd ana"
    added = form.submit().follow()
    assert "3 members added." in added.text and "3 members." in added.text
    assert sorted(u.username for u in group.members) == ["ana", "bob", "cyd"]
    form = boss.get(f"/admin/groups/{group.id}").forms["group-add"]
    form["usernames"] = "ana"
    assert "0 members added." in form.submit().follow().text
    remove = [f for f in boss.get(f"/admin/groups/{group.id}").forms.values() if f.action.endswith("/remove")][0]
    assert "is no longer a member." in remove.submit().follow().text
    assert len(group.members) == 2


def test_a_group_is_renamed_and_deleted_and_its_videos_stay_closed(boss, site, make_user, make_video, dbsession):
    owner = make_user(site, "owner", role="staff")
    l3, l2 = Group(site_id=site.id, name="l3", title="L3"), Group(site_id=site.id, name="l2")
    dbsession.add_all([l3, l2])
    dbsession.flush()
    video = make_video(site, owner, "Réservé", status="ready", access="groups", allowed_groups=[l3])
    form = boss.get(f"/admin/groups/{l3.id}").forms["group-rename"]
    form["name"] = "l2"
    assert "This group exists already." in form.submit(status=400).text
    form["name"], form["title"] = "l3-info", "Licence 3 informatique"
    assert "Group l3-info saved." in form.submit().follow().text and l3.name == "l3-info"
    confirm = boss.get(f"/admin/groups/{l3.id}/delete")
    assert "1 video or channel opens to this group" in confirm.text
    done = confirm.forms["group-delete"].submit().follow()
    assert "Group l3-info deleted." in done.text
    dbsession.expire_all()
    assert dbsession.get(Group, l3.id) is None
    assert (dbsession.get(Video, video.id).access, dbsession.get(Video, video.id).allowed_groups) == ("groups", [])


def test_groups_from_sign_in_rules_are_shown_with_their_rules_and_not_edited_by_hand(boss, site, make_user, dbsession):
    ana = make_user(site, "ana")
    group = Group(site_id=site.id, name="l3-info", title="L3 Informatique", source="rules")
    group.members.append(ana)
    dbsession.add_all(
        [
            group,
            IdentityRule(
                site_id=site.id,
                attribute="groups",
                value="cn=l3-info,*",
                kind="group",
                target="l3-info",
                title="L3 Informatique",
            ),
        ]
    )
    dbsession.flush()
    listing = boss.get("/admin/groups")
    assert "The sign-in rules" in listing.text and "1 group on this site" in listing.text
    page = boss.get(f"/admin/groups/{group.id}")
    assert "The sign-in rules keep this group" in page.text and "groups = cn=l3-info,*" in page.text
    assert ">ana</a>" in page.text and "Add members" not in page.text and "Remove" not in page.text
    token = boss.csrf_token(f"/admin/groups/{group.id}")
    for url, fields in (
        (f"/admin/groups/{group.id}", {"name": "x"}),
        (f"/admin/groups/{group.id}/members", {"usernames": "ana"}),
        (f"/admin/groups/{group.id}/delete", {}),
        (f"/admin/groups/{group.id}/members/{ana.id}/remove", {}),
    ):
        boss.post(url, {"csrf_token": token, **fields}, status=409)
    assert group.name == "l3-info" and group.members == [ana]


def test_only_site_admins_reach_the_people_pages(testapp, site, make_user, dbsession):
    make_user(site, "prof", role="staff", password=PASSWORD)
    group = Group(site_id=site.id, name="g")
    dbsession.add(group)
    dbsession.flush()
    testapp.sign_in("prof", PASSWORD)
    for url in (
        "/admin/groups",
        f"/admin/groups/{group.id}",
        f"/admin/groups/{group.id}/delete",
        f"/admin/users/{group.id}",
    ):
        testapp.get(url, status=403)
