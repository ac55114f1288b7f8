"""LTI Advantage services, called by the tool: Names and Roles Provisioning (a course's roster becomes its
Amphi group) and Assignment and Grade Services (the share of a video a learner watched, posted as a Score).

Every call to a platform runs in a task, after the commit that asked for it, outside any transaction:
the values it needs are read first (:func:`service_values`), the platform is called through pylti1p3's
services (an access token from the platform's token endpoint, a JWT signed with the site's tool key), and
what came back is written in a transaction of its own.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import delete, select, update

from core.models import Group, User, utcnow
from core.plugin_api import create_user, enqueue_after_commit, huey, plugin_settings, worker_request
from plugin_moodle.adapter import ToolRegistration
from plugin_moodle.keys import signing_key
from plugin_moodle.models import LtiAccount, LtiCourse, LtiGrade, LtiPlatform, LtiTeacher

log = logging.getLogger(__name__)

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
#: A share at least this high (percent) completes the activity.
COMPLETED_AT = 95.0


class TimeoutSession(requests.Session):
    """A requests session that never waits on a platform longer than ``timeout`` seconds."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def service_values(request, platform: LtiPlatform) -> dict:
    """What a service call needs, as plain values (read inside a transaction, used outside)."""
    key = signing_key(request.dbsession, platform.site_id)
    timeout = plugin_settings(request.registry, request.site, "moodle")["timeout_seconds"]
    return {
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "token_url": platform.token_url,
        "private_pem": key.private_pem,
        "kid": key.kid,
        "timeout": float(timeout),
    }


def connector(values: dict) -> ServiceConnector:
    registration = (
        ToolRegistration()
        .set_issuer(values["issuer"])
        .set_client_id(values["client_id"])
        .set_auth_token_url(values["token_url"])
        .set_tool_private_key(values["private_pem"])
    )
    registration.kid = values["kid"]
    return ServiceConnector(registration, TimeoutSession(values["timeout"]))


# --- Names and Roles: the course's roster --------------------------------------------------------------


def remember_course(request, platform: LtiPlatform, context_id: str, group: Group, data: dict) -> LtiCourse:
    """The course of a launch, its roster address updated; its roster read after the commit."""
    course = request.dbsession.scalar(
        select(LtiCourse).where(LtiCourse.platform_id == platform.id, LtiCourse.context_id == context_id)
    )
    if course is None:
        course = LtiCourse(site_id=request.site.id, platform_id=platform.id, context_id=context_id, group_id=group.id)
        request.dbsession.add(course)
    context = data.get("https://purl.imsglobal.org/spec/lti/claim/context") or {}
    course.title = str(context.get("title") or context.get("label") or context_id)[:200]
    nrps = data.get("https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice") or {}
    course.memberships_url = str(nrps.get("context_memberships_url") or "")[:500]
    request.dbsession.flush()
    if course.memberships_url:
        enqueue_after_commit(request, sync_roster, request.site.id, course.id)
    return course


def roster_values(request, course_id: int) -> dict | None:
    course = request.dbsession.get(LtiCourse, course_id)
    if course is None or not course.memberships_url:
        return None
    platform = request.dbsession.get(LtiPlatform, course.platform_id)
    return {**service_values(request, platform), "memberships_url": course.memberships_url}


def fetch_roster(values: dict) -> list[dict]:
    """The course's members as the platform lists them (every page)."""
    service = NamesRolesProvisioningService(connector(values), {"context_memberships_url": values["memberships_url"]})
    return service.get_members()


