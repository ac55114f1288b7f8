"""Set translations in a catalogue from a JSON object {msgid: msgstr}; then run scripts/i18n.sh.

A plural message is keyed by its singular and takes a list of the language's forms (French:
[0 and 1, millions ("de"), others]): {"%(num)s video": ["%(num)s vidéo", "%(num)s de vidéos", "%(num)s vidéos"]}.

    python scripts/po_set.py fr < translations.json
    python scripts/po_set.py fr plugin_x/x/locale/fr/LC_MESSAGES/x.po < translations.json  (a plugin's own catalogue)
"""

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(language: str, path: str = "") -> None:
    path = path or f"core/locale/{language}/LC_MESSAGES/amphi.po"
    translations = json.load(sys.stdin)
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100)


if __name__ == "__main__":
    main(*sys.argv[1:3])
