"""The import contract of pyproject.toml ([tool.importlinter]) holds, and it does catch an upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("tenants", "surveys", "analytics", "api")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(  # noqa: S603 - our own virtualenv's tool on our own tree
        [str(lint), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": f"{root / 'platform'}:{root}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def copy_of_the_tree(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "templates", "locale", "static", "*.po", "*.mo")
    for app in APPS:
        shutil.copytree(ROOT / app, target / app, ignore=ignore)
    shutil.copytree(ROOT / "platform" / "config", target / "platform" / "config", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_codebase_keeps_the_layering_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_import_against_the_direction_breaks_the_contract(tmp_path):
    # given a copy of the tree where the registry imports the API
    tree = copy_of_the_tree(tmp_path)
    (tree / "tenants" / "upward.py").write_text("from api.models import ApiClient  # noqa: F401\n")
    # when the linter runs
    result = lint_imports(tree)
    # then it fails and names the offending import
    assert result.returncode != 0
    assert "tenants.upward -> api.models" in result.stdout
