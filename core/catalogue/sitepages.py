"""A site's own pages (accessibility statement, legal notice, privacy, contact): read, written, linked.

Each site has the four pages of :data:`core.models.SITE_PAGE_SLUGS` at ``/<slug>``. A page its
administrators never wrote shows the default text of :mod:`core.catalogue.sitepage_defaults` in
the visitor's language; a page written in one language only shows that text in the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from string import Template

from sqlalchemy import select

from core.catalogue.sitepage_defaults import DEFAULTS
from core.models import CONFORMANCE_STATES, SITE_PAGE_SLUGS, Site, SitePage
from core.platform.errors import ValidationError
from core.platform.i18n import LANGUAGES, _

MAX_BODY = 50_000

PAGE_TITLES = {
    "accessibility": _("Accessibility"),
    "legal": _("Legal notice"),
    "privacy": _("Privacy"),
    "contact": _("Contact"),
}
#: The accessibility page's heading (its footer link says "Accessibility").
STATEMENT_TITLE = _("Accessibility statement")
CONFORMANCE_LABELS = {
    "none": _("not compliant"),
    "partial": _("partially compliant"),
    "full": _("fully compliant"),
}


@dataclass(frozen=True)
class FooterLink:
    title: str
    url: str


def footer_links(request) -> list[FooterLink]:
    """The footer's links to the site's pages (every site has them all: no query).

    The accessibility link says the conformance state ("Accessibility: partially compliant"), as
    French law asks of every page of a public website.
    """
    translate = request.localizer.translate
    state = translate(CONFORMANCE_LABELS.get(request.site.accessibility_conformance, CONFORMANCE_LABELS["none"]))
    titles = dict(PAGE_TITLES, accessibility=_("Accessibility: ${state}", mapping={"state": state}))
    return [FooterLink(translate(titles[slug]), request.route_url("site.page", page=slug)) for slug in SITE_PAGE_SLUGS]


def find_site_page(db, site: Site, slug: str) -> SitePage | None:
    return db.scalar(select(SitePage).where(SitePage.site_id == site.id, SitePage.slug == slug))


def default_body(site: Site, slug: str, language: str) -> str:
    texts = DEFAULTS[slug]
    return Template(texts.get(language) or texts["en"]).safe_substitute(site=site.name)


def page_body(site: Site, slug: str, page: SitePage | None, language: str) -> str:
    """The Markdown to show in ``language``: the written text, else another language's, else the default."""
    bodies = (page.bodies or {}) if page is not None else {}
    if bodies.get(language):
        return bodies[language]
    written = next((bodies[code] for code in LANGUAGES if bodies.get(code)), None)
    return written if written is not None else default_body(site, slug, language)


def save_site_page(db, site: Site, slug: str, form: dict) -> SitePage:
    """Store a page from its form (``body_<language>``; for the statement ``conformance``,
    ``audit_date``, ``compliance_rate``), refusing what is not valid."""
    errors: dict = {}
    bodies = {code: form.get(f"body_{code}", "").replace("\r\n", "\n").strip() for code in LANGUAGES}
    for code, body in bodies.items():
        if len(body) > MAX_BODY:
            errors[f"body_{code}"] = _("At most ${max} characters.", mapping={"max": MAX_BODY})
    facts = _statement_facts(form, errors) if slug == "accessibility" else (None, None, None)
    if errors:
        raise ValidationError(errors)
    page = find_site_page(db, site, slug)
    if page is None:
        page = SitePage(site_id=site.id, slug=slug)
        db.add(page)
    page.bodies = {code: body for code, body in bodies.items() if body}
    if slug == "accessibility":
        site.accessibility_conformance, page.audit_date, page.compliance_rate = facts
    return page


def _statement_facts(form: dict, errors: dict) -> tuple:
    conformance = form.get("conformance", "none")
    if conformance not in CONFORMANCE_STATES:
        errors["conformance"] = _("Choose one of the conformance states.")
    audit_date = None
    if form.get("audit_date", "").strip():
        try:
            audit_date = date.fromisoformat(form["audit_date"].strip())
        except ValueError:
            errors["audit_date"] = _("A date such as 2026-09-30 is expected.")
    rate = None
    text = form.get("compliance_rate", "").strip().rstrip("%").strip()
    if text:
        if text.isdigit() and 0 <= int(text) <= 100:
            rate = int(text)
        else:
            errors["compliance_rate"] = _("A whole percentage from 0 to 100 is expected.")
    return conformance, audit_date, rate
