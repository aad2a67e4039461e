#!/bin/sh
# Regenerates the Vietnamese catalog from the sources (gettext, {% translate %}, {% blocktranslate %})
# and compiles it. New strings appear with an empty msgstr; tests/test_translations.py fails until they
# are translated. makemessages never touches the database, but the settings still need a DATABASE_URL.
set -eu
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.test}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sipas}"
.venv/bin/python manage.py makemessages -l vi --no-location \
    --ignore=.venv --ignore=.data --ignore=tests --ignore=node_modules
.venv/bin/python manage.py compilemessages -l vi --ignore=.venv
