"""French and English: catalogues complete, language chosen by preference or browser."""

import os

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.i18n import LOCALE_DIR

ROOT = os.path.dirname(os.path.dirname(LOCALE_DIR))
CATALOG = f"{LOCALE_DIR}/fr/LC_MESSAGES/amphi"


def test_every_message_of_the_code_has_a_french_translation(tmp_path):
    pot = tmp_path / "amphi.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", os.path.join(ROOT, "babel.cfg"), "-k", "translate", "-k", "_",
                                "--no-location", "-o", str(pot), ROOT])
    with open(pot, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(CATALOG + ".po", "rb") as handle:
        french = {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}
    missing = sorted(msgid for msgid in wanted if not french.get(msgid))
    assert missing == [], "run scripts/i18n.sh and translate these"


def test_the_compiled_catalogue_matches_the_source():
    with open(CATALOG + ".po", "rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    with open(CATALOG + ".mo", "rb") as handle:
        compiled = {tuple(m.id) if isinstance(m.id, list) else m.id:  # plurals come as lists
                    tuple(m.string) if isinstance(m.string, list) else m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run scripts/i18n.sh to compile the catalogue"


def test_the_browser_language_is_followed(testapp):
    page = testapp.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in page.text
    assert "Vidéos récentes" in page.text and "Aller au contenu" in page.text
    page = testapp.get("/", headers={"Accept-Language": "de, en;q=0.5"})
    assert '<html lang="en">' in page.text and "Recent videos" in page.text


def test_the_language_switch_wins_over_the_browser(testapp):
    # An anonymous page carries no CSRF token (it would start a session and could not be cached):
    # the switch only refuses requests from another site.
    assert 'name="csrf_token"' not in testapp.get("/").text and "amphi_session" not in testapp.cookies
    testapp.post("/language", {"locale": "fr", "next": "/login"}, headers={"Sec-Fetch-Site": "cross-site"},
                 status=400)
    testapp.post("/language", {"locale": "fr", "next": "/login"}, headers={"Sec-Fetch-Site": "same-origin"},
                 status=302)
    page = testapp.get("/login", headers={"Accept-Language": "en"})
    assert "Compte local" in page.text and "Identifiant" in page.text


def test_the_anonymous_language_switch_checks_the_origin_on_https(testapp, site):
    https = {"wsgi.url_scheme": "https"}
    testapp.post("/language", {"locale": "fr"}, extra_environ=https, headers={"Origin": "https://evil.example"},
                 status=400)
    testapp.post("/language", {"locale": "fr"}, extra_environ=https,
                 headers={"Origin": f"https://{site.domains[0].domain}"}, status=302)


def test_a_signed_in_users_preference_is_remembered(testapp, site, make_user):
    user = make_user(site, "lea", password="mot de passe solide")
    testapp.sign_in("lea", "mot de passe solide")
    token = testapp.csrf_token("/")
    testapp.post("/language", {"locale": "fr", "csrf_token": token})
    assert user.locale == "fr"


def test_messages_from_python_are_translated(testapp, site, make_user):
    make_user(site, "lea", password="mot de passe solide")
    token = testapp.csrf_token()
    page = testapp.post("/auth/local/login", {"username": "lea", "password": "faux", "csrf_token": token},
                        headers={"Accept-Language": "fr"}, status=401)
    assert "Identifiant ou mot de passe incorrect." in page.text
    assert "Cette page n&#39;existe pas." in testapp.get("/nowhere", headers={"Accept-Language": "fr"}, status=404).text


def test_the_chosen_language_survives_sign_in_and_sign_out(testapp, site, make_user):
    make_user(site, "lea", password="mot de passe solide")
    testapp.post("/language", {"locale": "fr"})
    testapp.sign_in("lea", "mot de passe solide")
    assert '<html lang="fr">' in testapp.get("/").text
    testapp.post("/logout", {"csrf_token": testapp.csrf_token("/")})
    assert '<html lang="fr">' in testapp.get("/", headers={"Accept-Language": "en"}).text
