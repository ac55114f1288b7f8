"""What other plugins may do with live events (``plugins.live.api``): create one or pick one of the owner's
whose window is open, get its RTMP address and key (server side), end it, read its state."""

from datetime import timedelta

import pytest

from core.models import utcnow
from plugins.live import api, callbacks, keys
from plugins.live.models import LiveEvent

PASSWORD = "a long password 1"


@pytest.fixture
def people(site, make_user):
    return {name: make_user(site, name, role="staff", password=PASSWORD) for name in ("prof", "colleague")}


def event(dbsession, site, owner, start_in=timedelta(0), length=timedelta(hours=1), **fields):
    start = utcnow() + start_in
    row = LiveEvent(site_id=site.id, title="Soutenance", starts_at=start, ends_at=start + length, **fields)
    row.owners = [owner]
    dbsession.add(row)
    dbsession.flush()
    return row


def test_an_event_is_created_for_its_owners_now_and_summarised(make_request, site, people, dbsession):
    request = make_request(site)
    created = api.create_event(
        request, [people["prof"]], "  Optics <live>  ", "Notes", ends_at=utcnow() + timedelta(days=2), access="public"
    )
    row = dbsession.get(LiveEvent, created.id)
    assert (row.title, row.description, row.access, row.state) == ("Optics <live>", "Notes", "public", "scheduled")
    assert [o.username for o in row.owners] == ["prof"] and row.ends_at - row.starts_at == api.MAX_LENGTH
    assert (created.state, created.room, created.on_air, created.over) == ("waiting", f"event-{row.id}", False, False)
    assert created.url == f"http://a.test/live/events/{row.id}"
    assert api.event_summary(request, row.id) == created
    with pytest.raises(ValueError):
        api.create_event(request, [people["prof"]], "x", ends_at=utcnow(), access="everyone")


def test_an_owner_picks_only_their_events_whose_window_is_open(make_request, make_site, site, people, dbsession):
    now_open = event(dbsession, site, people["prof"], start_in=timedelta(minutes=10))
    event(dbsession, site, people["prof"], start_in=timedelta(days=3))  # its window is not open yet
    event(dbsession, site, people["colleague"])
    event(dbsession, site, people["prof"], state="on_air")
    request = make_request(site)
    assert [e.id for e in api.broadcast_events(request, people["prof"])] == [now_open.id]
    assert api.owns_event(request, people["prof"], now_open.id)
    assert not api.owns_event(request, people["colleague"], now_open.id) and not api.owns_event(
        request, None, now_open.id
    )
    other = make_site("b")
    assert api.event_summary(make_request(other), now_open.id) is None  # another site's event is none here


def test_the_publish_target_is_the_ingest_address_and_the_current_key(app, make_request, site, people, dbsession):
    row = event(dbsession, site, people["prof"])
    target = api.publish_target(make_request(site), row.id)
    assert target.base == "rtmp://localhost:1935/live" and target.key == keys.stream_key(app.registry.settings, row)
    assert target.url == f"rtmp://localhost:1935/live/{target.key}"
    keys.rotate(row)
    assert api.publish_target(make_request(site), row.id).key != target.key
    assert api.publish_target(make_request(site), 10**9) is None


def test_ending_an_event_ends_its_broadcast_for_good(make_request, site, people, dbsession, tm):
    request = make_request(site)
    on_air = event(dbsession, site, people["prof"], state="on_air", on_air_at=utcnow())
    ended = api.end_event(request, on_air.id)
    assert (ended.state, ended.closed, ended.over) == ("ended", True, True) and on_air.ended_at is not None
    told = [cell.cell_contents for hook, _a, _kw in tm.get().getAfterCommitHooks() for cell in hook.__closure__ or ()]
    assert callbacks.stop_packaging in told  # the packager stops after the commit
    dropped = event(dbsession, site, people["prof"], state="ended", ended_at=utcnow())
    assert api.end_event(request, dropped.id).closed  # a stream coming back is refused now
    waiting = event(dbsession, site, people["prof"])
    assert api.end_event(request, waiting.id).state == "waiting" and not waiting.closed
    assert api.end_event(request, 10**9) is None
