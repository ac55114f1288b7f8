"""Failed sign-ins are counted in one step with the check: concurrent attempts cannot all slip under the limit."""

import threading

import pytest
from sqlalchemy import delete, func, select

from core.access.ratelimit import RateLimit, take_each
from core.models import RateLimitHit
from core.platform.errors import TooManyAttempts
from core.platform.tasks import worker_request
from plugins.auth_local.passwords import authenticate

ATTEMPTS = 12


def concurrently(site_id, attempt) -> list:
    """Run ``attempt(request)`` in ATTEMPTS threads at once, each in its own transaction (connection)."""
    barrier, outcomes = threading.Barrier(ATTEMPTS), []

    def run():
        barrier.wait()
        try:
            with worker_request(site_id) as request:
                outcomes.append(attempt(request))
        except TooManyAttempts:
            outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_wrong_passwords_never_pass_the_limit(committed_site):
    site_id, _user_id = committed_site
    outcomes = concurrently(site_id, lambda request: authenticate(request, "owner", "wrong password"))
    assert outcomes.count("refused") == ATTEMPTS - 5  # auth_local allows 5 failures per account
    with worker_request() as request:
        counted = request.dbsession.scalar(
            select(func.count(RateLimitHit.id)).where(RateLimitHit.site_id == site_id, RateLimitHit.key == "user:owner")
        )
        request.dbsession.execute(delete(RateLimitHit).where(RateLimitHit.site_id == site_id))
    assert counted == 5


def test_the_hit_is_taken_with_the_check(committed_site):
    site_id, _user_id = committed_site
    limiter = RateLimit("test.race", 3, 60)
    outcomes = concurrently(site_id, lambda request: limiter.take(request.dbsession, site_id, "k") and "taken")
    assert sorted(outcomes) == ["refused"] * (ATTEMPTS - 3) + ["taken"] * 3
    with worker_request() as request:
        request.dbsession.execute(delete(RateLimitHit).where(RateLimitHit.site_id == site_id))


def test_a_refused_attempt_counts_for_nothing(site, dbsession):
    account, address = RateLimit("test.refused", 2, 60), RateLimit("test.refused", 1, 60)
    take_each(dbsession, site.id, (account, "user:ana"), (address, "addr:1"))
    with pytest.raises(TooManyAttempts):  # the address is spent: the account's hit is taken back too
        take_each(dbsession, site.id, (account, "user:ana"), (address, "addr:1"))
    assert (account.count(dbsession, site.id, "user:ana"), address.count(dbsession, site.id, "addr:1")) == (1, 1)
    account.take(dbsession, site.id, "user:ana")
    with pytest.raises(TooManyAttempts):
        account.take(dbsession, site.id, "user:ana")
    assert account.count(dbsession, site.id, "user:ana") == 2
