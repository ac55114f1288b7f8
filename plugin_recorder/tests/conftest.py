"""Fixtures of the recorder plugin's tests (the core's come from core.testing, a pytest plugin)."""

import pytest

from plugin_recorder.auth import set_password
from plugin_recorder.models import Recorder
from recorder_helpers import AGENT_PASSWORD, PASSWORD


@pytest.fixture
def people(site, make_user):
    return {
        "admin": make_user(site, "admin", role="site-admin", password=PASSWORD, email="admin@example.org"),
        "manager": make_user(site, "manager", role="staff", password=PASSWORD, email="manager@example.org"),
        "prof": make_user(site, "prof", role="staff", password=PASSWORD),
        "student": make_user(site, "student", password=PASSWORD),
    }


@pytest.fixture
def make_recorder(dbsession, people):
    def make(site, name="amphi-a", type="opencast", **fields):
        recorder = Recorder(site_id=site.id, name=name, type=type, username=fields.pop("username", name),
                            manager_id=people["manager"].id, **fields)
        set_password(recorder, AGENT_PASSWORD)
        dbsession.add(recorder)
        dbsession.flush()
        return recorder

    return make
