"""The plugin's own French catalogue: complete, compiled, and merged into the pages' language."""

import os

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bbb_helpers import PASSWORD

import plugin_bbb

FOLDER = os.path.dirname(os.path.dirname(plugin_bbb.__file__))
CATALOG = os.path.join(plugin_bbb.LOCALE_DIR, "fr", "LC_MESSAGES", "amphi")


def plain(value):
    """A message id or translation; a plural one's forms as a tuple."""
    return value if isinstance(value, str) else tuple(value)


def test_every_message_of_the_plugin_has_a_french_translation(tmp_path):
    pot = tmp_path / "bbb.pot"
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
            "-k",
            "plural:1,2",
            "--no-location",
            "-o",
            str(pot),
            FOLDER,
        ]
    )
    with open(pot, "rb") as handle:
        wanted = {plain(m.id) for m in read_po(handle) if m.id}
    with open(CATALOG + ".po", "rb") as handle:
        french = {plain(m.id): plain(m.string) for m in read_po(handle) if m.id and not m.fuzzy}
    missing = [msgid for msgid in wanted if not french.get(msgid) or not all(french[msgid])]
    assert missing == [], "run plugin_bbb/i18n.sh"
    with open(CATALOG + ".mo", "rb") as handle:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {k: v for k, v in french.items() if v}, "run plugin_bbb/i18n.sh to compile"


def test_the_bbb_pages_speak_french(testapp, people, server, make_meeting):
    testapp.sign_in("admin", PASSWORD)
    page = testapp.get("/admin/bbb", headers={"Accept-Language": "fr"})
    assert "Serveurs de ce site" in page.text and "Ajouter un serveur" in page.text
    meeting = make_meeting()
    page = testapp.get(f"/bbb/meetings/{meeting.id}", headers={"Accept-Language": "fr"})
    assert "Rejoindre comme modérateur" in page.text and "La réunion n’est pas en cours." in page.text
    assert "Vidéos récentes" in testapp.get("/", headers={"Accept-Language": "fr"}).text  # the core's still there
