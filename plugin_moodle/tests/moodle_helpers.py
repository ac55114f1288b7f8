"""Helpers of the LTI tool's tests (imported by name: a test module cannot import another suite's conftest)."""

from __future__ import annotations

import re
import urllib.request

PASSWORD = "lti admin password"


def platform_answer(url: str) -> tuple[str, dict]:
    """The platform's authentication answer: where its form posts, and the id_token and state."""
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    fields = dict(re.findall(r'name="(id_token|state)" value="([^"]*)"', page))
    return re.search(r'action="([^"]+)"', page).group(1), fields


def launch(testapp, platform, status=302, **prepared):
    """A whole launch through the tool's login initiation and the platform; the tool's last answer and
    what was posted to it."""
    login = testapp.get(platform.prepare(**prepared).removeprefix("http://a.test"), status=302)
    action, fields = platform_answer(login.location)
    return testapp.post(action.removeprefix("http://a.test"), fields, status=status), fields
