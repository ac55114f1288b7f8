"""Every installed plugin (entry points ``amphi.plugins``: built-in, plugin_* and examples) is silent on
a site that did not enable it: its routes answer 404, its contributions are not shown, its hooks are
not called, and a video's life there leaves its tables, jobs and tracks untouched."""

import re
from importlib import metadata

import pytest
from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from pyramid.threadlocal import RequestContext
from pyramid.traversal import DefaultRootFactory
from sqlalchemy import select

from core.catalogue.home import DEFAULT_BLOCKS
from core.models import Base, Channel, Job, Track
from core.platform.plugins import ENTRY_POINT_GROUP

INSTALLED = sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)})

#: Hooks the host calls once for the whole application, whatever a site enabled.
APPLICATION_HOOKS = {"amphi_settings", "amphi_job_handlers"}

#: What a page shows of each UI hook's items: the text that gives a contribution away.
UI_HOOKS = {
    "amphi_nav_items": lambda item: f'href="{item.url}"',
    "amphi_video_actions": lambda item: f'href="{item.url}"',
    "amphi_feed_links": lambda item: f'href="{item.url}"',
    "amphi_video_panels": lambda item: f'id="panel-{item.id}"',
    "amphi_home_blocks": lambda item: 'id="block-{}-title"'.format(item.id.replace(".", "-")),
}

PASSWORD = "silent password 1"


def sample_value(pattern: str) -> str:
    """A value that the placeholder's own regular expression (if any) accepts."""
    for value in ("1", "abc", "abc.vtt", "a/b.css", "fr", pattern.split("|")[0]):
        if re.fullmatch(pattern, value):
            return value
    raise AssertionError(f"no sample for {{...:{pattern}}}")


def route_request(app, route, host: str, known: dict) -> Request:
    """A request for ``route``: a path built from its pattern (``known`` values first, such as the id of a
    video that exists), with the first method its predicates allow."""
    values = {}
    for name, pattern in re.findall(r"\{(\w+)(?::((?:[^{}]|\{[^}]*\})*))?\}", route.pattern):
        value = known.get(name)
        fits = value and re.fullmatch(pattern or "[^/]+", value)
        values[name] = value if fits else sample_value(pattern or "[^/]+")
    if "*" in route.pattern:
        values[route.pattern.rsplit("*", 1)[1]] = ("x", "y")
    methods = next((p.val for p in route.predicates if type(p).__name__ == "RequestMethodPredicate"), ("GET",))
    method = "GET" if "GET" in methods else sorted(methods)[0]
    request = Request.blank(route.generate(values), method=method, base_url=f"http://{host}")
    request.registry = app.registry
    return request


def plugin_state(dbsession, info) -> dict:
    """Every row of the plugin's tables, its jobs and the tracks it made, to compare before and after."""
    module = info.module
    tables = sorted(
        {
            mapper.local_table
            for mapper in Base.registry.mappers
            if mapper.class_.__module__ == module or mapper.class_.__module__.startswith(module + ".")
        },
        key=lambda table: table.name,
    )
    dbsession.flush()
    state = {table.name: sorted(map(repr, dbsession.execute(select(table)).all())) for table in tables}
    handlers = getattr(info.plugin, "amphi_job_handlers", None)
    kinds = list((handlers() if handlers else None) or {})
    state["jobs"] = sorted(
        map(repr, dbsession.execute(select(Job.id, Job.kind, Job.state).where(Job.kind.in_(kinds))).all())
    )
    state["tracks"] = sorted(
        map(repr, dbsession.execute(select(Track.id, Track.video_id).where(Track.plugin == info.name)).all())
    )
    return state


def own_items(request, info, hook: str, **kwargs):
    """What the plugin itself would contribute through ``hook`` for this request (called directly, as
    during a page: the request is the current one and has its context)."""
    function = getattr(info.plugin, hook, None)
    if function is None:
        return []
    request.context = DefaultRootFactory(request)
    with RequestContext(request):
        return function(request=request, **kwargs) or []


def live_a_life(request, video, user) -> None:
    """Each event of a video's life but its deletion, through the site's relay, as the core fires them."""
    hooks = request.hooks
    hooks.amphi_video_created(request=request, video=video)
    hooks.amphi_video_ready(request=request, video_id=video.id)
    hooks.amphi_video_changed(request=request, video=video)
    hooks.amphi_video_viewed(request=request, video=video)
    hooks.amphi_watch_progress(request=request, video=video, seconds_watched=30.0)
    hooks.amphi_video_failed(request=request, video_id=video.id, reason="silent")
    hooks.amphi_search_reindex(request=request)
    hooks.amphi_user_signed_out(request=request, user=user)


def contribution_markers(request, info, site, channel, video) -> list[str]:
    """The text that would give away each of the plugin's contributions to the site's pages; its home
    blocks are added to the site's choice, as if chosen while it was enabled."""
    markers = []
    for hook, marker in UI_HOOKS.items():
        arguments = {"video": video} if "video" in hook else {"subject": channel} if "feed" in hook else {}
        items = own_items(request, info, hook, **arguments)
        if hook == "amphi_home_blocks":  # a block of markup with nothing to show leaves the page (Live now)
            items = [block for block in items if block.markup is None or block.markup(1)]
        markers += [marker(item) for item in items]
    blocks = [block.id for block in own_items(request, info, "amphi_home_blocks")]
    site.home_blocks = [*(site.home_blocks or DEFAULT_BLOCKS), *blocks]
    badges = own_items(request, info, "amphi_video_badges", videos=[video]) or {}
    return markers + [f"badge-{badge.name}" for items in badges.values() for badge in items if badge.name]


