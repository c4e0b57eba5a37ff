"""Fast checks of the bootstrap scripts (./dev and .ci/run); no venv is created."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [ROOT / "dev", ROOT / ".ci" / "run"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_script_is_executable_and_parses(script: Path) -> None:
    assert script.is_file(), f"{script} is missing"
    assert os.access(script, os.X_OK), f"{script} is not executable"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("args", [["no-such-command"], []], ids=["unknown", "none"])
def test_dev_rejects_unknown_command_with_usage(args: list[str]) -> None:
    result = subprocess.run(
        [str(ROOT / "dev"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert "usage:" in result.stderr
    assert "test" in result.stderr and "demo" in result.stderr
