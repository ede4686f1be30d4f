"""The layer order (docs/layers.md) holds: no package imports one above it.

The contract lives in pyproject.toml ([tool.importlinter]); import-linter reads the imports
statically, lazy ones inside functions included.
"""

import importlib.util
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_every_layer_imports_only_the_layers_under_it(capsys):
    spec = importlib.util.find_spec("api")
    assert spec and Path(spec.submodule_search_locations[0]).parent == REPO, "checks this tree"
    code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out


def test_the_contract_covers_every_package_the_project_ships():
    shipped = {
        name.rstrip("*") for name in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    linter = PYPROJECT["tool"]["importlinter"]
    layered = {
        name.strip() for layer in linter["contracts"][0]["layers"] for name in layer.split("|")
    }
    assert set(linter["root_packages"]) == shipped == layered
