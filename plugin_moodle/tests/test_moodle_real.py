"""Against a real Moodle (4.x), when one is given: its administrator registers Amphi with the one address
Amphi's site administration makes (LTI Dynamic Registration), and Amphi then knows the platform.

Set ``AMPHI_TEST_MOODLE_URL`` (Moodle's address, e.g. https://moodle.example.edu),
``AMPHI_TEST_MOODLE_ADMIN`` and ``AMPHI_TEST_MOODLE_PASSWORD`` (a Moodle administrator), and
``AMPHI_TEST_AMPHI_URL`` with ``AMPHI_TEST_AMPHI_ADMIN`` / ``AMPHI_TEST_AMPHI_PASSWORD`` (a running Amphi that
Moodle's server can reach, with plugin_moodle enabled, and one of its site admins). Moodle cannot be installed
from the package registries, so the suite skips this test without them; the same round trip runs against the
test platform in the other tests.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import urllib.request

import pytest

from core.testing import CHROMIUM, CHROMIUM_ARGS, http_sign_in

NEEDED = (
    "AMPHI_TEST_MOODLE_URL",
    "AMPHI_TEST_MOODLE_ADMIN",
    "AMPHI_TEST_MOODLE_PASSWORD",
    "AMPHI_TEST_AMPHI_URL",
    "AMPHI_TEST_AMPHI_ADMIN",
    "AMPHI_TEST_AMPHI_PASSWORD",
)
MISSING = [name for name in NEEDED if not os.environ.get(name)]

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"no real Moodle to test against: set {', '.join(MISSING)} (see the module's docstring)"
)


def amphi_registration_url(amphi: str, headers: dict) -> str:
    form = urllib.parse.urlencode({"csrf_token": headers["X-CSRF-Token"]}).encode()
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", headers["Cookie"])]
    page = opener.open(urllib.request.Request(amphi + "/admin/lti/registration-links", data=form)).read().decode()
    return re.search(r'id="lti-registration-url"[^>]*value="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_a_moodle_administrator_registers_amphi_with_one_address(chromium):
    moodle, amphi = os.environ["AMPHI_TEST_MOODLE_URL"].rstrip("/"), os.environ["AMPHI_TEST_AMPHI_URL"].rstrip("/")
    keys = json.loads(urllib.request.urlopen(moodle + "/mod/lti/certs.php", timeout=20).read())
    assert keys["keys"], "Moodle publishes its platform keyset"
    headers = http_sign_in(amphi, os.environ["AMPHI_TEST_AMPHI_ADMIN"], os.environ["AMPHI_TEST_AMPHI_PASSWORD"])
    url = amphi_registration_url(amphi, headers)

    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = browser.new_context(locale="en-GB").new_page()
        page.goto(moodle + "/login/index.php")
        page.fill("#username", os.environ["AMPHI_TEST_MOODLE_ADMIN"])
        page.fill("#password", os.environ["AMPHI_TEST_MOODLE_PASSWORD"])
        page.click("#loginbtn")
        page.goto(moodle + "/mod/lti/toolconfigure.php")
        page.fill("input[name=url], #url", url)
        page.get_by_role("button", name=re.compile("Add LTI Advantage")).click()
        # Moodle opens Amphi's registration page in a frame, which tells it to close when registered.
        page.wait_for_selector("text=/Amphi|pending|Activate/i", timeout=60000)
    finally:
        browser.close()

    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", headers["Cookie"])]
    listing = opener.open(amphi + "/admin/lti").read().decode()
    assert moodle in listing and "by dynamic registration" in listing
