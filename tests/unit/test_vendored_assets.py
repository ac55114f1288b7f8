"""The browser libraries served from core/static/vendor are exactly the npm packages package.json pins."""

import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENDORED = {"hls.min.js": ("hls.js", "dist/hls.min.js"), "tus.min.js": ("tus-js-client", "dist/tus.min.js")}


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_vendored_file_matches_the_pinned_package(name):
    package, path = VENDORED[name]
    installed = os.path.join(ROOT, "node_modules", package)
    if not os.path.isdir(installed):
        pytest.fail("node_modules is missing: run ./run-tests (it runs npm install) or scripts/vendor-assets.sh")
    pinned = json.load(open(os.path.join(ROOT, "package.json")))["dependencies"][package]
    assert json.load(open(os.path.join(installed, "package.json")))["version"] == pinned
    with open(os.path.join(ROOT, "core", "static", "vendor", name), "rb") as vendored:
        with open(os.path.join(installed, path), "rb") as original:
            assert vendored.read() == original.read(), "run scripts/vendor-assets.sh"
