"""A schema-driven fuzzer (schemathesis) against /api/v1/, in process: the OpenAPI document is the truth.

Each run makes the document's operations with bodies, query parameters and methods drawn from the
document (valid and invalid), on real rows of a site, and checks that the server never fails (5xx),
answers only the status codes the document declares, with bodies that follow its schemas, refuses
what the document does not allow, and answers 405 to a method no operation declares. Seeded and
bounded: the same cases on every run, in seconds.
"""

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from core.access.tokens import create_token
from core.web.apiv1.common import WINDOW
from tests.functional.test_api_v1 import channels, lectures, people  # noqa: F401  (fixtures)

CONFIG = {
    "seed": 2026,
    "generation": {"mode": "all", "deterministic": True, "database": "none", "max-examples": 3},
    "checks": {
        # What a valid body may still be refused for (an unknown group, a slug taken) the schema cannot say.
        "positive_data_acceptance": {"enabled": False},
        # Its probe sends without the run's session and fails inside schemathesis on a WSGI app
        # (max_redirects); test_api_v1's test_every_protected_operation_answers_401 covers it.
        "ignored_auth": {"enabled": False},
    },
    # The coverage phase sends each rule's boundary cases and the methods no operation declares (405);
    # its negative cases are what the suite can afford (about 20 s a database).
    "phases": {"stateful": {"enabled": False}, "coverage": {"generation": {"mode": "negative"}}},
}


def fuzz(app, tm, dbsession, headers: dict, parameters: dict) -> list[str]:
    """Run schemathesis on the site ``a.test`` inside the test's transaction; the problems it found."""
    environ = {
        "HTTP_HOST": "a.test",
        "tm.active": True,
        "tm.manager": tm,
        "app.dbsession": dbsession,
        "REMOTE_ADDR": "192.0.2.10",
    }

    def in_transaction(wsgi_environ, start_response):
        wsgi_environ.update(environ)
        return app(wsgi_environ, start_response)

    config = SchemathesisConfig.from_dict({**CONFIG, "headers": headers, "parameters": parameters})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_transaction, config=config)
    problems = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            problems += [
                f"{event.recorder.label}: {check.failure_info.failure.title}: "
                f"{check.failure_info.failure.message[:400]}"
                for checks in event.recorder.checks.values()
                for check in checks
                if check.failure_info
            ]
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            problems.append(f"fatal: {event.exception!r}")
    return sorted(set(problems))


@pytest.fixture
def no_rate_limit(app, monkeypatch):
    WINDOW.calls.clear()
    monkeypatch.setitem(app.registry.settings, "amphi.api.rate_limit", "0")


def test_the_server_keeps_the_documented_contract(
    app,
    tm,
    dbsession,
    site,
    people,
    lectures,
    channels,
    make_request,
    no_rate_limit,
):
    _token, secret = create_token(make_request(site), people["admin"], "fuzzer", "write", 0)
    ids = {
        "path.video_id": lectures["public"].id,
        "path.channel_id": channels["maths"].id,
        "path.theme_id": channels["maths"].themes[0].id,
        "path.group_id": people["group"].id,
        "path.user_id": people["student"].id,
    }
    problems = fuzz(app, tm, dbsession, {"Authorization": f"Bearer {secret}"}, ids)
    assert not problems, "\n".join(problems)
