"""Local accounts, sessions and CSRF."""

import pytest


@pytest.fixture
def ana(site, make_user):
    return make_user(site, "ana", role="staff", password="correct horse battery")


def test_the_sign_in_page_lists_the_sites_methods(testapp):
    page = testapp.get("/login")
    assert "Local account" in page.text
    assert 'action="http://a.test/auth/local/login"' in page.text


def test_a_site_without_sign_in_methods_says_so(make_site, make_testapp):
    make_site("bare", plugins=[])
    page = make_testapp("bare.test").get("/login")
    assert "No sign-in method is enabled on this site" in page.text


def test_sign_in_and_sign_out(testapp, ana):
    assert testapp.get("/api/me").json == {"authenticated": False}
    response = testapp.sign_in("ana", "correct horse battery")
    assert response.location == "http://a.test/"
    me = testapp.get("/api/me").json
    assert me["username"] == "ana" and me["role"] == "staff"
    assert ana.last_login is not None
    token = testapp.csrf_token("/")
    testapp.post("/logout", {"csrf_token": token}, status=302)
    assert testapp.get("/api/me").json == {"authenticated": False}


def test_the_session_cookie_is_httponly_and_samesite(testapp, ana):
    response = testapp.sign_in("ana", "correct horse battery")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(testapp, ana):
    wrong_password = testapp.sign_in("ana", "incorrect", status=401)
    unknown_user = testapp.sign_in("nobody", "incorrect", status=401)
    assert "Wrong username or password." in wrong_password.text
    assert "Wrong username or password." in unknown_user.text
    assert testapp.get("/api/me").json == {"authenticated": False}


def test_a_disabled_account_cannot_sign_in(testapp, ana):
    ana.is_active = False
    assert (
        "Wrong username or password." in testapp.sign_in("ana", "wrong", status=401).text
    )  # nothing more to strangers
    refused = testapp.sign_in("ana", "correct horse battery", status=403)  # the owner learns why
    assert "This account is disabled; ask an administrator of the site." in refused.text
    assert testapp.get("/api/me").json == {"authenticated": False}


def test_failed_sign_ins_are_rate_limited(testapp, ana):
    for _ in range(5):
        testapp.sign_in("ana", "guess", status=401)
    page = testapp.sign_in("ana", "correct horse battery", status=429)
    assert "Too many failed attempts" in page.text
    assert testapp.get("/api/me").json == {"authenticated": False}


def test_the_rate_limit_follows_the_site_setting(testapp, ana, site, app):
    from core.platform.sites import set_plugin_overrides

    set_plugin_overrides(app.registry, site, "auth_local", {"max_failures": 2})
    testapp.sign_in("ana", "guess", status=401)
    testapp.sign_in("ana", "guess", status=401)
    testapp.sign_in("ana", "correct horse battery", status=429)


