"""The LTI tool's tables: the platforms registered on each site, the tool's signing keys, the people
known by a platform's ``sub``, single-use launch values (state, nonce) and dynamic registration links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models import NOT_ON_PAGES, Base, UTCDateTime, utcnow


class LtiPlatform(Base):
    """An LMS registered on a site (one issuer and client id; its deployments listed).

    The URLs are the platform's: where the tool sends the browser to authenticate (``auth_url``), where it
    asks for service access tokens (``token_url``) and where it reads the platform's public keys
    (``keyset_url``).
    """

    __tablename__ = "moodle_platforms"
    __table_args__ = (UniqueConstraint("site_id", "issuer", "client_id"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    deployment_ids: Mapped[list] = mapped_column(JSON, default=list)
    auth_url: Mapped[str] = mapped_column(String(500))
    token_url: Mapped[str] = mapped_column(String(500))
    keyset_url: Mapped[str] = mapped_column(String(500))
    #: ``manual`` or ``dynamic`` (registered through LTI Dynamic Registration).
    registered_by: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiKey(Base):
    """One of a site's tool keys (RSA). The newest active key signs; every key not retired stays in the
    keyset, so platforms that cached an older one keep verifying until the admin retires it."""

    __tablename__ = "moodle_keys"
    __table_args__ = ({"info": NOT_ON_PAGES},)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiAccount(Base):
    """A person as a platform knows them (its issuer and their ``sub``), and their Amphi account."""

    __tablename__ = "moodle_accounts"
    __table_args__ = (UniqueConstraint("site_id", "issuer", "sub"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiValue(Base):
    """A launch value the tool keeps server-side until it expires or is used once: the OIDC state and
    nonce (a frame without third-party cookies cannot keep them in a cookie)."""

    __tablename__ = "moodle_values"
    __table_args__ = ({"info": NOT_ON_PAGES},)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[dict | list | str | bool | None] = mapped_column(JSON, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LtiRegistrationLink(Base):
    """A dynamic registration URL a site admin made for a platform's administrator: usable once, until it
    expires. Only the token's hash is kept."""

    __tablename__ = "moodle_registration_links"
    __table_args__ = ({"info": NOT_ON_PAGES},)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("moodle_platforms.id", ondelete="SET NULL"))


class LtiCourse(Base):
    """A platform's course (LTI context) and its Amphi group; its roster address (Names and Roles) when the
    platform offers one, read at each launch and periodically."""

    __tablename__ = "moodle_courses"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("moodle_platforms.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    #: The course's title (or label) as the platform's last launch named it.
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    memberships_url: Mapped[str] = mapped_column(String(500), default="")
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiTeacher(Base):
    """Someone who launched a course with a teaching role: they manage the videos limited to its group."""

    __tablename__ = "moodle_teachers"
    __table_args__ = ({"info": NOT_ON_PAGES},)

    course_id: Mapped[int] = mapped_column(ForeignKey("moodle_courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class LtiGrade(Base):
    """A learner's grade for a graded resource link (Assignment and Grade Services): the share of the video
    they watched, in percent. ``score_wanted`` only grows; ``score_sent`` is what the platform has."""

    __tablename__ = "moodle_grades"
    __table_args__ = (UniqueConstraint("platform_id", "lineitem_url", "user_id"), {"info": NOT_ON_PAGES})

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("moodle_platforms.id", ondelete="CASCADE"), index=True)
    lineitem_url: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(1000), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    seconds_watched: Mapped[float] = mapped_column(Float, default=0.0)
    score_wanted: Mapped[float] = mapped_column(Float, default=0.0)
    score_sent: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
