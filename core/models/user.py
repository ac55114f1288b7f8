"""Users and groups, both owned by a site: the same username on two sites is two users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.meta import Base, UTCDateTime, utcnow

group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("site_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(150))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    affiliation: Mapped[str] = mapped_column(String(64), default="")
    locale: Mapped[str] = mapped_column(String(10), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    # No longer read: sessions have records of their own (core.access.sessions). Dropped with the next rebuild of users.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    can_upload: Mapped[bool] = mapped_column(default=False)
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site = relationship("Site")
    groups: Mapped[list[Group]] = relationship(secondary=group_members, back_populates="members")

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        """Administers the user's site (superusers administer every site they belong to)."""
        return self.is_site_admin or self.is_superuser

    @property
    def is_staff(self) -> bool:
        """May upload: staff, site admins and superusers."""
        return self.can_upload or self.is_admin

    @property
    def role(self) -> str:
        if self.is_superuser:
            return "superuser"
        if self.is_site_admin:
            return "site-admin"
        return "staff" if self.can_upload else "user"

    def __repr__(self) -> str:
        return f"<User {self.username}@{self.site_id}>"


class Group(Base):
    """An access group of a site; ``source`` names who manages it (``local`` or a plugin)."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    title: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(64), default="local")

    members: Mapped[list[User]] = relationship(secondary=group_members, back_populates="groups")


IDENTITY_RULE_KINDS = ("role", "group")


class IdentityRule(Base):
    """A site's rule: when a sign-in's ``attribute`` has ``value`` (``*`` globs), grant a role or a group.

    ``target`` is a role name (kind ``role``) or a group name (kind ``group``, created on
    first use with ``title``). See :mod:`core.access.identity`.
    """

    __tablename__ = "identity_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    attribute: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(150))
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
