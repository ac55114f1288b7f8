"""The plugin's own French catalogue: complete, compiled, and merged into the pages' language."""

import os

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from recorder_helpers import PASSWORD

import plugin_recorder

FOLDER = os.path.dirname(os.path.dirname(plugin_recorder.__file__))
CATALOG = os.path.join(plugin_recorder.LOCALE_DIR, "fr", "LC_MESSAGES", "amphi")


def test_every_message_of_the_plugin_has_a_french_translation(tmp_path):
    pot = tmp_path / "recorder.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            os.path.join(FOLDER, "babel.cfg"),
            "-k",
            "translate",
            "-k",
            "_",
            "--no-location",
            "-o",
            str(pot),
            FOLDER,
        ]
    )
    with open(pot, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(CATALOG + ".po", "rb") as handle:
        french = {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}
    assert sorted(msgid for msgid in wanted if not french.get(msgid)) == [], "run plugin_recorder/i18n.sh"
    with open(CATALOG + ".mo", "rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == {k: v for k, v in french.items() if v}, "run plugin_recorder/i18n.sh to compile"


def test_the_recorder_pages_speak_french(testapp, people):
    testapp.sign_in("admin", PASSWORD)
    page = testapp.get("/admin/recorders", headers={"Accept-Language": "fr"})
    assert "Enregistreurs de ce site" in page.text and "Ajouter un enregistreur" in page.text
    assert "Vidéos récentes" in testapp.get("/", headers={"Accept-Language": "fr"}).text  # the core's still there
