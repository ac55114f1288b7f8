"""A site's own pages (``/accessibility``, ``/legal``, ``/privacy``, ``/contact``) and their editing by its administrators."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from core.catalogue.sitepages import (
    CONFORMANCE_LABELS,
    PAGE_TITLES,
    STATEMENT_TITLE,
    find_site_page,
    page_body,
    save_site_page,
)
from core.models import CONFORMANCE_STATES, SITE_PAGE_SLUGS
from core.pagecache import cache_page
from core.platform.errors import ValidationError
from core.platform.i18n import LANGUAGES, translate_errors
from core.platform.markup import render_markdown


def page_title(request, slug: str) -> str:
    title = STATEMENT_TITLE if slug == "accessibility" else PAGE_TITLES[slug]
    return request.localizer.translate(title)


@view_config(route_name="site.page", renderer="page.html", request_method="GET")
def site_page(request):
    slug = request.matchdict["page"]
    page = find_site_page(request.dbsession, request.site, slug)
    cache_page(request)
    return {
        "slug": slug,
        "title": page_title(request, slug),
        "page": page,
        "conformance": CONFORMANCE_LABELS.get(request.site.accessibility_conformance, CONFORMANCE_LABELS["none"]),
        "body_html": render_markdown(page_body(request.site, slug, page, request.locale_name)),
    }


@view_config(route_name="admin.pages", renderer="admin/site_pages.html", permission="site-admin", request_method="GET")
def pages_list(request):
    site, db = request.site, request.dbsession
    pages = [(slug, page_title(request, slug), find_site_page(db, site, slug)) for slug in SITE_PAGE_SLUGS]
    return {"pages": pages, "saved": request.params.get("saved")}


def edit_values(request, slug: str, form: dict | None = None, errors: dict | None = None) -> dict:
    page = find_site_page(request.dbsession, request.site, slug)
    if form is None:
        form = {f"body_{code}": page_body(request.site, slug, page, code) for code in LANGUAGES}
        form.update(
            conformance=request.site.accessibility_conformance,
            audit_date=page.audit_date.isoformat() if page and page.audit_date else "",
            compliance_rate="" if page is None or page.compliance_rate is None else str(page.compliance_rate),
        )
    return {
        "slug": slug,
        "title": page_title(request, slug),
        "page": page,
        "form": form,
        "errors": errors or {},
        "languages": LANGUAGES,
        "conformance_states": [(key, CONFORMANCE_LABELS[key]) for key in CONFORMANCE_STATES],
    }


@view_config(route_name="admin.page", renderer="admin/site_page.html", permission="site-admin")
def edit_page(request):
    slug = request.matchdict["page"]
    if request.method != "POST":
        return edit_values(request, slug)
    form = {key: request.POST.get(key, "") for key in ("conformance", "audit_date", "compliance_rate")}
    form.update({f"body_{code}": request.POST.get(f"body_{code}", "") for code in LANGUAGES})
    try:
        save_site_page(request.dbsession, request.site, slug, form)
    except ValidationError as exc:
        request.response.status = 400
        return edit_values(request, slug, form, translate_errors(request, exc.errors))
    return HTTPFound(request.route_url("admin.pages", _query={"saved": slug}))
