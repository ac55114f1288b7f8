"""/api/v1/: the OpenAPI document is valid and every documented endpoint answers as documented."""

import json

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from sqlalchemy.orm import object_session

from core.access.identity import add_rule, rule_group
from core.access.tokens import create_token
from core.models import Group, Notification
from core.web.apiv1.common import WINDOW


@pytest.fixture
def people(site, make_user, make_request, dbsession):
    admin = make_user(site, "boss", role="site-admin", password="boss password 1")
    prof = make_user(site, "prof", role="staff", password="prof password 1")
    student = make_user(site, "student", display_name="Élise Student")
    group = Group(site_id=site.id, name="l3-info", title="L3 Informatique")
    group.members.append(student)
    dbsession.add(group)
    dbsession.flush()
    request = make_request(site)
    tokens = {
        name: create_token(request, user, name, "write", 0)[1]
        for name, user in (("boss", admin), ("prof", prof), ("student", student))
    }
    return {"admin": admin, "prof": prof, "student": student, "group": group, "tokens": tokens}


@pytest.fixture
def lectures(people, site, make_video, dbsession):
    """Ready videos of prof: public (tagged, typed), draft, and password-protected."""
    from core.access.security import hash_password
    from core.catalogue.metadata import get_tags, site_video_types

    public = make_video(site, people["prof"], "Intégrales", status="ready", access="public", language="fr")
    public.tags = get_tags(dbsession, site.id, ["analyse"])
    public.type = next(t for t in site_video_types(dbsession, site.id) if t.slug == "course")
    draft = make_video(site, people["prof"], "Brouillon", status="ready", access="draft")
    locked = make_video(
        site, people["prof"], "Secret", status="ready", access="password", password_hash=hash_password("open sesame 1")
    )
    dbsession.flush()
    return {"public": public, "draft": draft, "locked": locked}


@pytest.fixture(autouse=True)
def fresh_rate_window():
    WINDOW.calls.clear()


def auth(people, who="boss"):
    return {"Authorization": f"Bearer {people['tokens'][who]}"}


@pytest.fixture
def spec(testapp, site):
    return testapp.get("/api/v1/openapi.json").json


def schema_validator(spec, schema):
    """A JSON Schema validator for ``schema``, its ``#/components/...`` references resolved in ``spec``."""
    registry = Registry().with_resource("urn:amphi-api", Resource.opaque(spec))
    return Draft202012Validator(
        {"$ref": "urn:amphi-api" + schema["$ref"]} if "$ref" in schema else schema, registry=registry
    )


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["servers"] == [{"url": "http://a.test/api/v1"}]
    me = schema_validator(spec, {"$ref": "#/components/schemas/Me"})  # the checker itself catches a wrong body
    assert {e.validator for e in me.iter_errors({"id": "1", "role": "king"})} >= {"required", "type", "enum"}


@pytest.fixture
def channels(people, lectures, site, dbsession):
    """Two channels (prof manages the first), a theme in each; the public lecture is in the first."""
    from core.models import Channel, Theme

    maths = Channel(site_id=site.id, slug="maths", title="Maths", featured=True)
    maths.managers.append(people["prof"])
    maths.themes.append(Theme(slug="analyse", title="Analyse"))
    physics = Channel(site_id=site.id, slug="physics", title="Physics")
    physics.themes.append(Theme(slug="optics", title="Optics"))
    dbsession.add_all([maths, physics])
    dbsession.flush()
    lectures["public"].channels.append(maths)
    lectures["public"].themes.append(maths.themes[0])
    dbsession.flush()
    return {"maths": maths, "physics": physics}


def notification_of(user) -> Notification:
    """A notification of ``user`` (the token's owner marks it read)."""
    made = Notification(site_id=user.site_id, user_id=user.id, kind="video.ready", title="Ready", link="/videos/1")
    session = object_session(user)
    session.add(made)
    session.flush()
    return made


