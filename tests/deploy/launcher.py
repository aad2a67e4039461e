"""deploy/dev.py loaded as a module, for tests that check it or borrow its server helpers."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_launcher():
    spec = importlib.util.spec_from_file_location("sipas_dev_launcher", ROOT / "deploy" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve annotations through sys.modules, so register before executing.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


dev = _load_launcher()
