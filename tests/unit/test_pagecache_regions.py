"""Personal regions in a shared page: markers written while a page to share is rendered, filled per visitor."""

from __future__ import annotations

from types import SimpleNamespace

from markupsafe import escape

from core.pagecache import regions
from core.pagecache.regions import NONCE, SHARING, csrf_marker, fill, has_markers, render_personal


@regions.personal_fragment("test.hello")
def hello(request, name: str) -> str:
    return f"<b>{escape(request.visitor)} greets {escape(name)}</b> {render_personal(request, 'test.token')}"


@regions.personal_fragment("test.token")
def token(request) -> str:
    return str(csrf_marker(request)) if request.environ.get(SHARING) else "direct"


def visitor(name: str, sharing: bool = False):
    return SimpleNamespace(visitor=name, environ={SHARING: True} if sharing else {})


def test_outside_a_shared_page_a_region_is_rendered_at_once():
    request = visitor("alice")
    assert render_personal(request, "test.hello", name="Bob") == "<b>alice greets Bob</b> direct"
    assert not has_markers(request)


def test_a_shared_page_holds_markers_filled_for_each_visitor():
    writer = visitor("alice", sharing=True)
    page = f'<p>{render_personal(writer, "test.hello", name="Bob")}</p><input value="{csrf_marker(writer)}">'
    assert has_markers(writer) and "alice" not in page and NONCE in page
    for name, token_value in (("alice", "t-alice"), ("chloé", "t-chloé")):
        reader = visitor(name, sharing=True)
        filled = fill(reader, page.encode(), lambda value=token_value: value).decode()
        # The region is this visitor's, rendered as the page was (markers in it are filled in turn).
        assert filled == f'<p><b>{name} greets Bob</b> {token_value}</p><input value="{token_value}">'
        assert reader.environ[SHARING] is True


def test_the_token_is_escaped_and_made_once():
    calls = []
    reader = visitor("alice", sharing=True)
    page = f"{csrf_marker(reader)} {csrf_marker(reader)}".encode()
    assert fill(reader, page, lambda: calls.append(1) or 'a"b') == b"a&#34;b a&#34;b"
    assert calls == [1]


def test_markers_survive_escaping_and_cannot_be_forged():
    writer = visitor("alice", sharing=True)
    marker = str(render_personal(writer, "test.hello", name="Bob"))
    assert str(escape(marker)) == marker  # in a text, an attribute or a URL alike
    forged = b"amphi~0123456789abcdef01234567~csrf~ <!--amphi-x:y-->"  # another nonce: left alone
    assert fill(visitor("eve", sharing=True), forged, lambda: "token") == forged
    assert fill(visitor("eve"), b"no marker here", lambda: "token") == b"no marker here"


def test_sessions_that_opened_videos_or_send_credentials_are_never_shared():
    from core.access.security import SHARE_LINKS, UNLOCKED_VIDEOS
    from core.access.tokens import SESSION_COOKIE
    from core.pagecache import access_profile

    def request(method="GET", session=None, cookies=None, headers=None):
        return SimpleNamespace(
            method=method,
            session=session or {},
            cookies={SESSION_COOKIE: "x"} if cookies is None else cookies,
            headers=headers or {},
        )

    assert access_profile(request(session={UNLOCKED_VIDEOS: ["3:abc"]})) is None  # a password given
    assert access_profile(request(session={SHARE_LINKS: ["hash"]})) is None  # a share link opened
    assert access_profile(request(method="POST")) is None
    assert access_profile(request(cookies={})) is None
    assert access_profile(request(headers={"Authorization": "Bearer x"})) is None


def test_a_remembered_region_is_rendered_once_per_user_and_generation():
    calls = []

    @regions.personal_fragment("test.remembered", remember=True)
    def remembered(request, video_id: int) -> str:
        calls.append(request.user.id)
        return f"notes of {request.user.id} on {video_id} {csrf_marker(request)}"

    def reader(user_id: int, generation: int, token: str):
        request = SimpleNamespace(
            user=SimpleNamespace(id=user_id),
            host="example.org",
            path_qs="/videos/7",
            locale_name="fr",
            environ={SHARING: True, regions.GENERATION: generation},
        )
        return fill(request, page.encode(), lambda: token).decode()

    page = str(render_personal(visitor("alice", sharing=True), "test.remembered", video_id=7))
    assert reader(1, 5, "a") == "notes of 1 on 7 a"
    assert reader(1, 5, "b") == "notes of 1 on 7 b"  # remembered, with each session's own token
    assert reader(2, 5, "c") == "notes of 2 on 7 c"  # another user: rendered for them
    assert reader(1, 6, "d") == "notes of 1 on 7 d"  # a new generation: rendered again
    assert calls == [1, 2, 1]