def plans(people, lectures, channels):
    """How to call each documented operation: path parameters and a body."""
    ids = {
        "user_id": people["student"].id,
        "group_id": people["group"].id,
        "video_id": lectures["public"].id,
        "channel_id": channels["maths"].id,
        "theme_id": channels["physics"].themes[0].id,
        "notification_id": notification_of(people["admin"]).id,
    }
    bodies = {
        "updateUser": {"role": "staff"},
        "createGroup": {"name": "walked", "title": "Walked"},
        "updateGroup": {"title": "L3 Info"},
        "updateVideo": {
            "title": "Intégrales doubles",
            "tags": ["Analyse", "L2"],
            "type": "course",
            "channels": ["maths", "physics"],
        },
        "createChannel": {
            "title": "Walked channel",
            "visibility": "groups",
            "groups": [people["group"].name],
            "managers": ["prof"],
        },
        "updateChannel": {"description": "**Analysis**", "featured": False, "position": 1},
        "createTheme": {"title": "Algèbre", "parent_id": channels["maths"].themes[0].id},
        "updateTheme": {"title": "Optique", "position": 2},
    }
    return ids, bodies


def test_every_documented_endpoint_answers_as_documented(testapp, spec, people, lectures, channels):
    ids, bodies = plans(people, lectures, channels)
    walked = []
    order = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}
    operations = sorted(
        ((path, method, op) for path, item in spec["paths"].items() for method, op in item.items() if method in order),
        key=lambda o: order[o[1]],
    )
    for path, method, operation in operations:
        url = "/api/v1" + path.format(**ids)
        call = getattr(testapp, method if method != "delete" else "delete")
        kwargs = {"headers": auth(people), "status": "*"}
        if operation["operationId"] in bodies:
            response = getattr(testapp, f"{method}_json")(url, bodies[operation["operationId"]], **kwargs)
        else:
            response = call(url, **kwargs)
        documented = operation["responses"]
        assert str(response.status_int) in documented, (operation["operationId"], response.status, response.text)
        content = documented[str(response.status_int)].get("content")
        if content:
            schema = content["application/json"]["schema"]
            errors = sorted(schema_validator(spec, schema).iter_errors(response.json), key=str)
            assert not errors, (operation["operationId"], [e.message for e in errors])
        walked.append(operation["operationId"])
    assert len(walked) == sum(1 for item in spec["paths"].values() for m in item if m in order)


def test_errors_share_one_shape_and_rights_are_checked(
    testapp, spec, people, make_testapp, make_site, make_user, make_request
):
    anonymous = make_testapp("a.test")
    refused = anonymous.get("/api/v1/me", status=401)
    assert set(refused.json) == {"code", "errno", "error", "message", "info"}
    assert anonymous.get("/api/v1/users", status=401).headers["WWW-Authenticate"].startswith("Bearer")
    testapp.get("/api/v1/users", headers=auth(people, "prof"), status=403)
    assert testapp.get("/api/v1/groups", headers=auth(people, "prof")).json["total"] == 1
    testapp.get("/api/v1/groups", headers=auth(people, "student"), status=403)
    other = make_site("other")
    _token, secret = create_token(make_request(other), make_user(other, "chief", role="site-admin"), "t", "write", 0)
    elsewhere = make_testapp("other.test")
    elsewhere.get(f"/api/v1/users/{people['student'].id}", headers={"Authorization": f"Bearer {secret}"}, status=404)
    assert elsewhere.get("/api/v1/users", headers={"Authorization": f"Bearer {secret}"}).json["total"] == 1


def test_pagination_and_filters(testapp, people, make_user, site):
    for number in range(42):
        make_user(site, f"user{number:02d}")
    first = testapp.get("/api/v1/users?per_page=20", headers=auth(people)).json
    assert (first["total"], len(first["items"]), first["previous"]) == (45, 20, None)
    last = testapp.get("/api/v1/users?per_page=20&page=3", headers=auth(people)).json
    assert len(last["items"]) == 5 and last["next"] is None and "page=2" in last["previous"]
    assert [u["username"] for u in testapp.get("/api/v1/users?q=lise", headers=auth(people)).json["items"]] == [
        "student"
    ]
    assert testapp.get("/api/v1/users?role=staff", headers=auth(people)).json["total"] == 1
    for bad in ("page=0", "per_page=1000", "page=x", "role=king"):
        assert testapp.get(f"/api/v1/users?{bad}", headers=auth(people), status=400).json["code"] == 400


