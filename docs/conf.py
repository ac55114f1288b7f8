"""Sphinx configuration of Amphi's documentation (``python -m sphinx -W -b html docs docs/_build``)."""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # the core and the built-in plugins, for autodoc and the generated pages
sys.path.insert(0, str(DOCS / "_ext"))

import core  # noqa: E402

project = "Amphi"
author = "The Amphi developers"
copyright = "The Amphi developers, AGPL-3.0-or-later"
release = core.HOOKS_VERSION  # the hook contract's version: what a plugin author pins
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "myst_parser",
    "sphinxcontrib.httpdomain",
    "amphi_docs",
]
# The settings reference is generated from the declarations by this local extension, once it exists.
extensions.append("amphi_settings")

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3  # links such as [Search](search.md#solr-search-solr) reach a heading
myst_enable_extensions = ["substitution"]
myst_substitutions = {"hooks_version": core.HOOKS_VERSION}  # {{ hooks_version }} in a page

autodoc_member_order = "bysource"
autodoc_typehints = "description"

html_theme = "furo"
html_title = "Amphi"
