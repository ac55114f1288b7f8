"""OpenID Connect sign-in against a real provider on loopback (pyop over TLS, tests/oidc_provider.py)."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from core.access.identity import add_rule
from core.models import User
from core.platform.errors import ValidationError
from core.platform.sites import set_plugin_overrides
from tests.oidc_provider import LoopbackProvider, new_key

NAME = "auth_oidc"


@pytest.fixture(scope="module")
def provider_pair(tmp_path_factory):
    first = LoopbackProvider(tmp_path_factory.mktemp("op1"), client_id="amphi", client_secret="amphi-secret").start()
    second = LoopbackProvider(
        tmp_path_factory.mktemp("op2"), client_id="amphi-two", client_secret="second-secret", end_session=False
    ).start()
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture
def op(provider_pair, app, monkeypatch):
    """The first provider, trusted by the app (its CA file), untampered."""
    first, second = provider_pair
    for provider in provider_pair:
        provider.tamper = None
    monkeypatch.setitem(app.registry.settings, f"amphi.{NAME}.ca_file", first.ca_file)
    return first


def block(provider, name="univ", title="University account", **extra):
    lines = [
        f"[{name}]",
        f"title = {title}",
        f"issuer = {provider.issuer}",
        f"client_id = {provider.client_id}",
        "scopes = openid profile email groups",
    ] + [f"{key} = {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def configure(app, site, providers, secrets, **more):
    set_plugin_overrides(app.registry, site, NAME, {"providers": providers, "client_secrets": secrets, **more})


@pytest.fixture
def univ(app, site, op):
    """Site A trusts the first provider as [univ]; the provider knows site A's callback."""
    configure(app, site, block(op), f"univ={op.client_secret}")
    op.allow("http://a.test/auth/oidc/univ/callback", "http://a.test/")
    return op


def at_provider(provider, location, username="alice", password=None, cancel=False):
    """Sign in on the provider's own page; return where it sends the browser back (Amphi's callback URL)."""
    http = requests.Session()  # verify on each call: a session's own yields to REQUESTS_CA_BUNDLE
    page = http.get(location, verify=provider.ca_file)
    assert page.status_code == 200 and "Test identity provider" in page.text
    query = re.search(r'name="request_query" value="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    form = {
        "request_query": query,
        "username": username,
        "password": password or f"{username} password",
        "cancel" if cancel else "login": "1",
    }
    answer = http.post(provider.issuer + "/authorize", data=form, allow_redirects=False, verify=provider.ca_file)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def start(browser, name="univ", next_url="/my/videos"):
    answer = browser.get(f"/auth/oidc/{name}/login", {"next": next_url}, status=302)
    return answer.location


def back(browser, callback, status=302):
    """Amphi's callback, reached through the provider's redirect."""
    parts = urlsplit(callback)
    return browser.get(parts.path + "?" + parts.query, status=status)


def sign_in(browser, provider, name="univ", username="alice", next_url="/my/videos"):
    return back(browser, at_provider(provider, start(browser, name, next_url), username))


def users(dbsession, site):
    return {u.username: u for u in dbsession.scalars(select(User).where(User.site_id == site.id))}


