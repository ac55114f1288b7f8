#!/usr/bin/env bash
# Refresh the message catalogues: extract, merge into each language, compile.
# Plurals: ngettext() in templates, request.ngettext() and core.platform.i18n.plural() in Python (keyword plural:1,2).
# Edit core/locale/<lang>/LC_MESSAGES/amphi.po, then run this again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${VENV:-.venv}/bin/pybabel"
"$PYBABEL" extract -F babel.cfg -k translate -k _ -k plural:1,2 --no-location --omit-header -o core/locale/amphi.pot .
"$PYBABEL" update -D amphi -i core/locale/amphi.pot -d core/locale --no-fuzzy-matching --ignore-obsolete
"$PYBABEL" compile -D amphi -d core/locale --statistics
