"""Signing in through an OpenID Connect provider in Chromium, back to the page that asked for it."""

import pytest

from core.testing import LIVE_ADMIN_PASSWORD, free_port, run_amphi, serving, temporary_database, write_ini
from tests.browser.browsing import audit, open_account_menu, visit
from tests.oidc_provider import LoopbackProvider


@pytest.fixture(scope="module")
def oidc_site(tmp_path_factory):
    """A provider on loopback, and ``amphi serve`` whose default site trusts it (settings in the ini file)."""
    folder = tmp_path_factory.mktemp("oidc-live")
    provider = LoopbackProvider(folder).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    provider.allow(base + "/auth/oidc/univ/callback", base + "/")
    providers = "\n".join(
        [
            "",
            "[univ]",
            "title = University account",
            f"issuer = {provider.issuer}",
            f"client_id = {provider.client_id}",
            "scopes = openid profile email groups",
        ]
    )
    with temporary_database(folder) as url:
        ini = write_ini(
            folder,
            url,
            **{
                "amphi.auth_oidc.providers": providers.replace("\n", "\n    "),
                "amphi.auth_oidc.client_secrets": f"univ={provider.client_secret}",
                "amphi.auth_oidc.ca_file": provider.ca_file,
            },
        )
        run_amphi(ini, "init", "--admin-password", LIVE_ADMIN_PASSWORD)
        with serving(ini, folder, port):
            yield base, provider
    provider.stop()


def test_sign_in_through_the_provider_lands_on_the_page_started_from(chromium, oidc_site):
    base, provider = oidc_site
    context = chromium.new_context(locale="en-GB", ignore_https_errors=True)  # the provider's own certificate
    page = context.new_page()
    try:
        visit(page, base + "/my/videos")  # needs a signed-in user: the sign-in page, which remembers where we were
        assert page.url.startswith(base + "/login")
        page.get_by_role("link", name="Continue with University account").click()
        page.wait_for_url(provider.issuer + "/authorize**")  # the provider's page: not Amphi's, not audited
        page.get_by_label("Provider username").fill("alice")
        page.get_by_label("Provider password").fill("alice password")
        page.get_by_role("button", name="Log in at the provider").click()
        page.wait_for_url(base + "/my/videos")
        audit(page)
        assert page.locator(".account-button").inner_text() == "Alice Martin"  # the provider's name claim
        open_account_menu(page)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(base + "/**")  # through the provider's end-session endpoint and back
        audit(page)
        assert provider.logouts and page.get_by_role("link", name="Sign in").is_visible()
    finally:
        context.close()