def test_sign_in_maps_claims_applies_rules_and_returns_to_the_page(univ, testapp, site, make_request, dbsession):
    request = make_request(site)
    add_rule(request, "affiliation", "faculty", "role", "staff")
    add_rule(request, "groups", "l3-info", "group", "l3-info", "L3 Informatique")
    location = start(testapp)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(univ.issuer + "/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    assert query["redirect_uri"] == ["http://a.test/auth/oidc/univ/callback"]
    landed = back(testapp, at_provider(univ, location))
    assert landed.location == "http://a.test/my/videos"
    assert univ.token_requests[-1]["code_verifier"]  # PKCE: the verifier went with the code
    alice = users(dbsession, site)["alice"]
    assert (alice.display_name, alice.email, alice.affiliation, alice.role) == (
        "Alice Martin",
        "alice@univ.example",
        "faculty",
        "staff",
    )
    assert [(g.name, g.title) for g in alice.groups] == [("l3-info", "L3 Informatique")]
    assert testapp.get("/upload", status=200)  # staff through the rule, signed in


def test_username_falls_back_to_sub_and_claim_names_are_settings(univ, app, testapp, site, dbsession):
    sign_in(testapp, univ, username="bob")
    bob = users(dbsession, site)["sub-bob-0002"]  # bob's provider sends no preferred_username
    assert (bob.display_name, bob.affiliation) == ("Bob Durand", "student")
    configure(app, site, block(univ, username_claim="email", display_name_claim="email"), f"univ={univ.client_secret}")
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    sign_in(testapp, univ, username="alice")
    assert users(dbsession, site)["alice@univ.example"].display_name == "alice@univ.example"


def test_two_providers_on_one_site(provider_pair, op, app, site, testapp, dbsession):
    first, second = provider_pair
    configure(
        app,
        site,
        block(first) + block(second, name="partner", title="Partner school"),
        f"univ={first.client_secret} partner={second.client_secret}",
    )
    first.allow("http://a.test/auth/oidc/univ/callback")
    second.allow("http://a.test/auth/oidc/partner/callback")
    login = testapp.get("/login", {"next": "/upload"})
    assert login.html.find("a", string=re.compile("University account"))["href"].startswith(
        "http://a.test/auth/oidc/univ/login"
    )
    partner = login.html.find("a", string=re.compile("Partner school"))["href"]
    assert "/auth/oidc/partner/login" in partner and "next=/upload" in partner
    # the second provider's certificate is another one: trust both
    bundle = first.ca_file + ".both"
    open(bundle, "w").write(open(first.ca_file).read() + open(second.ca_file).read())
    app.registry.settings[f"amphi.{NAME}.ca_file"] = bundle
    landed = sign_in(testapp, second, name="partner", username="bob", next_url="/upload")
    assert landed.location == "http://a.test/upload"
    assert "sub-bob-0002" in users(dbsession, site)
    assert (
        testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")}).location == "http://a.test/"
    )  # no end_session


def test_a_forged_or_missing_state_is_refused_and_creates_nothing(univ, testapp, make_testapp, site, dbsession):
    callback = at_provider(univ, start(testapp))
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    answer = back(testapp, forged, status=400)
    assert "does not belong to the sign-in started here" in answer.text
    stranger = make_testapp("a.test")  # a browser that never started a sign-in
    assert "not started here" in back(stranger, callback, status=400).text
    assert "alice" not in users(dbsession, site)


def test_a_callback_cannot_be_replayed(univ, testapp, make_testapp, site, dbsession):
    callback = at_provider(univ, start(testapp))
    back(testapp, callback)
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    assert "already been used" in back(testapp, callback, status=400).text


@pytest.mark.parametrize(
    "tamper, message",
    [
        (
            lambda claims, key: ({**claims, "nonce": "another nonce"}, key),
            "refused: it answers another sign-in (nonce).",
        ),
        (
            lambda claims, key: (claims, new_key(key.kid)),
            "refused: it is not signed by a key the provider publishes.",
        ),  # same key id, another key
        (
            lambda claims, key: ({**claims, "aud": ["someone-else"]}, key),
            "refused: it was issued for another application (audience).",
        ),
        (
            lambda claims, key: ({**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, key),
            "refused: it has expired.",
        ),
    ],
)
def test_a_bad_id_token_is_refused_and_creates_nothing(univ, testapp, site, dbsession, tamper, message):
    univ.tamper = tamper
    callback = at_provider(univ, start(testapp))
    answer = back(testapp, callback, status=400)
    assert message in answer.text, answer.text
    assert "alice" not in users(dbsession, site)
    assert testapp.get("/upload", status=302).location.startswith("http://a.test/login")  # not signed in


def test_refusals_are_told_in_the_visitors_language(univ, testapp):
    univ.tamper = lambda claims, key: ({**claims, "exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, key)
    callback = at_provider(univ, start(testapp))
    parts = urlsplit(callback)
    answer = testapp.get(parts.path + "?" + parts.query, headers={"Accept-Language": "fr"}, status=400)
    assert "Le jeton d&#39;identité a été refusé : il a expiré." in answer.text


def test_claims_become_attributes_by_the_providers_mapping():
    from plugins.auth_oidc.claims import attributes_from_claims
    from plugins.auth_oidc.config import site_providers

    text = "[kc]\ntitle = K\nissuer = https://kc.example\nclient_id = a\ngroups_claim = realm_access.roles\n"
    provider = site_providers({"providers": text, "client_secrets": "kc=s", "ca_file": ""})["kc"]
    assert provider.client_secret == "s" and provider.scopes == ("openid", "profile", "email")
    attributes = attributes_from_claims(
        provider,
        {
            "sub": "u-1",
            "preferred_username": "ana",
            "name": "Ana",
            "realm_access": {"roles": ["teacher", "l3"]},
            "eduperson_affiliation": "faculty",
            "nonce": "n",
            "exp": 1,
            "department": "physics",
        },
    )
    assert attributes == {
        "sub": ["u-1"],
        "preferred_username": ["ana"],
        "name": ["Ana"],
        "username": ["ana"],
        "display_name": ["Ana"],
        "groups": ["teacher", "l3"],
        "eduperson_affiliation": ["faculty"],
        "affiliation": ["faculty"],
        "department": ["physics"],
        "oidc_provider": ["kc"],
    }


def test_the_providers_refusal_is_shown(univ, testapp, site, dbsession):
    answer = back(testapp, at_provider(univ, start(testapp), cancel=True), status=400)
    assert "The identity provider refused the sign-in: the user said no." in answer.text
    assert users(dbsession, site) == {}


def test_no_account_is_created_when_the_site_says_so(univ, app, testapp, site, make_user, dbsession):
    configure(app, site, block(univ), f"univ={univ.client_secret}", create_users=False)
    answer = back(testapp, at_provider(univ, start(testapp), "bob"), status=403)
    assert "You have no account on this site yet" in answer.text and users(dbsession, site) == {}
    make_user(site, "alice")
    assert sign_in(testapp, univ, username="alice").location == "http://a.test/my/videos"


def test_a_disabled_account_is_refused(univ, testapp, site, make_user):
    alice = make_user(site, "alice")
    alice.is_active = False
    answer = back(testapp, at_provider(univ, start(testapp)), status=403)
    assert "This account is disabled." in answer.text
    assert testapp.get("/upload", status=302).location.startswith("http://a.test/login")


def test_an_unreachable_provider_is_told_plainly(app, site, testapp, op):
    configure(app, site, block(op, name="down").replace(op.issuer, "https://127.0.0.1:9"), "down=x")
    answer = testapp.get("/auth/oidc/down/login", status=502)
    assert "The identity provider could not be reached" in answer.text


def test_the_session_cookie_stays_small(univ, testapp):
    sign_in(testapp, univ)
    cookie = testapp.cookies["amphi_session"]
    print("session cookie after an OIDC sign-in:", len(cookie), "bytes")
    assert len(cookie) < 3000, len(cookie)  # browsers drop cookies over 4096 bytes


def test_next_cannot_leave_the_site(univ, testapp):
    assert sign_in(testapp, univ, next_url="//evil.example/x").location == "http://a.test/"


def test_sign_out_ends_the_session_at_the_provider(univ, testapp, site):
    sign_in(testapp, univ)
    out = testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")}, status=302)
    assert out.location.startswith(univ.issuer + "/logout?")
    query = parse_qs(urlsplit(out.location).query)
    assert query["post_logout_redirect_uri"] == ["http://a.test/"] and query["id_token_hint"]
    at_op = requests.get(out.location, verify=univ.ca_file, allow_redirects=False)
    assert at_op.status_code == 302 and at_op.headers["Location"].rstrip("?") == "http://a.test/"
    assert univ.logouts[-1]["id_token_hint"] == query["id_token_hint"][0]
    assert testapp.get("/upload", status=302).location.startswith("http://a.test/login")


def test_sites_are_separate_and_a_disabled_plugin_answers_404(univ, app, site, make_site, make_testapp, dbsession):
    b = make_site("b")
    configure(app, b, block(univ), f"univ={univ.client_secret}")
    univ.allow("http://b.test/auth/oidc/univ/callback")
    site_a, site_b = make_testapp("a.test"), make_testapp("b.test")
    sign_in(site_a, univ)
    sign_in(site_b, univ)
    alice_a, alice_b = users(dbsession, site)["alice"], users(dbsession, b)["alice"]
    assert alice_a.id != alice_b.id
    callback_for_a = at_provider(univ, start(site_a))  # an answer meant for site A, brought to site B
    assert back(make_testapp("b.test"), callback_for_a.replace("a.test", "b.test"), status=400)
    plain = make_site("c", plugins=["auth_local", "storage_local"])
    configure(app, plain, block(univ), f"univ={univ.client_secret}")
    site_c = make_testapp("c.test")
    site_c.get("/auth/oidc/univ/login", status=404)
    site_c.get("/auth/oidc/univ/callback", status=404)
    assert "University account" not in site_c.get("/login").text
    make_testapp("a.test").get("/auth/oidc/unknown/login", status=404)


def test_settings_are_validated_with_clear_errors(app, site):
    def refused(providers, secrets=""):
        with pytest.raises(ValidationError) as caught:
            configure(app, site, providers, secrets)
        return " ".join(caught.value.errors.values())

    assert "title, client_id missing" in refused("[univ]\nissuer = https://idp.example\n")
    assert "https://" in refused("[univ]\ntitle = U\nissuer = http://idp.example\nclient_id = x\n")
    assert "unknown key(s) colour" in refused(
        "[univ]\ntitle = U\nissuer = https://i.example\nclient_id = x\ncolour = red\n"
    )
    assert "Not readable" in refused("title = U\n")
    assert "name must be" in refused("[Univ Paris]\ntitle = U\nissuer = https://i.example\nclient_id = x\n")
    assert "must include openid" in refused(
        "[u]\ntitle = U\nissuer = https://i.example\nclient_id = x\nscopes = email\n"
    )
    assert "name=secret pairs" in refused("", "just-a-secret")


def settings_form(page):
    return next(form for form in page.forms.values() if "providers" in form.fields)


def test_the_site_admin_edits_providers_in_the_generated_form(app, site, make_user, testapp):
    make_user(site, "boss", role="site-admin", password="boss password 1")
    testapp.sign_in("boss", "boss password 1")
    form = settings_form(testapp.get("/admin/site/plugins/auth_oidc"))
    assert form["providers"].tag == "textarea" and form["client_secrets"].value == ""
    form["providers"] = "[univ]\ntitle = U\nissuer = http://idp.example\nclient_id = x\n"
    answer = form.submit(status=200)
    assert "Provider [univ]: the issuer must be an https:// URL" in answer.text
    form = settings_form(answer)
    form["providers"] = "[univ]\ntitle = University\nissuer = https://idp.example\nclient_id = amphi\n"
    form["client_secrets"] = "univ=s3cret"
    form.submit(status=302)
    assert site.plugin_settings[NAME]["client_secrets"] == "univ=s3cret"
    assert "s3cret" not in testapp.get("/admin/site/plugins/auth_oidc").text
