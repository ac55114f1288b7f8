"""Malformed requests get a 4xx in the site's error shape (JSON under /api/, an error page elsewhere), never a 5xx.

Walks every registered route (the core's and every installed plugin's) with an id past what the
database holds, with a path and a query that are not UTF-8, and with an over-large page number.
"""

import re
from datetime import UTC, datetime

import pytest
from pyramid.interfaces import IRoutesMapper
from webob import Request

from core.access.tokens import create_token

TOO_LARGE = str(2**64 + 1)  # past a signed 64-bit integer, as in /api/v1/videos/849481033720343038001152
PLACEHOLDER = re.compile(r"\{(\w+)(?::((?:[^{}]|\{[^{}]*\})*))?\}")
SAMPLES = ("x", "txt", "audio", "vtt", "uploads", "a" * 32, "0" * 32, "a" * 16, "1", "legal", "json", "added-1")


def sample_path(pattern: str, number: str) -> str:
    """A path that the route pattern matches: ids are ``number``, other placeholders a value of their form."""

    def fill(match):
        regex = match.group(2) or "[^/]+"
        if regex == r"\d+":
            return number
        return next(s for s in SAMPLES if re.fullmatch(regex, s))

    path = PLACEHOLDER.sub(fill, pattern)
    path = re.sub(r"\*\w+$", "x", path)
    return path if path.startswith("/") else "/" + path


def routes(app):
    return [r for r in app.registry.getUtility(IRoutesMapper).get_routes() if not r.name.startswith("__")]


@pytest.fixture
def admin_client(testapp, site, make_user, make_request):
    """A site admin's client (a token: no CSRF token needed, so a POST reaches its view)."""
    admin = make_user(site, "chief", role="site-admin", password="chief password 1")
    _token, secret = create_token(make_request(site), admin, "walk", "write", 0)
    testapp.extra_environ["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return testapp


def send(client, method: str, path: str, body: bytes | None):
    """``method`` on ``path`` with a JSON ``body`` (``TestApp.request`` does not add the client's environ)."""
    headers = {"Accept": "text/html"} if body is None else {"Content-Type": "application/json"}
    return client.request(
        path, method=method, body=body or b"", headers=headers, status="*", environ=dict(client.extra_environ)
    )


def raw_get(app, client, path: bytes, query: str = ""):
    """GET exactly these bytes (WebTest's cookie jar cannot even print such a URL)."""
    request = Request.blank(
        "/",
        environ={
            **client.extra_environ,
            "HTTP_ACCEPT": "text/html",
            "HTTP_AUTHORIZATION": client.extra_environ.get("HTTP_AUTHORIZATION", ""),
        },
    )
    request.environ["PATH_INFO"] = path.decode("latin-1")
    request.environ["QUERY_STRING"] = query
    return request.get_response(app)


def assert_error_shape(response, path: str):
    assert 400 <= response.status_int < 500, (path, response.status, response.text[:500])
    if path.startswith(("/api/", "/oembed")) and not path.startswith("/api/uploads/"):
        assert set(response.json) == {"code", "errno", "error", "message", "info"}, path
    elif not path.startswith("/api/"):
        assert response.content_type == "text/html", (path, response.content_type)


def test_every_route_with_an_id_too_large_answers_4xx(app, admin_client):
    walked = 0
    for route in routes(app):
        if r"\d+" not in route.pattern:
            continue
        path = sample_path(route.pattern, TOO_LARGE)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            response = send(admin_client, method, path, b"{}" if method != "GET" else None)
            assert response.status_int < 500, (method, path, response.status, response.text[:300])
            if response.status_int == 404 and method == "GET":  # a JSON request gets JSON errors anywhere
                assert_error_shape(response, path)
        walked += 1
    assert walked >= 25


@pytest.mark.parametrize("where", ["query", "path", "NUL"])
def test_every_route_refuses_what_is_not_text(app, admin_client, where):
    """Not UTF-8, or a NUL character (PostgreSQL cannot store one): a 400 before any view reads it."""
    for route in routes(app):
        path = sample_path(route.pattern, "1")
        if where == "query":
            response = raw_get(app, admin_client, path.encode(), "q=%ff&page=%C3%28")
        elif where == "NUL":
            response = raw_get(app, admin_client, path.encode(), "owner=a%00b&q=%00")
        else:
            response = raw_get(app, admin_client, path.rstrip("/").encode() + b"/\xff\xfe")
        assert response.status_int == 400, (path, where, response.status, response.text[:300])
        assert_error_shape(response, path)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/videos?page=99999999999999999999999",
        "/api/v1/users?per_page=1e3",
        "/api/videos?offset=99999999999999999999999",
        "/videos?page=99999999999999999999",
        "/search?q=x&page=99999999999999999999",
        "/videos?page=%EF%BC%91",
        "/api/v1/videos?page=1_0",
    ],
)
def test_over_large_or_odd_page_numbers_are_a_400(admin_client, url):
    assert_error_shape(admin_client.get(url, status=400, headers={"Accept": "text/html"}), url.split("?")[0])