def test_changing_users_keeps_the_role_rules(testapp, people):
    student, boss = people["student"], people["admin"]
    assert (
        testapp.patch_json(f"/api/v1/users/{student.id}", {"role": "staff"}, headers=auth(people)).json["role"]
        == "staff"
    )
    refused = testapp.patch_json(f"/api/v1/users/{student.id}", {"role": "superuser"}, headers=auth(people), status=400)
    assert "superuser" in refused.json["message"]
    testapp.patch_json(f"/api/v1/users/{boss.id}", {"active": False}, headers=auth(people), status=400)
    testapp.patch_json(f"/api/v1/users/{student.id}", {"active": "no"}, headers=auth(people), status=400)
    testapp.patch(
        f"/api/v1/users/{student.id}",
        "not json",
        headers={**auth(people), "Content-Type": "application/json"},
        status=400,
    )


def test_only_site_admins_and_its_members_see_who_is_in_a_group(testapp, people, make_testapp, dbsession, site):
    group = people["group"]
    assert testapp.get("/api/v1/groups", headers=auth(people, "prof")).json["items"][0]["name"] == "l3-info"
    refused = testapp.get(f"/api/v1/groups/{group.id}", headers=auth(people, "prof"), status=403)  # an uploader
    assert "member" in refused.json["message"] and "student" not in refused.text
    for who in ("boss", "student"):  # a site admin, a member
        assert testapp.get(f"/api/v1/groups/{group.id}", headers=auth(people, who)).json["member_usernames"] == [
            "student"
        ]
    other = Group(site_id=site.id, name="m2-bio", title="M2 Bio", members=[people["prof"]])
    dbsession.add(other)
    dbsession.flush()
    testapp.get(f"/api/v1/groups/{other.id}", headers=auth(people, "student"), status=403)  # not theirs
    make_testapp("a.test").get(f"/api/v1/groups/{group.id}", status=(401, 403))


def test_groups_and_members(testapp, people, make_request, site):
    created = testapp.post_json(
        "/api/v1/groups", {"name": "m1-maths", "title": "M1 Maths"}, headers=auth(people), status=201
    )
    group_id = created.json["id"]
    assert created.headers["Location"].endswith(f"/api/v1/groups/{group_id}")
    duplicate = testapp.post_json("/api/v1/groups", {"name": "m1-maths"}, headers=auth(people), status=400)
    assert "exists already" in duplicate.json["info"]["fields"]["name"]
    testapp.put(f"/api/v1/groups/{group_id}/members/{people['prof'].id}", headers=auth(people), status=204)
    assert testapp.get(f"/api/v1/groups/{group_id}", headers=auth(people)).json["member_usernames"] == ["prof"]
    testapp.delete(f"/api/v1/groups/{group_id}/members/{people['prof'].id}", headers=auth(people), status=204)
    add_rule(make_request(site), "affiliation", "student", "group", "students")
    managed = rule_group(make_request(site), "students", "Students")
    make_request(site).dbsession.flush()
    refused = testapp.patch_json(f"/api/v1/groups/{managed.id}", {"title": "x"}, headers=auth(people), status=409)
    assert "managed by rules" in refused.json["message"]
    testapp.delete(f"/api/v1/groups/{group_id}", headers=auth(people), status=204)
    testapp.get(f"/api/v1/groups/{group_id}", headers=auth(people), status=404)


def test_cookie_sessions_need_csrf_and_tokens_do_not(testapp, people):
    testapp.sign_in("boss", "boss password 1")
    testapp.post_json("/api/v1/groups", {"name": "a-group"}, status=400)  # no X-CSRF-Token
    token = testapp.csrf_token("/")
    testapp.post_json("/api/v1/groups", {"name": "a-group"}, headers={"X-CSRF-Token": token}, status=201)


