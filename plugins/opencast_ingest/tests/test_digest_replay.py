"""A Digest answer is accepted once, even when several processes (connections) receive it at the same moment."""

import hashlib
import threading

from sqlalchemy import delete

from core.platform.tasks import worker_request
from plugins.opencast_ingest.httpauth import REALM, digest_ha1, digest_valid, make_nonce, nonce_secret
from plugins.opencast_ingest.models import DigestNonce

THREADS = 8


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_the_same_answer_sent_to_several_workers_at_once_is_accepted_once(app):
    nonce = make_nonce(nonce_secret(app), REALM)
    ha1 = digest_ha1("agent", REALM, "right")
    response = md5(f"{ha1}:{nonce}:00000001:c0ffee:auth:{md5('GET:/')}")
    params = {
        "username": "agent",
        "realm": REALM,
        "nonce": nonce,
        "uri": "/",
        "response": response,
        "qop": "auth",
        "nc": "00000001",
        "cnonce": "c0ffee",
    }
    barrier, outcomes = threading.Barrier(THREADS), []

    def worker():
        barrier.wait()
        try:
            with worker_request() as request:
                outcomes.append(digest_valid(request, params, ha1, nonce_secret(request), REALM))
        except Exception as exc:  # noqa: BLE001 — shown in the assertion
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with worker_request() as request:
        request.dbsession.execute(delete(DigestNonce).where(DigestNonce.nonce == nonce))
    assert sorted(outcomes, key=str) == [False] * (THREADS - 1) + [True]  # the others are refused cleanly
