"""The plugin carries its own French catalogue (domain opencast_studio), complete and compiled."""

import os

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from opencast_studio.i18n import DOMAIN, LOCALE_DIR

ROOT = os.path.dirname(os.path.dirname(LOCALE_DIR))
CATALOG = f"{LOCALE_DIR}/fr/LC_MESSAGES/{DOMAIN}"


def test_every_message_of_the_plugin_has_a_french_translation(tmp_path):
    pot = tmp_path / "plugin.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            os.path.join(ROOT, "babel.cfg"),
            "-k",
            "t",
            "-k",
            "_",
            "--no-location",
            "-o",
            str(pot),
            ROOT,
        ]
    )
    with open(pot, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(CATALOG + ".po", "rb") as handle:
        french = {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}
    assert wanted and sorted(m for m in wanted if not french.get(m)) == [], "run plugin_opencast_studio/i18n.sh"


def test_the_compiled_catalogue_matches_the_source():
    with open(CATALOG + ".po", "rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    with open(CATALOG + ".mo", "rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source


def test_the_site_admin_reads_the_plugins_settings_in_french(make_site, make_user, make_testapp):
    site = make_site("rec", plugins=["storage_local", "auth_local", "opencast_ingest", "opencast_studio"])
    make_user(site, "admin", role="site-admin", password="admin password 1")
    app = make_testapp("rec.test")
    app.sign_in("admin", "admin password 1")
    page = app.get("/admin/site/plugins/opencast_studio", headers={"Accept-Language": "fr"})
    assert "Qui peut regarder un nouvel enregistrement" in page.text and "Compte partagé : mot de passe" in page.text
