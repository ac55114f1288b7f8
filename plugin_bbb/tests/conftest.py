"""Fixtures of the BigBlueButton plugin's tests (the core's come from core.testing, a pytest plugin)."""

from datetime import UTC, datetime, timedelta

import pytest
from bbb_helpers import PASSWORD

from plugin_bbb.models import BbbMeeting, BbbServer
from plugin_bbb.testing import fake_bbb  # noqa: F401  (the fixture)


@pytest.fixture
def people(site, make_user):
    return {
        "admin": make_user(site, "admin", role="site-admin", password=PASSWORD),
        "prof": make_user(site, "prof", role="staff", password=PASSWORD, display_name="Prof <Ada>"),
        "colleague": make_user(site, "colleague", role="staff", password=PASSWORD),
        "student": make_user(site, "student", password=PASSWORD, display_name="Sam Student"),
        "outsider": make_user(site, "outsider", password=PASSWORD),
    }


@pytest.fixture
def server(dbsession, site, fake_bbb):
    """A server of site A that is the fake (sha256)."""
    row = BbbServer(
        site_id=site.id, name="Fake BBB", url=fake_bbb.url, secret=fake_bbb.secret, checksum_algorithm="sha256"
    )
    dbsession.add(row)
    dbsession.flush()
    return row


@pytest.fixture
def make_meeting(dbsession, site, server, people):
    """``make_meeting(**fields)``: a meeting of site A on the fake server, owned by prof, open now."""

    def make(**fields):
        now = datetime.now(UTC)
        values = {"name": "Optics <live>", "starts_at": now - timedelta(minutes=5), "ends_at": now + timedelta(hours=1)}
        values.update(fields)
        owners = values.pop("owners", [people["prof"]])
        meeting = BbbMeeting(site_id=site.id, server_id=server.id, **values)
        meeting.owners = owners
        dbsession.add(meeting)
        dbsession.flush()
        return meeting

    return make
