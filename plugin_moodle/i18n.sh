#!/usr/bin/env bash
# Refresh this plugin's French catalogue: extract, merge, compile. Its messages join the core's
# "amphi" domain (Pyramid merges the catalogues of every translation folder), so templates and
# core.platform.i18n._ translate them as they do the core's.
# Edit plugin_moodle/locale/fr/LC_MESSAGES/amphi.po, then run this again.
set -euo pipefail
cd "$(dirname "$0")"
PYBABEL="${PYBABEL:-../.venv/bin/pybabel}"
LOCALE=plugin_moodle/locale
"$PYBABEL" extract -F babel.cfg -k translate -k _ -k plural:1,2 --no-location --omit-header -o "$LOCALE/amphi.pot" .
[ -f "$LOCALE/fr/LC_MESSAGES/amphi.po" ] || "$PYBABEL" init -D amphi -i "$LOCALE/amphi.pot" -d "$LOCALE" -l fr
"$PYBABEL" update -D amphi -i "$LOCALE/amphi.pot" -d "$LOCALE" --no-fuzzy-matching
"$PYBABEL" compile -D amphi -d "$LOCALE" --statistics
