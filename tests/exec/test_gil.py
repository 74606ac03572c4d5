"""The engine lowers the interpreter's switch interval, never raises it, and can be told
to leave it alone."""

import subprocess
import sys

import pytest

CODE = "import sys; {pre}import warehouse.exec.executor; print(sys.getswitchinterval())"


def _interval(pre: str = "", env: dict | None = None) -> float:
    import os

    out = subprocess.run([sys.executable, "-c", CODE.format(pre=pre)], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})})
    return float(out.stdout.strip())


def test_lowered_on_import():
    assert _interval() == pytest.approx(0.0005)


def test_never_raised():
    assert _interval(pre="sys.setswitchinterval(0.0001); ") == pytest.approx(0.0001)


def test_env_leaves_it_alone():
    assert _interval(env={"WAREHOUSE_SWITCH_INTERVAL": "0"}) == pytest.approx(0.005)
