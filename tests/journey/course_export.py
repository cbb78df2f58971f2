"""A course export from the XBlock SDK workbench: each block's OLX as the runtime writes it.

Open edX Studio exports a course as OLX by calling each block's ``add_xml_to_node``
through the runtime. The workbench has no export button, so this runs the same
``Runtime.export_to_xml`` in a Django shell over the running workbench's database,
where the author's settings (such as the pass threshold saved in Studio view) live.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import io, pathlib
from workbench.runtime import WorkbenchRuntime
from workbench.scenarios import get_scenarios

wanted = {title!r}
out = pathlib.Path({out!r})
for scenario in get_scenarios().values():
    if scenario.description == wanted:
        runtime = WorkbenchRuntime("author")
        buffer = io.BytesIO()
        runtime.export_to_xml(runtime.get_block(scenario.usage_id), buffer)
        out.write_bytes(buffer.getvalue())
        break
else:
    raise SystemExit("no scenario " + wanted)
"""


def export_scenario_olx(workdir: Path, title: str, out: Path) -> Path:
    """Write the OLX of the workbench scenario called ``title`` to ``out``."""
    from lms_plugin.workbench import SETTINGS_MODULE

    env = {key: value for key, value in os.environ.items() if not key.startswith("FIELDCRED_")}
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), env.get("PYTHONPATH")]))
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "django", "shell", "-c", _SCRIPT.format(title=title, out=str(out))],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out