def site_pages(browser, site, channel, video) -> list[str]:
    """The pages where contributions show, read by the video's owner when the site signs people in."""
    if "auth_local" in site.enabled_plugins and "amphi_session" not in browser.cookies:
        browser.sign_in("owner", PASSWORD)
    return [
        browser.get(url).text
        for url in ("/", f"/videos/{video.id}", "/search?q=lecture", "/my/videos", f"/channels/{channel.slug}")
    ]


@pytest.fixture
def quiet_site(app, make_site, make_user, make_video, dbsession):
    """``quiet_site(name)``: a site with every installed plugin but ``name``, an owner, a channel and a
    ready video in it."""

    def make(name):
        host = app.registry.plugins  # the plugins that need it go too: a site cannot enable them alone
        site = make_site("quiet", plugins=[n for n in host.names() if n != name and name not in host.infos[n].requires])
        owner = make_user(site, "owner", role="staff", password=PASSWORD if name != "auth_local" else None)
        channel = Channel(site_id=site.id, slug="quiet-channel", title="Quiet")
        dbsession.add(channel)
        video = make_video(
            site, owner, "Silent lecture", access="public", status="ready", language="ko", channels=[channel]
        )
        return site, owner, channel, video

    return make


@pytest.mark.parametrize("name", INSTALLED)
def test_a_plugin_is_silent_where_it_is_not_enabled(name, app, quiet_site, make_request, make_testapp, dbsession):
    host = app.registry.plugins
    info = host.infos[name]
    assert info.loaded, f"{name} is installed but not loaded: {info.error}"
    before = plugin_state(dbsession, info)
    site, owner, channel, video = quiet_site(name)
    assert not site.has_plugin(name)

    # Its hooks are left out of the site's relay (the application-wide ones aside).
    request = make_request(site, owner)
    for hook in set(info.hooks(host.pm)) - APPLICATION_HOOKS:
        callers = {impl.plugin_name for impl in getattr(request.hooks, hook).get_hookimpls()}
        assert name not in callers, hook

    # Every route it owns answers 404 there, though it reaches that route on a site that enabled it.
    mapper = app.registry.getUtility(IRoutesMapper)
    browser = make_testapp(site.domains[0].domain)
    known = {"video_id": str(video.id), "id": str(video.id), "channel": channel.slug}
    for route in (r for r in mapper.get_routes() if r.name in info.routes):
        matched = mapper(route_request(app, route, "a.test", known))["route"]
        assert matched is not None and matched.name == route.name, route.pattern
        probe = route_request(app, route, site.domains[0].domain, known)
        browser.request(probe.path_qs, method=probe.method, status=404)

    # None of what it would contribute shows on the site's pages, its home blocks chosen before it was disabled.
    would_show = contribution_markers(request, info, site, channel, video)
    pages = site_pages(browser, site, channel, video)
    assert [text for text in would_show if any(text in page for page in pages)] == []

    # A video's whole life there leaves its tables, jobs and tracks as they were.
    if "auth_local" in site.enabled_plugins:
        form = browser.get(f"/videos/{video.id}/edit").forms["video-edit"]
        form["title"] = "Silent lecture, edited"
        form.submit(status=302)
    live_a_life(make_request(site, owner), video, owner)
    assert plugin_state(dbsession, info) == before
    request = make_request(site, owner)
    request.hooks.amphi_video_deleted(request=request, video=video)
    assert plugin_state(dbsession, info) == before


def test_the_same_contributions_show_where_their_plugins_are_enabled(
    app, make_site, make_user, make_video, make_request, make_testapp, dbsession
):
    """The check above looks for what does show when a plugin is on: every plugin's markers, on a site
    with them all."""
    site = make_site("lively")
    owner = make_user(site, "owner", role="staff", password=PASSWORD)
    channel = Channel(site_id=site.id, slug="lively-channel", title="Lively")
    dbsession.add(channel)
    video = make_video(
        site, owner, "Lively lecture", access="public", status="ready", language="ko", channels=[channel]
    )
    request = make_request(site, owner)
    request.hooks.amphi_video_viewed(request=request, video=video)  # a home block lists viewed videos
    markers = {
        name: contribution_markers(request, info, site, channel, video)
        for name, info in app.registry.plugins.infos.items()
        if info.loaded
    }
    pages = site_pages(make_testapp(site.domains[0].domain), site, channel, video)
    assert {name: [m for m in found if not any(m in page for page in pages)] for name, found in markers.items()} == {
        name: [] for name in markers
    }
    assert sum(map(len, markers.values())) >= 10


@pytest.mark.parametrize("name", ["search_sql", "stats", "transcriber_vosk"])
def test_the_same_life_leaves_traces_where_the_plugin_is_enabled(
    name, app, site, make_user, make_video, make_request, dbsession
):
    """The check above sees an effect when there is one: these plugins write on a site that enabled them."""
    info = app.registry.plugins.infos[name]
    before = plugin_state(dbsession, info)
    owner = make_user(site, "owner", role="staff")
    video = make_video(site, owner, "Lively lecture", access="public", status="ready", language="ko")
    live_a_life(make_request(site, owner), video, owner)
    assert plugin_state(dbsession, info) != before
