#!/usr/bin/env python
"""Django's command-line utility; puts platform/ on sys.path so `config` imports."""

import os
import sys
from pathlib import Path


def main() -> None:
    # platform/ is a plain folder, never a package: a package named `platform` would
    # shadow the standard library module that uuid, celery and others import.
    sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
