"""LTI Advantage services against the test platform's endpoints (written as the IMS specifications define
them, behind lti1p3platform's access tokens): a course's roster becomes its Amphi group, usable as a video's
access; the share of a video a learner watched is posted as a Score, never lowering a higher one."""

from __future__ import annotations

from lti_platform import INSTRUCTOR, LEARNER
from moodle_helpers import launch
from sqlalchemy import select

from core.catalogue.metadata import set_access
from core.models import Group, User
from core.plugin_api import video_permits
from plugin_moodle.models import LtiAccount, LtiCourse, LtiGrade
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
    make_testapp, make_request, site, registered, course_video, dbsession, tm, lti_platform
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
