"""The course a viewer came from, in their learning records (the ``xapi`` plugin's ``amphi_xapi_context``).

A viewer identified by a launch's grant watches from the course the grant names; a signed-in viewer whose
account a platform knows watches from a course of that platform whose group the video is limited to and
that they belong to. The course is the statements' ``parent`` (an IRI under the platform's issuer: the
LTI context id), the platform their ``grouping``.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select

from core.models import Group, User, Video
from plugin_moodle.grants import GRANT_COURSE_ENVIRON
from plugin_moodle.models import LtiAccount, LtiCourse, LtiPlatform

COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
LMS_TYPE = "http://id.tincanapi.com/activitytype/lms"


def granted_course(request, video: Video) -> LtiCourse | None:
    """The course named by the grant that identified this viewer, for this video."""
    grant = request.environ.get(GRANT_COURSE_ENVIRON)
    user = request.user
    if grant is None or user is None or grant[:2] != (user.id, video.id) or not grant[2]:
        return None
    course = request.dbsession.get(LtiCourse, grant[2])
    return course if course is not None and course.site_id == request.site.id else None


def member_course(request, user: User, video: Video) -> LtiCourse | None:
    """A course of a platform that knows the user, whose group the video is limited to and they are in."""
    groups = [g.id for g in video.allowed_groups if user in g.members] if video.access == "groups" else []
    if not groups:
        return None
    return request.dbsession.scalar(
        select(LtiCourse)
        .join(LtiPlatform, LtiPlatform.id == LtiCourse.platform_id)
        .join(LtiAccount, (LtiAccount.issuer == LtiPlatform.issuer) & (LtiAccount.site_id == LtiCourse.site_id))
        .where(LtiCourse.site_id == request.site.id, LtiCourse.group_id.in_(groups), LtiAccount.user_id == user.id)
        .order_by(LtiCourse.id)
        .limit(1)
    )


def course_iri(issuer: str, context_id: str) -> str:
    return f"{issuer.rstrip('/')}/lti/context/{quote(context_id, safe='')}"


def xapi_context(request, video: Video) -> dict | None:
    if request.user is None:
        return None
    course = granted_course(request, video) or member_course(request, request.user, video)
    if course is None:
        return None
    platform = request.dbsession.get(LtiPlatform, course.platform_id)
    title = course.title or request.dbsession.get(Group, course.group_id).title
    parent = {
        "objectType": "Activity",
        "id": course_iri(platform.issuer, course.context_id),
        "definition": {"type": COURSE_TYPE, "name": {"und": title}},
    }
    lms = {
        "objectType": "Activity",
        "id": platform.issuer,
        "definition": {"type": LMS_TYPE, "name": {"und": platform.name}},
    }
    return {"parent": [parent], "grouping": [lms]}