@pytest.fixture
def lecture(site, make_user, make_video):
    owner = make_user(site, "prof", role="staff", password="prof password 1")
    return make_video(site, owner, "Lecture", status="ready", access="public", duration=120.0)


BAD_JSON = {
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "nested past the limit": b'{"position": ' + b"[" * 40 + b"1" + b"]" * 40 + b"}",
    "a lone surrogate": b'{"position": 3, "title": "\\ud800"}',
    "Infinity": b'{"position": Infinity}',
    "NaN": b'{"position": NaN}',
    "a number past a float": b'{"position": 1e999}',
    "an integer past 64 bits": b'{"position": 99999999999999999999999}',
    "not UTF-8": b'{"position": "\xff"}',
    "a NUL character": b'{"position": 3, "title": "a\\u0000b", "name": "a\\u0000b", "text": "a\\u0000b"}',
}


@pytest.mark.parametrize("body", BAD_JSON.values(), ids=BAD_JSON.keys())
@pytest.mark.parametrize(
    "path", ["/api/videos/{id}/position", "/api/v1/videos/{id}", "/api/v1/groups", "/api/videos/{id}/notes"]
)
def test_bad_json_bodies_are_a_400_in_the_json_shape(admin_client, lecture, path, body):
    url = path.format(id=lecture.id)
    method = "PATCH" if path == "/api/v1/videos/{id}" else "POST"
    response = send(admin_client, method, url, body)
    assert response.status_int == 400, (url, response.status, response.text[:300])
    assert set(response.json) == {"code", "errno", "error", "message", "info"}


def test_a_form_that_is_not_text_is_a_400_page(make_testapp, site):
    browser = make_testapp("a.test")
    token = browser.csrf_token()
    for value in ("a%00b", "%ff"):
        refused = browser.post(
            "/auth/local/login",
            f"username={value}&password=x&csrf_token={token}",
            content_type="application/x-www-form-urlencoded",
            status=400,
        )
        assert refused.content_type == "text/html"


def test_the_position_answer_is_always_json(admin_client, lecture):
    for position in ("1e308", "-1e308", "0.5", "119"):
        answer = admin_client.post(
            f"/api/videos/{lecture.id}/position", f'{{"position": {position}}}', content_type="application/json"
        )
        assert "Infinity" not in answer.text and "NaN" not in answer.text
        assert 0 <= answer.json["position"] <= 120
    for bad in ('"NaN"', '"Infinity"', "true", '"12"', "null"):
        admin_client.post(
            f"/api/videos/{lecture.id}/position", f'{{"position": {bad}}}', content_type="application/json", status=400
        )


def test_a_publication_year_before_1000_is_refused_and_old_ones_stay_editable(admin_client, lecture, dbsession):
    url = f"/api/v1/videos/{lecture.id}"
    for when in ("0999-12-31T23:59", "0001-01-01T00:00"):
        refused = admin_client.patch_json(url, {"publish_at": when}, status=400)
        assert "publish_at" in refused.json["info"]["fields"]
    assert lecture.publish_at is None
    lecture.publish_at = datetime(999, 1, 1, tzinfo=UTC)  # stored before this rule
    dbsession.flush()
    page = admin_client.get(f"/videos/{lecture.id}/edit")
    assert 'value="0999-01-01T00:00"' in page.text
    changed = admin_client.patch_json(url, {"title": "Renamed", "publish_at": "2024-03-18T09:30"}).json
    assert changed["title"] == "Renamed" and changed["publish_at"].startswith("2024-03-18T09:30")
