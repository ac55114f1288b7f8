"""Sites: resolved from the Host header; every request carries ``request.site``."""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import BULK_ACCESS, Site, SiteDomain, VideoType
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.platform.settings import EffectiveSettings, setting


def host_name(host: str) -> str:
    """``Video.Example.edu:8443`` -> ``video.example.edu`` (IPv6 brackets kept)."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def find_site(dbsession: Session, host: str, fallback_to_default: bool = True) -> Site | None:
    site = dbsession.scalar(select(Site).join(SiteDomain).where(SiteDomain.domain == host_name(host)))
    if site is None and fallback_to_default:
        site = dbsession.scalar(select(Site).where(Site.is_default.is_(True)).order_by(Site.id))
    return site


def request_site(request) -> Site:
    """The request's site (``request.site``); unknown hosts get the default site or 404."""
    fallback = setting(request.registry.settings, "amphi.unknown_host") == "default"
    site = find_site(request.dbsession, request.host, fallback_to_default=fallback)
    if site is None:
        raise HTTPNotFound(_("No site answers to this host name."))
    return site


def site_or_none(request) -> Site | None:
    """``request.site``, or ``None`` when no site answers (error pages still render)."""
    try:
        return request.site
    except HTTPNotFound:
        return None


def site_hooks(registry, site: Site):
    """The hook relay of ``site``: only its enabled plugins are called."""
    return registry.plugins.for_plugins(site.enabled_plugins or [])


def plugin_settings(registry, site: Site | None, plugin: str) -> EffectiveSettings:
    """A plugin's effective settings on a site: declared defaults < ini < site overrides.

    Reading a key the plugin does not declare raises :class:`core.platform.settings.UndeclaredSetting`.
    """
    info = registry.plugins.infos.get(plugin)
    if info is None or info.settings is None:
        return EffectiveSettings(plugin)
    overrides = site.overrides_for(plugin) if site is not None else None
    return info.settings.effective(registry.settings, overrides)


def create_site(
    dbsession: Session,
    registry,
    slug: str,
    name: str,
    domains: list[str],
    plugins: list[str] | None = None,
    is_default: bool = False,
) -> Site:
    """Create a site; ``plugins`` defaults to ``amphi.plugins.default_enabled``."""
    if dbsession.scalar(select(Site).where(Site.slug == slug)):
        raise ValidationError({"slug": f"a site named {slug!r} exists already"})
    for domain in domains:
        if dbsession.scalar(select(SiteDomain).where(SiteDomain.domain == host_name(domain))):
            raise ValidationError({"domains": f"{domain} already belongs to a site"})
    if plugins is None:
        plugins = default_plugins(registry)
    site = Site(slug=slug, name=name, is_default=is_default, enabled_plugins=[])
    site.domains = [SiteDomain(domain=host_name(d)) for d in domains]
    set_enabled_plugins(registry, site, plugins)
    dbsession.add(site)
    dbsession.flush()
    seed_video_types(dbsession, site)
    return site


def seed_video_types(dbsession, site) -> None:
    """Give a new site the default list of video types."""
    for position, (slug, title) in enumerate(DEFAULT_VIDEO_TYPES):
        dbsession.add(VideoType(site_id=site.id, slug=slug, title=str(title), position=position))


def default_plugins(registry) -> list[str]:
    """The plugins a new site starts with (``amphi.plugins.default_enabled``), with what they require."""
    wanted = setting(registry.settings, "amphi.plugins.default_enabled")
    installed = registry.plugins.names()
    if wanted == ["*"]:
        return installed
    chosen = [name for name in wanted if name in installed]
    needed = {need for name in chosen for need in registry.plugins.infos[name].requires if need in installed}
    return chosen + sorted(needed - set(chosen))


def set_enabled_plugins(registry, site: Site, plugins: list[str]) -> None:
    unknown = sorted(set(plugins) - set(registry.plugins.names()))
    if unknown:
        raise ValidationError({"plugins": f"not installed: {', '.join(unknown)}"})
    unmet = registry.plugins.unmet_requirements(plugins)
    if unmet:  # a plugin that needs another one would be half there without it
        name, missing = min(unmet.items())
        raise ValidationError(
            {
                "plugins": _(
                    "${plugin} works only with ${required}: enable it too.",
                    mapping={"plugin": name, "required": ", ".join(missing)},
                )
            }
        )
    # A new list object, so SQLAlchemy sees the change and relays are keyed anew.
    site.enabled_plugins = sorted(set(plugins))


#: Hooks a site cannot work without, and what the site admin is told when none is left.
ESSENTIAL_HOOKS = {
    "amphi_storage": _("Keep at least one storage plugin: videos could not be stored or played."),
    "amphi_login_methods": _("Keep at least one sign-in plugin: nobody could sign in to this site."),
}


def check_essential_plugins(registry, plugins: list[str]) -> None:
    """Refuse a plugin set that leaves a site without storage or without a way to sign in."""
    missing = [
        message
        for hook, message in ESSENTIAL_HOOKS.items()
        if registry.plugins.implementers(hook) and not registry.plugins.implementers(hook) & set(plugins)
    ]
    if missing:
        raise ValidationError({"plugins": " ".join(missing)})


def set_plugin_overrides(registry, site: Site, plugin: str, overrides: dict) -> None:
    info = registry.plugins.infos.get(plugin)
    if info is None or info.settings is None:
        raise ValidationError({"plugin": f"{plugin} is not installed"})
    clean = info.settings.validate_overrides(overrides)
    all_settings = dict(site.plugin_settings or {})
    all_settings[plugin] = clean
    site.plugin_settings = all_settings


def includeme(config):
    config.add_request_method(request_site, "site", reify=True)
    config.add_request_method(lambda r: site_hooks(r.registry, r.site), "hooks", reify=True)
    config.add_request_method(lambda r, plugin: plugin_settings(r.registry, r.site, plugin), "plugin_settings")


#: Seeded on every new site; the site admin renames, reorders or removes them.
DEFAULT_VIDEO_TYPES = [
    ("course", _("Course")),
    ("conference", _("Conference")),
    ("tutorial", _("Tutorial")),
    ("seminar", _("Seminar")),
    ("defence", _("Thesis defence")),
    ("interview", _("Interview")),
    ("documentary", _("Documentary")),
    ("event", _("Event")),
    ("other", _("Other")),
]
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def update_identity(site: Site, name: str, theme_color: str, logo_url: str) -> None:
    """Change a site's name, theme colour and logo (any colour: the header's text is chosen to read on it,
    core.platform.colours)."""
    errors = {}
    name, logo_url = name.strip(), logo_url.strip()
    if not name or len(name) > 200:
        errors["name"] = _("A name of 1 to 200 characters is needed.")
    if not HEX_COLOUR.match(theme_color or ""):
        errors["theme_color"] = _("A colour such as #1f4e8c is expected.")
    if logo_url and not (logo_url.startswith(("https://", "http://")) or logo_url.startswith("/")):
        errors["logo_url"] = _("An address starting with https:// or / is expected.")
    if errors:
        raise ValidationError(errors)
    site.name, site.theme_color, site.logo_url = name, theme_color.lower(), logo_url


MB = 1_000_000


def upload_limits(settings, site: Site) -> tuple[int, int]:
    """``(largest upload, quota per user)`` in bytes on ``site``; 0 means no limit.

    A site may lower the server's largest upload, never raise it (``amphi serve``
    refuses bigger request bodies), and may set its own quota.
    """
    server_max = setting(settings, "amphi.uploads.max_size")
    maximum, quota = server_max, setting(settings, "amphi.uploads.user_quota")
    if site.upload_max_size:
        maximum = min(site.upload_max_size, server_max) if server_max else site.upload_max_size
    if site.upload_user_quota is not None:
        quota = site.upload_user_quota
    return maximum, quota


def _megabytes(text: str, smallest: int) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < smallest:
        raise ValueError
    return int(text)


def update_upload_limits(settings, site: Site, max_size_mb: str, user_quota_mb: str, access: str | None = None) -> None:
    """Set a site's upload limits from megabytes typed by its admin (blank follows the server), and
    who may watch new uploads once ready (``access``, one of ``core.models.BULK_ACCESS``)."""
    errors = {}
    if access is not None and access not in BULK_ACCESS:
        errors["upload_access"] = _("Choose one of the proposed access levels.")
    server_max = setting(settings, "amphi.uploads.max_size")
    try:
        maximum = _megabytes(max_size_mb, 1)
        if maximum is not None and server_max and maximum * MB > server_max:
            errors["upload_max_size"] = _("At most ${max} MB on this server.", mapping={"max": server_max // MB})
    except ValueError:
        errors["upload_max_size"] = _("A whole number of megabytes (1 or more) is expected.")
    try:
        quota = _megabytes(user_quota_mb, 0)
    except ValueError:
        errors["upload_user_quota"] = _("A whole number of megabytes (0 for no quota) is expected.")
    if errors:
        raise ValidationError(errors)
    site.upload_max_size = maximum * MB if maximum is not None else None
    site.upload_user_quota = quota * MB if quota is not None else None
    if access is not None:
        site.upload_access = access