def test_rate_limit(testapp, people, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.api.rate_limit", "3")
    for _ in range(3):
        testapp.get("/api/v1/me", headers=auth(people))
    limited = testapp.get("/api/v1/me", headers=auth(people), status=429)
    assert int(limited.headers["Retry-After"]) >= 1 and limited.json["errno"] == "rate-limited"
    testapp.get("/api/v1/me", headers=auth(people, "prof"))  # another token has its own window


def test_video_lists_obey_the_access_rules(testapp, people, lectures, make_testapp):
    anonymous = make_testapp("a.test").get("/api/v1/videos").json
    by_title = {v["title"]: v for v in anonymous["items"]}
    assert set(by_title) == {"Intégrales", "Secret"} and anonymous["total"] == 2
    assert by_title["Secret"]["locked"] is True and "description" not in by_title["Secret"]
    assert by_title["Intégrales"]["tags"] == ["analyse"] and by_title["Intégrales"]["type"] == "course"
    mine = testapp.get("/api/v1/videos?owner=prof", headers=auth(people, "prof")).json
    assert {v["title"] for v in mine["items"]} == {"Intégrales", "Brouillon", "Secret"}
    for query, titles in (
        ("tag=ANALYSE", {"Intégrales"}),
        ("type=course", {"Intégrales"}),
        ("language=fr", {"Intégrales"}),
        ("owner=nobody", set()),
    ):
        found = testapp.get(f"/api/v1/videos?{query}", headers=auth(people, "prof")).json["items"]
        assert {v["title"] for v in found} == titles, query
    ordered = testapp.get("/api/v1/videos?ordering=title", headers=auth(people, "prof")).json["items"]
    assert [v["title"] for v in ordered] == ["Brouillon", "Intégrales", "Secret"]
    testapp.get("/api/v1/videos?ordering=random", status=400)
    make_testapp("a.test").get(f"/api/v1/videos/{lectures['draft'].id}", status=404)


def test_changing_and_deleting_videos(testapp, people, lectures, site, make_user, make_request):
    video = lectures["public"]
    url = f"/api/v1/videos/{video.id}"
    testapp.patch_json(url, {"title": "x"}, headers=auth(people, "student"), status=403)
    refused = testapp.patch_json(
        url, {"title": "", "type": "nonsense", "access": "everyone"}, headers=auth(people, "prof"), status=400
    )
    assert set(refused.json["info"]["fields"]) == {"title", "access"}  # the document's rules come first
    refused = testapp.patch_json(url, {"title": "Fine", "type": "nonsense"}, headers=auth(people, "prof"), status=400)
    assert set(refused.json["info"]["fields"]) == {"type"}  # then names, before the form
    refused = testapp.patch_json(
        url, {"title": "", "access": "everyone", "tags": "not a list"}, headers=auth(people, "prof"), status=400
    )
    assert "tags" in refused.json["info"]["fields"]
    refused = testapp.patch_json(url, {"title": "", "access": "everyone"}, headers=auth(people, "prof"), status=400)
    assert set(refused.json["info"]["fields"]) == {"title", "access"}
    assert video.title == "Intégrales"  # nothing changed
    changed = testapp.patch_json(
        url,
        {"access": "groups", "groups": ["l3-info"], "disciplines": [], "owners": ["student"]},
        headers=auth(people, "prof"),
    ).json
    assert changed["access"] == "groups" and [g.name for g in video.allowed_groups] == ["l3-info"]
    assert [u.username for u in video.additional_owners] == ["student"]
    testapp.delete(url, headers=auth(people, "student"), status=403)  # an additional owner edits, not deletes
    testapp.delete(url, headers=auth(people, "prof"), status=204)
    testapp.get(url, headers=auth(people, "prof"), status=404)
    assert testapp.get(f"/api/v1/videos/{lectures['draft'].id}/tracks", headers=auth(people, "prof")).json == {
        "items": []
    }


def test_full_text_search_with_the_search_pages_facets_and_rules(
    testapp, spec, people, lectures, site, make_request, make_testapp
):
    lectures["public"].description = "Le théorème de Fubini"
    lectures["locked"].description = "Fubini encore"  # behind its password: not the visitor's to search
    lectures["draft"].description = "Fubini toujours"
    request = make_request(site)
    request.hooks.amphi_search_reindex(request=request)
    page_schema = schema_validator(spec, {"$ref": "#/components/schemas/VideoPage"})
    anonymous = make_testapp("a.test")
    found = anonymous.get("/api/v1/videos", {"q": "fubini"}).json
    assert not list(page_schema.iter_errors(found))
    assert [v["title"] for v in found["items"]] == ["Intégrales"] and found["total"] == 1
    facets = {f["name"]: {c["value"]: (c["label"], c["count"]) for c in f["values"]} for f in found["facets"]}
    assert facets["tag"] == {"analyse": ("analyse", 1)} and facets["type"] == {"course": ("Course", 1)}
    assert facets["language"] == {"fr": ("French", 1)}
    french = anonymous.get("/api/v1/videos", {"q": "fubini"}, headers={"Accept-Language": "fr"}).json
    assert {f["name"]: f["title"] for f in french["facets"]}["language"] == "Langue"
    assert [(v["title"], v["locked"]) for v in anonymous.get("/api/v1/videos", {"q": "secret"}).json["items"]] == [
        ("Secret", True)
    ]  # found by its title, as lists show it
    mine = testapp.get("/api/v1/videos", {"q": "fubini", "per_page": 1, "sort": "date"}, headers=auth(people, "prof"))
    assert mine.json["total"] == 3 and mine.json["previous"] is None
    second = testapp.get(mine.json["next"], headers=auth(people, "prof")).json
    assert second["page"] == 2 and "q=fubini" in mine.json["next"] and "sort=date" in mine.json["next"]
    filtered = anonymous.get("/api/v1/videos?q=&tag=analyse&tag=autre").json
    assert [v["title"] for v in filtered["items"]] == ["Intégrales"]
    assert {c["value"]: c["checked"] for f in filtered["facets"] if f["name"] == "tag" for c in f["values"]} == {
        "analyse": True
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ("q=a&ordering=title", "ordering"),
        ("q=a&owner=prof", "owner"),
        ("q=a&status=ready", "status"),
        ("sort=date", "sort"),
        ("year=2025", "year"),
        ("q=a&sort=random", "sort"),
        ("q=a&page=10001", "page"),
    ],
)
def test_a_search_refuses_what_it_cannot_do(testapp, query, field):
    refused = testapp.get(f"/api/v1/videos?{query}", status=400).json
    assert refused["errno"] == "invalid" and field in refused["info"]["fields"]


