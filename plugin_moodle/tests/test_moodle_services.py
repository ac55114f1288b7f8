"""LTI Advantage services against the test platform's endpoints (written as the IMS specifications define
them, behind lti1p3platform's access tokens): a course's roster becomes its Amphi group, usable as a video's
access; the share of a video a learner watched is posted as a Score, never lowering a higher one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lti_platform import INSTRUCTOR, LEARNER
from moodle_helpers import launch
from sqlalchemy import select

from core.catalogue.metadata import set_access
from core.ingest import create_video
from core.models import Group, User, utcnow
from core.platform.tasks import worker_request
from core.plugin_api import video_permits
from plugin_moodle.keys import keyset, signing_key
from plugin_moodle.learning_records import xapi_context
from plugin_moodle.models import LtiAccount, LtiCourse, LtiGrade, LtiPlatform
from plugin_moodle.services import (
    apply_roster,
    fetch_roster,
    post_score,
    record_sent,
    roster_values,
    score_values,
    send_score,
    sync_roster,
)


def queued(tm, task) -> list[tuple]:
    """The tasks the transaction will send once committed (core.platform.tasks.enqueue_after_commit)."""
    return [args[1:] for _hook, args, _kw in tm.get().getAfterCommitHooks() if args[0] is task]


def account_user(dbsession, sub: str) -> User:
    return dbsession.scalars(
        select(User).join(LtiAccount, LtiAccount.user_id == User.id).where(LtiAccount.sub == sub)
    ).one()


def member(sub: str, name: str, role: str = LEARNER, status: str = "Active") -> dict:
    return {"user_id": sub, "name": name, "status": status, "roles": [role]}


def test_the_course_roster_becomes_a_group_a_video_may_be_limited_to(
    make_testapp, make_request, make_user, site, registered, course_video, dbsession, tm, lti_platform
):
    frame = make_testapp("a.test")
    lti_platform.tool_keyset = frame.get("/lti/jwks.json").json
    lti_platform.rosters["course-1"] = [member("r-1", "Ann"), member("r-2", "Bob"), member("r-t", "Tess", INSTRUCTOR)]
    launch(frame, lti_platform, user="r-1", roster=True, custom={"video": str(course_video.id)})
    course = dbsession.scalar(select(LtiCourse))
    assert course.memberships_url == lti_platform.base + "/nrps/course-1"
    assert queued(tm, sync_roster) == [(site.id, course.id)]  # read after the commit, by a task

    request = make_request(site)
    apply_roster(request, course.id, fetch_roster(roster_values(request, course.id)))
    group = dbsession.get(Group, course.group_id)
    subs = {
        a.sub
        for a in dbsession.scalars(select(LtiAccount).where(LtiAccount.user_id.in_([u.id for u in group.members])))
    }
    assert subs == {"r-1", "r-2", "r-t"}  # accounts made for those who never launched
    # The course's teacher manages the videos limited to the course's group; its learners watch them.
    set_access(course_video, "groups", groups=[group])
    dbsession.flush()
    tess, ann = (account_user(dbsession, sub) for sub in ("r-t", "r-1"))
    assert video_permits(make_request(site, tess), course_video, "edit")
    assert not video_permits(make_request(site, ann), course_video, "edit")
    assert video_permits(make_request(site, ann), course_video, "view")
    # Signed in to Amphi (no grant), a member's learning records still name the course (xapi's hook).
    parent = xapi_context(make_request(site, ann), course_video)["parent"][0]
    assert (parent["id"], parent["definition"]["name"]) == (
        lti_platform.base + "/lti/context/course-1",
        {"und": "Optics 101"},
    )
    assert xapi_context(make_request(site, make_user(site, "visitor")), course_video) is None
    # Bob leaves the course; a member listed inactive is no member either.
    lti_platform.rosters["course-1"] = [member("r-1", "Ann"), member("r-2", "Bob", status="Inactive")]
    assert apply_roster(request, course.id, fetch_roster(roster_values(request, course.id))) == (1, 2)
    bob = dbsession.scalars(
        select(User).join(LtiAccount, LtiAccount.user_id == User.id).where(LtiAccount.sub == "r-2")
    ).one()
    assert bob not in group.members

    # "Members of this course" as a video's access: Ann's launch plays it, Bob's is refused.
    set_access(course_video, "groups", groups=[group])
    dbsession.flush()
    answer, _ = launch(frame, lti_platform, user="r-1", custom={"video": str(course_video.id)})
    frame.get(answer.location.removeprefix("http://a.test"), status=200)
    answer, _ = launch(
        frame, lti_platform, user="r-2", context=("course-2", "Other course"), custom={"video": str(course_video.id)}
    )
    frame.get(answer.location.removeprefix("http://a.test"), status=403)


def test_the_share_watched_is_posted_as_a_score_never_lowering_a_higher_one(
    make_testapp, make_request, site, registered, course_video, dbsession, tm, lti_platform
):
    frame = make_testapp("a.test")
    lti_platform.tool_keyset = frame.get("/lti/jwks.json").json
    answer, _ = launch(frame, lti_platform, user="g-1", lineitem="item-7", custom={"video": str(course_video.id)})
    grade = dbsession.scalar(select(LtiGrade))
    assert grade.lineitem_url == lti_platform.base + "/lineitems/item-7" and grade.sub == "g-1"
    grant_page = answer.location.removeprefix("http://a.test")
    position = grant_page.replace("/embed?", "/position?").replace("/videos/", "/api/videos/")

    # The player reports 1 s then 2 s of the 4 s video: 25 %, then 75 %, each sent after its commit.
    frame.post_json(position, {"position": 1, "watched": 1})
    assert grade.score_wanted == 25.0 and queued(tm, send_score) == [(site.id, grade.id)]
    request = make_request(site)
    record_sent(request, grade.id, post_score(score_values(request, grade.id)))
    frame.post_json(position, {"position": 3, "watched": 2})
    record_sent(request, grade.id, post_score(score_values(request, grade.id)))
    assert [
        (s["scoreGiven"], s["activityProgress"], s["gradingProgress"], s["userId"]) for s in lti_platform.scores
    ] == [
        (25.0, "InProgress", "FullyGraded", "g-1"),
        (75.0, "InProgress", "FullyGraded", "g-1"),
    ]
    assert grade.score_sent == 75.0 and score_values(request, grade.id) is None  # nothing more to send

    # A quiz gave 90 in the platform: watching the rest (100 %) does not lower... nor post under it.
    lti_platform.results["item-7"]["g-1"] = 90.0
    frame.post_json(position, {"position": 4, "watched": 0.5})
    assert grade.score_wanted == 87.5
    record_sent(request, grade.id, post_score(score_values(request, grade.id)))
    assert len(lti_platform.scores) == 2 and grade.score_sent == 90.0
    frame.post_json(position, {"position": 4, "watched": 1})
    record_sent(request, grade.id, post_score(score_values(request, grade.id)))
    assert lti_platform.scores[-1]["scoreGiven"] == 100.0 and lti_platform.scores[-1]["activityProgress"] == "Completed"


# --- the periodic tasks, as the worker runs them (their own transactions, committed data) ---------------


@pytest.fixture
def committed_platform(app, committed_site, lti_platform):
    """The test platform registered on a committed site, which it trusts the keys of; (site, platform, owner)."""
    site_id, owner_id = committed_site
    fields = lti_platform.platform_fields()
    with worker_request() as request:
        platform = LtiPlatform(site_id=site_id, **{**fields, "deployment_ids": [fields["deployment_ids"]]})
        request.dbsession.add(platform)
        signing_key(request.dbsession, site_id)
        request.dbsession.flush()
        platform_id = platform.id
        lti_platform.tool_keyset = keyset(request.dbsession, site_id)
    return site_id, platform_id, owner_id


def test_the_periodic_roster_sync_reads_every_course_again(committed_platform, lti_platform):
    from plugin_moodle.tasks import sync_rosters

    site_id, platform_id, _owner = committed_platform
    with worker_request(site_id) as request:
        group = Group(site_id=site_id, name="lti-periodic", title="Thermo (Test Moodle)", source="moodle")
        request.dbsession.add(group)
        request.dbsession.flush()
        course = LtiCourse(
            site_id=site_id,
            platform_id=platform_id,
            context_id="course-periodic",
            group_id=group.id,
            memberships_url=lti_platform.base + "/nrps/course-periodic",
        )
        request.dbsession.add(course)
        request.dbsession.flush()
        course_id, group_id = course.id, group.id
    lti_platform.rosters["course-periodic"] = [member("p-1", "Pia"), member("p-t", "Tom", INSTRUCTOR)]

    sync_rosters.call_local()  # the 6-hourly task: each course's roster task (run at once by the test's huey)

    with worker_request(site_id) as request:
        members = {u.display_name for u in request.dbsession.get(Group, group_id).members}
        course = request.dbsession.get(LtiCourse, course_id)
        assert members == {"Pia", "Tom"} and course.synced_at is not None
    lti_platform.rosters["course-periodic"] = [member("p-t", "Tom", INSTRUCTOR)]
    sync_rosters.call_local()
    with worker_request(site_id) as request:
        assert {u.display_name for u in request.dbsession.get(Group, group_id).members} == {"Tom"}


def test_the_periodic_sweep_sends_again_the_scores_whose_task_gave_up(committed_platform, lti_platform):
    from plugin_moodle.tasks import sweep_launch_values

    site_id, platform_id, owner_id = committed_platform
    lineitem = lti_platform.base + "/lineitems/item-periodic"
    scopes = "https://purl.imsglobal.org/spec/lti-ags/scope/score https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    with worker_request(site_id) as request:
        video = create_video(request, request.dbsession.get(User, owner_id), "Thermo", status="ready", duration=10.0)
        learner = User(site_id=site_id, username="lti-learner-periodic")
        request.dbsession.add(learner)
        request.dbsession.flush()
        rows = [
            # gave up a while ago: sent again; just asked: its own task is still on it; nothing more to send
            LtiGrade(
                site_id=site_id,
                platform_id=platform_id,
                lineitem_url=lineitem,
                scope=scopes,
                user_id=learner.id,
                sub="late-1",
                video_id=video.id,
                score_wanted=60.0,
                score_sent=20.0,
                updated_at=utcnow() - timedelta(hours=1),
            ),
            LtiGrade(
                site_id=site_id,
                platform_id=platform_id,
                lineitem_url=lineitem + "-b",
                scope=scopes,
                user_id=learner.id,
                sub="late-1",
                video_id=video.id,
                score_wanted=30.0,
                score_sent=0.0,
            ),
            LtiGrade(
                site_id=site_id,
                platform_id=platform_id,
                lineitem_url=lineitem + "-c",
                scope=scopes,
                user_id=learner.id,
                sub="late-1",
                video_id=video.id,
                score_wanted=50.0,
                score_sent=50.0,
                updated_at=utcnow() - timedelta(hours=1),
            ),
        ]
        request.dbsession.add_all(rows)
        request.dbsession.flush()
        ids = [r.id for r in rows]
    posted = len(lti_platform.scores)

    sweep_launch_values.call_local()  # the 15-minute task

    sent = lti_platform.scores[posted:]
    assert [(s["scoreGiven"], s["userId"], s["activityProgress"]) for s in sent] == [(60.0, "late-1", "InProgress")]
    with worker_request(site_id) as request:
        assert [request.dbsession.get(LtiGrade, i).score_sent for i in ids] == [60.0, 0.0, 50.0]
