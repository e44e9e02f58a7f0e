"""The architecture, checked: the import-linter contracts of pyproject.toml (layers, no
cycles, a plot-free core) and mypy on the protocol and simulation layers."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    exe = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is not installed: pip install -r requirements-dev.txt")
    return exe


def test_import_contracts_are_kept():
    out = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "BROKEN" not in out.stdout and "0 broken" in out.stdout


def test_mypy_is_clean_on_the_protocol_and_simulation_layers():
    out = subprocess.run(
        [_tool("mypy"), "benor_lib/protocol", "benor_lib/simulation"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