def test_search_where_no_search_plugin_is_enabled_is_503(make_site, make_testapp, spec):
    make_site("bare", plugins=["auth_local"])
    refused = make_testapp("bare.test").get("/api/v1/videos", {"q": "cours"}, status=503).json
    assert refused["errno"] == "search-unavailable" and "not available" in refused["message"]
    documented = {p["name"] for p in spec["paths"]["/videos"]["get"]["parameters"]}
    assert {"q", "sort", "year", "duration", "tag", "language", "type", "discipline", "channel"} <= documented
    french = make_testapp("bare.test").get("/api/v1/videos?year=2025", headers={"Accept-Language": "fr"}, status=400)
    assert french.json["message"] == "year: seulement avec q (une recherche)"
    assert "503" in spec["paths"]["/videos"]["get"]["responses"]


# --- the contract with clients: credentials, rate limits, what the document does not declare ------------------


def protected_operations(spec):
    """``(path, method, operation)`` of the operations that need credentials (no anonymous ``{}`` in security)."""
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters" and {} not in op.get("security", spec["security"])
    ]


def test_every_protected_operation_answers_401_without_credentials(make_testapp, spec, people, lectures, channels):
    ids, bodies = plans(people, lectures, channels)
    anonymous = make_testapp("a.test")  # no cookie, no token: an API client that forgot its token
    operations = protected_operations(spec)
    for path, method, operation in operations:
        url = "/api/v1" + path.format(**ids)
        response = anonymous.request(
            url,
            method=method.upper(),
            status="*",
            environ=dict(anonymous.extra_environ),
            body=json.dumps(bodies.get(operation["operationId"], {})).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_int == 401, (method, url, response.status, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")
        assert set(response.json) == {"code", "errno", "error", "message", "info"}
        assert "401" in operation["responses"]
    assert len(operations) >= 18


def test_tus_without_credentials_is_a_401_in_tus_terms(make_testapp, site):
    anonymous = make_testapp("a.test")
    created = anonymous.post("/api/uploads/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"}, status=401)
    assert created.headers["WWW-Authenticate"].startswith("Bearer ") and created.headers["Tus-Resumable"] == "1.0.0"
    assert created.content_type == "text/plain" and "access token" in created.text
    for method in ("HEAD", "PATCH", "DELETE"):
        answer = anonymous.request(
            f"/api/uploads/{'0' * 32}",
            method=method,
            status="*",
            environ=dict(anonymous.extra_environ),
            headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        )
        assert answer.status_int == 401, (method, answer.status)


def test_csrf_still_guards_requests_that_carry_the_session_cookie(testapp, people):
    testapp.get("/login")  # a browser: it has a session cookie now, even before signing in
    assert "amphi_session" in testapp.cookies
    refused = testapp.post("/api/uploads/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"}, status=400)
    assert refused.json["errno"] == "csrf"
    testapp.sign_in("boss", "boss password 1")
    assert testapp.post_json("/api/v1/groups", {"name": "a-group"}, status=400).json["errno"] == "csrf"


