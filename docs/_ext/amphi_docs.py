"""Sphinx extension: the pages Amphi's documentation draws from the code and the repository.

- ``.. amphi-openapi::`` renders the REST API's OpenAPI document, built by
  :func:`core.web.apiv1.openapi.document` at build time (the same document ``/api/v1/openapi.json``
  serves), with sphinxcontrib-openapi's httpdomain renderer.
- ``.. amphi-changelog::`` includes the repository's ``CHANGELOG.md`` when there is one.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles
from sphinxcontrib.openapi.renderers import HttpdomainRenderer

import core
from core.web.apiv1.openapi import document

REPOSITORY = Path(__file__).resolve().parents[2]
CHANGELOG = REPOSITORY / "CHANGELOG.md"
API_PREFIX = "/api/v1/"


class PathOnly:
    """What :func:`core.web.apiv1.openapi.document` asks of a request: the API's address, here a path."""

    def route_url(self, name: str) -> str:
        return API_PREFIX


def openapi_document() -> dict:
    """The OpenAPI document, deep-copied: the renderer rewrites what it is given."""
    return copy.deepcopy(document(PathOnly()))


class AmphiOpenAPI(SphinxDirective):
    """``.. amphi-openapi::``: every operation of ``/api/v1/``, with its parameters and bodies."""

    def run(self) -> list[nodes.Node]:
        spec = openapi_document()
        intro = nodes.paragraph(text=spec["info"]["description"])
        options = {"markup": "restructuredtext", "uri": ""}
        return [intro, *HttpdomainRenderer(self.state, options).render(spec)]


class AmphiChangelog(SphinxDirective):
    """``.. amphi-changelog::`` (in a reST page): the repository's CHANGELOG.md, or the versions in force without one."""

    def run(self) -> list[nodes.Node]:
        if not CHANGELOG.exists():
            section = nodes.section(ids=["changelog"], names=["changelog"])
            section += nodes.title(text="Changelog")
            section += nodes.paragraph(
                text=f"Hook contract {core.HOOKS_VERSION}: the repository keeps no "
                "CHANGELOG.md yet, so there is no history to show."
            )
            return [section]
        self.env.note_dependency(str(CHANGELOG))
        here = Path(self.env.doc2path(self.env.docname)).parent
        include = [f".. include:: {os.path.relpath(CHANGELOG, here)}", "   :parser: myst_parser.sphinx_"]
        holder = nodes.section()
        holder.document = self.state.document
        nested_parse_with_titles(self.state, StringList(include, "amphi-changelog"), holder)
        return holder.children


def setup(app) -> dict:
    app.add_directive("amphi-openapi", AmphiOpenAPI)
    app.add_directive("amphi-changelog", AmphiChangelog)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
