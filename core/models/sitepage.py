"""A site's own pages: the accessibility statement, legal notice, privacy and contact (Markdown per language)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.meta import Base, UTCDateTime, utcnow

#: The pages every site has (their address is ``/<slug>``).
SITE_PAGE_SLUGS = ("accessibility", "legal", "privacy", "contact")
#: The RGAA conformance states of an accessibility statement (``Site.accessibility_conformance``).
CONFORMANCE_STATES = ("none", "partial", "full")


class SitePage(Base):
    """A page a site's administrators wrote; a page never written shows its default text."""

    __tablename__ = "site_pages"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(32))
    #: Markdown per language code (``{"fr": "...", "en": "..."}``); a missing language shows another one.
    bodies: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The accessibility statement's RGAA audit (other pages leave them empty); its conformance
    #: state is the site's (``Site.accessibility_conformance``), shown on every page.
    audit_date: Mapped[date | None] = mapped_column(Date)
    compliance_rate: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SitePage {self.site_id}/{self.slug}>"
