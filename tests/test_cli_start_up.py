"""The ``fieldcred`` script loads every package's CLI for every command, ``edge serve``
included: the libraries only some commands use load when those commands run."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("PIL", "lxml", "pyld", "requests", "segno", "yaml", "zxingcpp")


def test_the_script_loads_no_library_that_only_some_commands_use() -> None:
    probe = (
        "import json, sys, fieldcred.cli; "
        f"print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []
