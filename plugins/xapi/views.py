"""The site admin's page: is the LRS reachable and does it take the credentials, what waits, what failed."""

from __future__ import annotations

import requests
from pyramid.view import view_config

from core.plugin_api import _
from plugins.xapi.delivery import LrsConfig, describe, unreachable
from plugins.xapi.models import DeliveryStatus
from plugins.xapi.recording import NAME, pending_count


def check_connection(config: LrsConfig) -> tuple[bool, str]:
    """Ask the LRS who it is (``GET about``) and for one statement with the credentials; say what is wrong in words."""
    try:
        about = config.request("GET", "about")
        statements = config.request("GET", "statements", params={"limit": 1})
    except requests.exceptions.Timeout:
        return False, _("The LRS did not answer within ${timeout} s.", mapping={"timeout": format(config.timeout, "g")})
    except requests.exceptions.SSLError:
        return False, _("The LRS's certificate is not trusted (check the address, or the server's authorities).")
    except requests.exceptions.ConnectionError as exc:
        if "refused" in str(exc).lower():
            return False, _(
                "The LRS cannot be reached: the connection was refused (nothing answers at this address and port)."
            )
        if "resolve" in str(exc).lower() or "name or service not known" in str(exc).lower():
            return False, _("The LRS cannot be reached: its host name is unknown.")
        return False, _("The LRS cannot be reached: ${error}", mapping={"error": unreachable(exc)})
    except requests.RequestException as exc:
        return False, _("The LRS cannot be reached: ${error}", mapping={"error": unreachable(exc)})
    versions = about_versions(about)
    if statements.status_code in (401, 403):
        return False, _("The LRS refused the key and secret (${answer}).", mapping={"answer": describe(statements)})
    if statements.status_code == 404:
        return False, _(
            "The LRS has no statements resource at this address: the endpoint is its xAPI base address, "
            "such as https://lrs.univ.fr/xAPI/ (${answer}).",
            mapping={"answer": describe(statements)},
        )
    if not statements.ok:
        return False, _("The LRS failed: ${answer}", mapping={"answer": describe(statements)})
    if versions:
        return True, _("The LRS accepted the credentials (xAPI ${versions}).", mapping={"versions": versions})
    return True, _("The LRS accepted the credentials.")


def about_versions(about) -> str:
    """The xAPI versions an LRS says it speaks (``GET about``); empty when it does not say (Amphi needs only statements)."""
    try:
        versions = about.json().get("version", []) if about.ok else []
    except (ValueError, AttributeError):
        return ""
    return ", ".join(str(v) for v in versions) if isinstance(versions, list) else ""


@view_config(route_name="xapi.admin", renderer="plugins.xapi:templates/admin.html", permission="site-admin")
def admin_page(request):
    """What waits and what failed; POST checks the connection with the saved settings."""
    settings = request.plugin_settings(NAME)
    checked = None
    if request.method == "POST":
        config = LrsConfig.of(settings)
        checked = (False, _("No LRS endpoint is set.")) if config is None else check_connection(config)
    waiting, refused = pending_count(request)
    return {
        "settings": settings,
        "checked": checked,
        "waiting": waiting,
        "refused": refused,
        "status": request.dbsession.get(DeliveryStatus, request.site.id),
    }