def apply_roster(request, course_id: int, members: list[dict]) -> tuple[int, int]:
    """Make the course's group its active members (accounts made for those who never launched) and its
    teachers those the roster gives a teaching role; return (members, removed)."""
    from plugin_moodle.launch import CLAIM, teaches, username_for  # (the launch's naming and roles)

    CLAIM_ROLES = CLAIM + "roles"

    course = request.dbsession.get(LtiCourse, course_id)
    platform = request.dbsession.get(LtiPlatform, course.platform_id)
    group = request.dbsession.get(Group, course.group_id)
    active = {str(m["user_id"]): m for m in members if m.get("user_id") and m.get("status", "Active") == "Active"}
    accounts = {
        a.sub: a
        for a in request.dbsession.scalars(
            select(LtiAccount).where(LtiAccount.site_id == course.site_id, LtiAccount.issuer == platform.issuer)
        )
    }
    wanted = set()
    for sub, member in active.items():
        account = accounts.get(sub)
        if account is None:
            user = create_user(
                request,
                username_for(platform.issuer, sub),
                display_name=str(member.get("name") or "")[:200],
                email=str(member.get("email") or "")[:254],
            )
            account = LtiAccount(site_id=course.site_id, issuer=platform.issuer, sub=sub, user_id=user.id)
            request.dbsession.add(account)
            accounts[sub] = account
        wanted.add(account.user_id)
    accounts_by_sub = accounts
    users = {u.id: u for u in request.dbsession.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    removed = [u for u in group.members if u.id not in wanted]
    for user in removed:
        group.members.remove(user)
    for user in users.values():
        if user not in group.members:
            group.members.append(user)
    teaching = {accounts_by_sub[sub].user_id for sub, m in active.items() if teaches({CLAIM_ROLES: m.get("roles")})}
    request.dbsession.execute(delete(LtiTeacher).where(LtiTeacher.course_id == course.id))
    request.dbsession.add_all(LtiTeacher(course_id=course.id, user_id=user_id) for user_id in teaching)
    course.synced_at = utcnow()
    return len(wanted), len(removed)


@huey.task(retries=3, retry_delay=60)
def sync_roster(site_id: int, course_id: int) -> None:
    with worker_request(site_id) as request:
        values = roster_values(request, course_id)
    if values is None:
        return
    members = fetch_roster(values)  # a platform that fails raises: huey retries
    with worker_request(site_id) as request:
        kept, removed = apply_roster(request, course_id, members)
    log.info("LTI roster of course %s: %d members, %d removed", course_id, kept, removed)


def queue_roster_syncs() -> int:
    """Every course with a roster address, read again (periodically)."""
    with worker_request() as request:
        courses = list(
            request.dbsession.execute(select(LtiCourse.site_id, LtiCourse.id).where(LtiCourse.memberships_url != ""))
        )
    for site_id, course_id in courses:
        sync_roster(site_id, course_id)
    return len(courses)


# --- Assignment and Grade Services: the share watched --------------------------------------------------


def remember_grade(request, platform: LtiPlatform, user: User, sub: str, video_id: int, data: dict) -> LtiGrade | None:
    """A graded launch (its line item in the AGS claim, the score scope granted): the learner's grade row."""
    ags = data.get("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint") or {}
    lineitem, scopes = str(ags.get("lineitem") or ""), list(ags.get("scope") or [])
    if not lineitem or SCORE_SCOPE not in scopes:
        return None
    grade = request.dbsession.scalar(
        select(LtiGrade).where(
            LtiGrade.platform_id == platform.id, LtiGrade.lineitem_url == lineitem[:500], LtiGrade.user_id == user.id
        )
    )
    if grade is None:
        grade = LtiGrade(
            site_id=request.site.id,
            platform_id=platform.id,
            lineitem_url=lineitem[:500],
            user_id=user.id,
            sub=sub,
            video_id=video_id,
        )
        request.dbsession.add(grade)
    grade.scope = " ".join(scopes)[:1000]
    request.dbsession.flush()
    return grade


def watched(request, video, seconds: float) -> None:
    """The player's report of time played (``amphi_watch_progress``): each graded link of this viewer and
    video adds it; a share higher than the one wanted so far is sent after the commit."""
    user = request.user
    if user is None or not video.duration:
        return
    rows = list(
        request.dbsession.scalars(select(LtiGrade.id).where(LtiGrade.user_id == user.id, LtiGrade.video_id == video.id))
    )
    for grade_id in rows:
        request.dbsession.execute(
            update(LtiGrade).where(LtiGrade.id == grade_id).values(seconds_watched=LtiGrade.seconds_watched + seconds)
        )
        grade = request.dbsession.get(LtiGrade, grade_id)
        request.dbsession.refresh(grade)
        share = round(min(100.0, 100.0 * grade.seconds_watched / video.duration), 1)
        if share > grade.score_wanted:
            grade.score_wanted = share
            enqueue_after_commit(request, send_score, grade.site_id, grade.id)


def score_values(request, grade_id: int) -> dict | None:
    grade = request.dbsession.get(LtiGrade, grade_id)
    if grade is None or grade.score_wanted <= grade.score_sent:
        return None
    platform = request.dbsession.get(LtiPlatform, grade.platform_id)
    return {
        **service_values(request, platform),
        "lineitem": grade.lineitem_url,
        "scope": grade.scope.split(),
        "sub": grade.sub,
        "score": grade.score_wanted,
    }


def post_score(values: dict) -> float:
    """Post the share as a Score unless the platform holds a higher one already; return the score it holds."""
    service = AssignmentsGradesService(connector(values), {"lineitem": values["lineitem"], "scope": values["scope"]})
    if RESULT_SCOPE in values["scope"]:
        mine = LineItem().set_id(with_query(values["lineitem"], "user_id", values["sub"]))
        held = [r.get("resultScore") for r in service.get_grades(mine) if str(r.get("userId")) == values["sub"]]
        best = max((float(s) for s in held if s is not None), default=None)
        if best is not None and best >= values["score"]:
            return best  # never lower a higher score (a quiz's, a teacher's)
    grade = (
        Grade()
        .set_score_given(values["score"])
        .set_score_maximum(100)
        .set_activity_progress("Completed" if values["score"] >= COMPLETED_AT else "InProgress")
        .set_grading_progress("FullyGraded")
        .set_timestamp(datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        .set_user_id(values["sub"])
    )
    service.put_grade(grade)
    return values["score"]


def with_query(url: str, name: str, value: str) -> str:
    from urllib.parse import urlencode

    return f"{url}{'&' if '?' in url else '?'}{urlencode({name: value})}"


def record_sent(request, grade_id: int, score: float) -> None:
    """What the platform holds now; a later, higher share is not overwritten (conditional UPDATE)."""
    request.dbsession.execute(
        update(LtiGrade).where(LtiGrade.id == grade_id, LtiGrade.score_sent < score).values(score_sent=score)
    )


@huey.task(retries=5, retry_delay=30)
def send_score(site_id: int, grade_id: int) -> None:
    with worker_request(site_id) as request:
        values = score_values(request, grade_id)
    if values is None:
        return
    try:
        held = post_score(values)
    except LtiException as exc:
        log.warning("LTI score for grade %s refused: %s", grade_id, exc)
        raise
    with worker_request(site_id) as request:
        record_sent(request, grade_id, held)


def queue_unsent_scores(older_than_seconds: int = 300) -> int:
    """Scores still to send whose task gave up (a platform down for a while): sent again (periodically)."""
    since = utcnow() - timedelta(seconds=older_than_seconds)
    with worker_request() as request:
        grades = list(
            request.dbsession.execute(
                select(LtiGrade.site_id, LtiGrade.id).where(
                    LtiGrade.score_wanted > LtiGrade.score_sent, LtiGrade.updated_at < since
                )
            )
        )
    for site_id, grade_id in grades:
        send_score(site_id, grade_id)
    return len(grades)
