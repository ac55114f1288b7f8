"""Sending the outbox to each site's LRS: in batches, after commit, retried with back-off, idempotent.

A periodic task (every minute) drains every site's due statements. Each batch is claimed in a short
transaction (a conditional UPDATE: two workers never send the same rows), sent with no transaction
open (``POST <endpoint>/statements`` with the array), and settled in another transaction. The LRS
recognises a statement id it already stored (a batch sent again after a worker died between the
POST and the settling): it answers 200/204 and stores nothing twice, or 409 when it stores
it differently, and the batch is then sent one statement at a time (``PUT ?statementId=``) to tell
stored statements from refused ones. A statement the LRS refuses (400) is kept, marked, and shown
to the site admin; nothing is dropped.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from huey import crontab
from sqlalchemy import and_, delete, or_, select, update

from core.models import Site, utcnow
from core.plugin_api import huey, plugin_settings, worker_request
from plugins.xapi.models import DeliveryStatus, Outbox, Viewing

log = logging.getLogger(__name__)
NAME = "xapi"
VERSION_HEADER = {"X-Experience-API-Version": "1.0.3"}
BATCH = 200
LEASE = timedelta(minutes=5)  # a claim older than this is a dead worker's: taken again
FIRST_RETRY, LAST_RETRY = timedelta(seconds=30), timedelta(hours=6)
KEEP_VIEWINGS = timedelta(days=2)


@dataclass(frozen=True)
class LrsConfig:
    endpoint: str  # ends with a slash: "https://lrs.example.edu/xAPI/"
    key: str
    secret: str
    timeout: float

    @classmethod
    def of(cls, settings) -> LrsConfig | None:
        endpoint = settings["endpoint"].strip()
        if not endpoint:
            return None
        return cls(endpoint.rstrip("/") + "/", settings["key"], settings["secret"], float(settings["timeout"]))

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        auth = (self.key, self.secret) if self.key or self.secret else None
        headers = {**VERSION_HEADER, **kwargs.pop("headers", {})}
        return requests.request(
            method, self.endpoint + path, auth=auth, headers=headers, timeout=self.timeout, **kwargs
        )


@dataclass
class Outcome:
    """What became of a batch: rows stored (or recognised), refused for good, to try again."""

    stored: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    retry: list[int] = field(default_factory=list)
    error: str = ""


class LrsError(Exception):
    """The LRS could not be used (connection, credentials, server error); the message says why, in words."""


def unreachable(exc: requests.RequestException) -> str:
    """Why the LRS could not be reached, in a few words (not the HTTP library's whole story)."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return "it did not answer in time"
    if isinstance(exc, requests.exceptions.SSLError):
        return "its certificate is not trusted"
    if "refused" in text.lower():
        return "the connection was refused (nothing answers at this address and port)"
    if "resolve" in text.lower() or "name or service not known" in text.lower():
        return "its host name is unknown"
    return text[-200:]


def describe(response: requests.Response) -> str:
    """The LRS's answer in words (its message, shortened)."""
    try:
        detail = response.json()
        detail = detail.get("detail") or detail.get("message") or detail if isinstance(detail, dict) else detail
    except ValueError:
        detail = response.text
    return f"HTTP {response.status_code}: {str(detail)[:300]}"


def refusal(response: requests.Response) -> str:
    """Why the LRS refused a request, for the site admin."""
    if response.status_code in (401, 403):
        return f"The LRS refused the key and secret ({describe(response)})."
    if response.status_code == 404:
        return f"No xAPI statements resource at this endpoint: check its address ({describe(response)})."
    return f"The LRS failed ({describe(response)})."


def send(config: LrsConfig, rows: list[tuple[int, str]]) -> Outcome:
    """POST the batch; on a conflict or a refused statement, PUT each one to sort them out. No transaction is open."""
    body = "[" + ",".join(statement for _id, statement in rows) + "]"
    try:
        response = config.request(
            "POST", "statements", data=body.encode(), headers={"Content-Type": "application/json"}
        )
    except requests.RequestException as exc:
        return Outcome(retry=[i for i, _ in rows], error=f"The LRS cannot be reached: {unreachable(exc)}.")
    if response.status_code in (200, 204):
        return Outcome(stored=[i for i, _ in rows])
    if response.status_code in (400, 409, 422):  # one of them is refused, or stored differently: one at a time
        return send_each(config, rows)
    return Outcome(retry=[i for i, _ in rows], error=refusal(response))


def send_each(config: LrsConfig, rows: list[tuple[int, str]]) -> Outcome:
    outcome = Outcome()
    for row_id, statement in rows:
        statement_id = json.loads(statement)["id"]
        try:
            response = config.request(
                "PUT",
                "statements",
                params={"statementId": statement_id},
                data=statement.encode(),
                headers={"Content-Type": "application/json"},
            )
        except requests.RequestException as exc:
            outcome.retry.append(row_id)
            outcome.error = f"The LRS cannot be reached: {unreachable(exc)}."
            continue
        if response.status_code in (200, 204):
            outcome.stored.append(row_id)
        elif response.status_code == 409:  # our id (a random UUID made with the statement): stored before
            log.info("xapi: statement %s was already stored by the LRS", statement_id)
            outcome.stored.append(row_id)
        elif response.status_code in (400, 422):
            outcome.refused[row_id] = f"The LRS refused this statement ({describe(response)})."
        else:
            outcome.retry.append(row_id)
            outcome.error = refusal(response)
    return outcome


def claim_batch(dbsession, site_id: int, now, limit: int = BATCH) -> list[tuple[int, str]]:
    """Take up to ``limit`` due statements of a site for this worker (a conditional UPDATE claims them)."""
    free = or_(Outbox.claimed_until.is_(None), Outbox.claimed_until < now)
    due = and_(Outbox.site_id == site_id, Outbox.failed.is_(False), Outbox.next_attempt_at <= now, free)
    ids = dbsession.scalars(select(Outbox.id).where(due).order_by(Outbox.id).limit(limit)).all()
    if not ids:
        return []
    token = secrets.token_hex(16)
    dbsession.execute(
        update(Outbox).where(Outbox.id.in_(ids), due).values(claim=token, claimed_until=now + LEASE),
        execution_options={"synchronize_session": False},
    )
    return list(dbsession.execute(select(Outbox.id, Outbox.statement).where(Outbox.claim == token).order_by(Outbox.id)))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min... up to 6 h between attempts."""
    return min(LAST_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


def settle(dbsession, site_id: int, outcome: Outcome, now) -> None:
    """Delete what the LRS stored, mark what it refused, put the rest back with a later attempt."""
    if outcome.stored:
        dbsession.execute(
            delete(Outbox).where(Outbox.id.in_(outcome.stored)), execution_options={"synchronize_session": False}
        )
    for row_id, reason in outcome.refused.items():
        dbsession.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .values(failed=True, last_error=reason[:500], claim=None, claimed_until=None)
        )
    for row in dbsession.scalars(select(Outbox).where(Outbox.id.in_(outcome.retry))):
        row.attempts += 1
        row.next_attempt_at = now + backoff(row.attempts)
        row.claim, row.claimed_until, row.last_error = None, None, outcome.error[:500]
    status = dbsession.get(DeliveryStatus, site_id)
    if status is None:
        status = DeliveryStatus(site_id=site_id, delivered=0, last_error="")
        dbsession.add(status)
    status.delivered = (status.delivered or 0) + len(outcome.stored)
    if outcome.stored:
        status.last_success_at = now
    if outcome.error or outcome.refused:
        status.last_error = (outcome.error or next(iter(outcome.refused.values())))[:500]
        status.last_error_at = now
        log.warning("xapi: site %s: %s", site_id, status.last_error)
    dbsession.flush()


def site_config(registry, site: Site) -> LrsConfig | None:
    settings = plugin_settings(registry, site, NAME)
    return LrsConfig.of(settings) if site.has_plugin(NAME) and settings["send"] else None


def deliver_site(site_id: int) -> int:
    """Send a site's due statements, batch after batch, until none is due or the LRS fails; return how many were stored."""
    stored = 0
    while True:
        with worker_request(site_id) as request:
            config = site_config(request.registry, request.site)
            rows = claim_batch(request.dbsession, site_id, utcnow()) if config else []
        if not rows:
            return stored
        outcome = send(config, rows)  # no transaction open while the LRS answers
        with worker_request(site_id) as request:
            settle(request.dbsession, site_id, outcome, utcnow())
        stored += len(outcome.stored)
        if outcome.retry:
            return stored


@huey.periodic_task(crontab(minute="*"))
def deliver_due() -> None:
    """Every minute: each site's due statements to its LRS, and viewings older than two days forgotten."""
    with worker_request() as request:
        now = utcnow()
        sites = request.dbsession.scalars(
            select(Outbox.site_id).where(Outbox.failed.is_(False), Outbox.next_attempt_at <= now).distinct()
        ).all()
        request.dbsession.execute(delete(Viewing).where(Viewing.started_at < now - KEEP_VIEWINGS))
    for site_id in sites:
        try:
            deliver_site(site_id)
        except Exception:  # one site's trouble must not keep the others' statements waiting
            log.exception("xapi: delivery for site %s failed", site_id)
