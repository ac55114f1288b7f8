"""Helpers of the BigBlueButton plugin's tests."""

import re

PASSWORD = "bbb test password 1"


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def browser_for(make_testapp, site, username=None):
    """A WebTest browser of ``site``, signed in as ``username`` when given."""
    browser = make_testapp(site.domains[0].domain)
    if username:
        browser.sign_in(username, PASSWORD)
    return browser


def post_to(browser):
    """A ``post`` for :meth:`FakeBbb.deliver` that sends each delivery to the app through ``browser``."""

    def post(delivery):
        return browser.post(delivery.path, delivery.body, headers=delivery.headers, status="*")

    return post
