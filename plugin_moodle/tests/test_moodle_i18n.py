"""The plugin's own French catalogue: complete, compiled, and merged into the pages' language."""

import os

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from moodle_helpers import PASSWORD

import plugin_moodle

FOLDER = os.path.dirname(os.path.dirname(plugin_moodle.__file__))
CATALOG = os.path.join(plugin_moodle.LOCALE_DIR, "fr", "LC_MESSAGES", "amphi")


def plain(value):
    return value if isinstance(value, str) else tuple(value)


def test_every_message_has_a_french_translation_and_the_pages_speak_it(tmp_path, testapp, admin):
    pot = tmp_path / "moodle.pot"
    options = ["-k", "translate", "-k", "_", "-k", "plural:1,2", "--no-location", "-o", str(pot), FOLDER]
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", os.path.join(FOLDER, "babel.cfg"), *options])
    with open(pot, "rb") as handle:
        wanted = {plain(m.id) for m in read_po(handle) if m.id}
    with open(CATALOG + ".po", "rb") as handle:
        french = {plain(m.id): plain(m.string) for m in read_po(handle) if m.id and not m.fuzzy}
    assert [m for m in wanted if not french.get(m) or not all(french[m])] == [], "run plugin_moodle/i18n.sh"
    with open(CATALOG + ".mo", "rb") as handle:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {k: v for k, v in french.items() if v}, "run plugin_moodle/i18n.sh to compile"
    testapp.sign_in("admin", PASSWORD)
    page = testapp.get("/admin/lti", headers={"Accept-Language": "fr"})
    assert "Plateformes de ce site" in page.text and "Créer une adresse d'enregistrement" in page.text
