"""Sites (tenants): each with its domains, theme, enabled plugins and their settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.meta import Base, UTCDateTime, utcnow


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    theme_color: Mapped[str] = mapped_column(String(7), default="#1f4e8c")
    logo_url: Mapped[str] = mapped_column(String(500), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    enabled_plugins: Mapped[list] = mapped_column(JSON, default=list)
    plugin_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Upload limits in bytes; None follows the server's amphi.uploads.* settings (see core.ingest.tus.upload_limits).
    upload_max_size: Mapped[int | None] = mapped_column(BigInteger)
    upload_user_quota: Mapped[int | None] = mapped_column(BigInteger)
    #: Who may watch a new upload once it is ready, preselected on the upload page (core.catalogue.metadata.UPLOAD_ACCESS).
    upload_access: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    #: The home page's blocks in order (``recent``, ``channels``, ``channel:<id>``, a plugin's block id);
    #: None shows the default (see core.catalogue.home).
    home_blocks: Mapped[list | None] = mapped_column(JSON)
    #: The RGAA conformance state of its accessibility statement (``none``, ``partial``, ``full``), which
    #: French law wants on every page: the footer says it (core.catalogue.sitepages.footer_links).
    accessibility_conformance: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    domains: Mapped[list[SiteDomain]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="SiteDomain.domain"
    )

    def has_plugin(self, name: str) -> bool:
        return name in (self.enabled_plugins or [])

    def overrides_for(self, plugin: str) -> dict:
        return dict((self.plugin_settings or {}).get(plugin, {}))

    def __repr__(self) -> str:
        return f"<Site {self.slug}>"


class SiteDomain(Base):
    """A host name that resolves to a site (``video.example.edu``, ``localhost``)."""

    __tablename__ = "site_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    site: Mapped[Site] = relationship(back_populates="domains")