def test_guesses_from_many_addresses_do_not_lock_the_owner_out_of_her_browser(testapp, make_testapp, ana):
    testapp.sign_in("ana", "correct horse battery")  # her browser, remembered by a device cookie
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    for n in range(10):  # an attacker guesses from ten addresses until the account is spent
        attacker = make_testapp("a.test")
        attacker.post(
            "/auth/local/login",
            {"username": "ana", "password": f"guess {n}", "csrf_token": attacker.csrf_token()},
            extra_environ={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
            status=401 if n < 5 else 429,
        )
    make_testapp("a.test").sign_in("ana", "correct horse battery", status=429)  # a browser ana never used waits
    testapp.sign_in("ana", "correct horse battery")  # hers does not
    assert testapp.get("/api/me").json["username"] == "ana"


def test_a_remembered_browser_has_only_a_few_guesses_of_its_own(testapp, make_testapp, ana):
    testapp.sign_in("ana", "correct horse battery")
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    for _ in range(5):
        testapp.sign_in("ana", "guess", status=401)
    testapp.sign_in("ana", "correct horse battery", status=429)
    make_testapp("a.test").sign_in("ana", "correct horse battery")  # its failures were its own


def test_a_device_cookie_counts_only_for_its_account_and_cannot_be_forged(testapp, make_testapp, ana, make_user, site):
    make_user(site, "bob", password="bob's long password")
    testapp.sign_in("ana", "correct horse battery")
    cookie = testapp.cookies["amphi_device"]
    stranger = make_testapp("a.test")
    stranger.set_cookie("amphi_device", cookie)  # ana's cookie, used against bob
    for _ in range(5):
        stranger.sign_in("bob", "guess", status=401)
    make_testapp("a.test").sign_in("bob", "bob's long password", status=429)  # counted on bob's account
    forger = make_testapp("a.test")
    forger.set_cookie("amphi_device", cookie.split(".")[0] + "." + "0" * 32)
    for _ in range(5):
        forger.sign_in("ana", "guess", status=401)
    make_testapp("a.test").sign_in("ana", "correct horse battery", status=429)
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    testapp.sign_in("ana", "correct horse battery")  # the real cookie still chooses its own counter


def test_the_device_cookie_is_httponly_samesite_and_long_lived(testapp, ana):
    response = testapp.sign_in("ana", "correct horse battery")
    cookie = next(v for k, v in response.headerlist if k == "Set-Cookie" and v.startswith("amphi_device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie


def test_an_address_may_fail_on_several_accounts_but_not_endlessly(testapp, site, make_user):
    for n in range(5):
        make_user(site, f"user{n}", password="some long password")
    for n in range(20):
        testapp.sign_in(f"user{n % 5}", "guess", status=401)
    testapp.sign_in("user0", "some long password", status=429)


def test_a_success_clears_earlier_failures(testapp, ana):
    for _ in range(4):
        testapp.sign_in("ana", "guess", status=401)
    testapp.sign_in("ana", "correct horse battery")
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    for _ in range(4):
        testapp.sign_in("ana", "guess", status=401)
    testapp.sign_in("ana", "correct horse battery")


def test_a_post_without_csrf_token_is_refused(testapp, ana):
    testapp.get("/login")
    page = testapp.post("/auth/local/login", {"username": "ana", "password": "correct horse battery"}, status=400)
    assert "reload the page" in page.text
    assert testapp.get("/api/me").json == {"authenticated": False}


def test_a_post_with_a_forged_csrf_token_is_refused(testapp, ana):
    testapp.sign_in("ana", "correct horse battery")
    testapp.post("/logout", {"csrf_token": "forged"}, status=400)
    assert testapp.get("/api/me").json["authenticated"] is True


def test_a_json_api_call_needs_the_csrf_header(testapp, ana):
    testapp.sign_in("ana", "correct horse battery")
    refused = testapp.post_json("/language", {"locale": "fr"}, status=400)
    assert refused.json["errno"] == "csrf"
    token = testapp.csrf_token("/")
    testapp.post("/language", {"locale": "fr"}, headers={"X-CSRF-Token": token}, status=302)


def test_the_session_is_renewed_at_sign_in(testapp, ana):
    before = testapp.csrf_token("/login")
    testapp.sign_in("ana", "correct horse battery")
    after = testapp.csrf_token("/")
    assert before != after
    # The token from before the sign-in is no longer accepted.
    testapp.post("/logout", {"csrf_token": before}, status=400)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_no_open_redirect_after_sign_in(testapp, ana, target):
    token = testapp.csrf_token()
    response = testapp.post(
        "/auth/local/login",
        {"username": "ana", "password": "correct horse battery", "next": target, "csrf_token": token},
    )
    assert response.location == "http://a.test/"


def test_next_inside_the_site_is_followed(testapp, ana):
    token = testapp.csrf_token()
    response = testapp.post(
        "/auth/local/login",
        {"username": "ana", "password": "correct horse battery", "next": "/admin/users?x=1", "csrf_token": token},
    )
    assert response.location == "http://a.test/admin/users?x=1"


def test_a_protected_page_sends_anonymous_users_to_sign_in(testapp):
    response = testapp.get("/admin/site", status=302)
    assert response.location == "http://a.test/login?next=%2Fadmin%2Fsite"


def test_self_sign_up_is_off_by_default(testapp):
    testapp.get("/auth/local/signup", status=404)
    assert "Create an account" not in testapp.get("/").text


def test_self_sign_up_when_the_site_allows_it(testapp, site, app):
    from core.platform.sites import set_plugin_overrides

    set_plugin_overrides(app.registry, site, "auth_local", {"signup": True})
    form = testapp.get("/auth/local/signup")
    assert "Create an account" in testapp.get("/").text
    data = {
        "csrf_token": testapp.csrf_token("/auth/local/signup"),
        "username": "new",
        "display_name": "New Student",
        "email": "new@a.test",
        "password": "short",
        "password_confirm": "short",
    }
    refused = testapp.post("/auth/local/signup", data, status=400)
    assert "At least 10 characters." in refused.text
    data.update(password="long enough password", password_confirm="long enough password")
    testapp.post("/auth/local/signup", data, status=302)
    me = testapp.get("/api/me").json
    assert me["username"] == "new" and me["role"] == "user"
    assert form.status_int == 200


def test_changing_ones_password(testapp, ana, make_testapp):
    other_device = make_testapp("a.test")
    other_device.sign_in("ana", "correct horse battery")
    testapp.sign_in("ana", "correct horse battery")
    token = testapp.csrf_token("/auth/local/password")
    refused = testapp.post(
        "/auth/local/password",
        {
            "csrf_token": token,
            "current_password": "wrong",
            "new_password": "another long one",
            "password_confirm": "another long one",
        },
        status=400,
    )
    assert "This is not your current password." in refused.text
    done = testapp.post(
        "/auth/local/password",
        {
            "csrf_token": token,
            "current_password": "correct horse battery",
            "new_password": "another long one",
            "password_confirm": "another long one",
        },
    )
    assert "your other sessions were signed out" in done.text
    assert testapp.get("/api/me").json["username"] == "ana"  # this session stays open
    assert other_device.get("/api/me", status="*").json.get("username") is None  # the other one is over
    testapp.post("/logout", {"csrf_token": token})
    testapp.sign_in("ana", "correct horse battery", status=401)
    testapp.sign_in("ana", "another long one")


def test_guessing_the_current_password_from_a_session_is_limited(testapp, ana, make_testapp):
    thief = make_testapp("a.test")  # someone holding a session of ana's tries passwords to take the account
    thief.sign_in("ana", "correct horse battery")
    token = thief.csrf_token("/auth/local/password")

    def change(browser, current, status):
        return browser.post(
            "/auth/local/password",
            {
                "csrf_token": token,
                "current_password": current,
                "new_password": "stolen account 1",
                "password_confirm": "stolen account 1",
            },
            status=status,
        )

    for n in range(5):
        change(thief, f"guess {n}", 400)
    refused = change(thief, "correct horse battery", 429)
    assert "Too many failed attempts" in refused.text
    testapp.sign_in("ana", "correct horse battery")  # her own browser is not locked out


def test_sign_in_is_refused_where_auth_local_is_disabled(make_site, make_user, make_testapp):
    site = make_site("nolocal", plugins=[])
    make_user(site, "ana")
    browser = make_testapp("nolocal.test")
    browser.get("/login")
    browser.post("/auth/local/login", {"username": "ana", "password": "x"}, status=404)