def test_the_rate_limit_cannot_be_dodged_with_the_host_or_an_invented_token(testapp, people, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.api.rate_limit", "3")
    for host in ("a.test", "a.test:8080", "A.TEST:443"):  # one site, three Host values
        testapp.get("/api/v1/videos", extra_environ={"HTTP_HOST": host})
    testapp.get("/api/v1/videos", extra_environ={"HTTP_HOST": "a.test:1"}, status=429)
    WINDOW.calls.clear()
    for number in range(3):  # unknown tokens: each a 401, all counted against the address
        testapp.get("/api/v1/videos", headers={"Authorization": f"Bearer invented-{number}"}, status=401)
    testapp.get("/api/v1/videos", headers={"Authorization": "Bearer invented-again"}, status=429)
    testapp.get("/api/v1/videos", headers={"Authorization": "Basic eDp5"}, status=429)
    testapp.get("/api/v1/videos", headers=auth(people))  # a real token has its own count
    other = testapp.get("/api/v1/videos", extra_environ={"REMOTE_ADDR": "192.0.2.99"})  # so has another address
    assert other.status_int == 200


def test_unknown_fields_and_parameters_are_refused(testapp, people, lectures, monkeypatch):
    refused = testapp.post_json("/api/v1/groups", {"name": "g1", "colour": "red"}, headers=auth(people), status=400)
    assert set(refused.json["info"]["fields"]) == {"colour"}
    refused = testapp.patch_json(
        f"/api/v1/videos/{lectures['public'].id}", {"titel": "typo"}, headers=auth(people, "prof"), status=400
    )
    assert set(refused.json["info"]["fields"]) == {"titel"} and lectures["public"].title == "Intégrales"
    refused = testapp.get("/api/v1/videos?colour=red&page=1", headers=auth(people), status=400)
    assert set(refused.json["info"]["fields"]) == {"colour"}
    testapp.get("/api/v1/me?verbose=1", headers=auth(people), status=400)
    too_long = testapp.get("/api/v1/videos", {"q": "x" * 201}, headers=auth(people), status=400)  # maxLength 200
    assert set(too_long.json["info"]["fields"]) == {"q"}
    assert set(testapp.get("/api/v1/videos?q=a&sort=random", status=400).json["info"]["fields"]) == {"sort"}
    from core.web.apiv1.openapi import PATHS

    declared = [*PATHS["/videos"]["get"]["parameters"], {"name": "colour", "in": "query", "schema": {"type": "string"}}]
    monkeypatch.setitem(PATHS["/videos"]["get"], "parameters", declared)  # declared later: accepted, no other change
    testapp.get("/api/v1/videos?colour=red", headers=auth(people))


def test_the_servers_rules_are_in_the_document(testapp, spec, people):
    schemas = spec["components"]["schemas"]
    assert schemas["GroupInput"]["required"] == ["name"] and "pattern" in schemas["GroupInput"]["properties"]["name"]
    assert schemas["ChannelInput"]["required"] == ["title"] and schemas["ThemeInput"]["required"] == ["title"]
    assert schemas["VideoPatch"]["properties"]["title"]["maxLength"] == 250
    for body in ({"title": "No name"}, {"name": "two words"}, {"name": "x" * 151}, {"name": "ok", "title": "t" * 201}):
        testapp.post_json("/api/v1/groups", body, headers=auth(people), status=400)
    testapp.post_json("/api/v1/channels", {"description": "no title"}, headers=auth(people), status=400)
    testapp.post_json("/api/v1/channels", {"title": "   "}, headers=auth(people), status=400)
    for operation in (op for item in spec["paths"].values() for m, op in item.items() if m != "parameters"):
        assert {"400", "401", "429"} <= set(operation["responses"]), operation["operationId"]


def test_an_undeclared_method_is_a_405_with_allow(testapp, people):
    refused = testapp.request("/api/v1/videos", method="TRACE", status=405, environ=dict(testapp.extra_environ))
    assert refused.headers["Allow"] == "GET, HEAD" and refused.json["code"] == 405
    refused = testapp.request(
        "/api/v1/groups", method="PUT", status=405, environ=dict(testapp.extra_environ), headers=auth(people)
    )
    assert refused.headers["Allow"] == "GET, HEAD, POST"
    assert testapp.request("/login", method="DELETE", status=405, environ=dict(testapp.extra_environ)).headers["Allow"]
