#!/usr/bin/env bash
# Refresh this plugin's own catalogue (domain opencast_studio): extract, merge, compile.
# Edit opencast_studio/locale/fr/LC_MESSAGES/opencast_studio.po, then run this again.
set -euo pipefail
cd "$(dirname "$0")"
PYBABEL="${PYBABEL:-../.venv/bin/pybabel}"
"$PYBABEL" extract -F babel.cfg -k t -k _ --no-location --omit-header -o opencast_studio/locale/opencast_studio.pot .
if [ ! -f opencast_studio/locale/fr/LC_MESSAGES/opencast_studio.po ]; then
    "$PYBABEL" init -D opencast_studio -i opencast_studio/locale/opencast_studio.pot -d opencast_studio/locale -l fr
fi
"$PYBABEL" update -D opencast_studio -i opencast_studio/locale/opencast_studio.pot -d opencast_studio/locale --no-fuzzy-matching
"$PYBABEL" compile -D opencast_studio -d opencast_studio/locale --statistics
