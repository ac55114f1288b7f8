"""Amphi's data model (SQLAlchemy 2). Plugins' tables share :class:`Base`."""

from core.models.cache import CacheGeneration
from core.models.catalog import (
    CHANNEL_VISIBILITIES,
    LICENSES,
    Channel,
    Discipline,
    ShareLink,
    Tag,
    Theme,
    VideoType,
    channel_groups,
    channel_managers,
    video_channels,
    video_disciplines,
    video_tags,
    video_themes,
)
from core.models.meta import NOT_ON_PAGES, PERSONAL, Base, UTCDateTime, utcnow
from core.models.notification import MAIL_STATES, Notification, NotificationPreference
from core.models.ratelimit import RateLimitHit
from core.models.session import UserSession
from core.models.site import Site, SiteDomain
from core.models.sitepage import CONFORMANCE_STATES, SITE_PAGE_SLUGS, SitePage
from core.models.token import TOKEN_SCOPES, AccessToken
from core.models.upload import Upload, ViewProgress
from core.models.user import IDENTITY_RULE_KINDS, Group, IdentityRule, User, group_members
from core.models.video import (
    ACCESS_LEVELS,
    BULK_ACCESS,
    JOB_STATES,
    ORIGINAL_KINDS,
    TRACK_KINDS,
    VIDEO_STATUSES,
    Job,
    MediaFile,
    Track,
    Video,
    video_groups,
    video_owners,
)

__all__ = [
    "NOT_ON_PAGES",
    "PERSONAL",
    "CacheGeneration",
    "ACCESS_LEVELS",
    "AccessToken",
    "IDENTITY_RULE_KINDS",
    "TOKEN_SCOPES",
    "IdentityRule",
    "JOB_STATES",
    "TRACK_KINDS",
    "ORIGINAL_KINDS",
    "BULK_ACCESS",
    "VIDEO_STATUSES",
    "LICENSES",
    "CHANNEL_VISIBILITIES",
    "Channel",
    "Theme",
    "channel_groups",
    "channel_managers",
    "video_channels",
    "video_themes",
    "Discipline",
    "ShareLink",
    "Tag",
    "VideoType",
    "video_disciplines",
    "video_tags",
    "Base",
    "Group",
    "Job",
    "MediaFile",
    "MAIL_STATES",
    "Notification",
    "NotificationPreference",
    "RateLimitHit",
    "Site",
    "SitePage",
    "SITE_PAGE_SLUGS",
    "CONFORMANCE_STATES",
    "SiteDomain",
    "Track",
    "UTCDateTime",
    "Upload",
    "User",
    "UserSession",
    "Video",
    "ViewProgress",
    "group_members",
    "utcnow",
    "video_groups",
    "video_owners",
]
