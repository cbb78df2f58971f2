"""Run the XBlock SDK workbench with the green-skills scenarios, as a real XBlock runtime.

The workbench from PyPI (xblock-sdk 0.14) ships no ``manage.py`` and no migrations and
logs into ``var/`` of its working directory, so this helper prepares a working
directory: ``var/``, a settings module that extends ``workbench.settings`` with the
plugin's ``FIELDCRED`` settings and a logger for ``workbench.runtime`` into
``var/events.log`` (the workbench only logs grade and completion events), then
``migrate --run-syncdb`` and ``runserver``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SETTINGS_MODULE = "fieldcred_workbench_settings"
MIGRATE_TIMEOUT_SECONDS = 120

_SETTINGS = '''"""Workbench settings for fieldcred, written by lms_plugin.workbench."""

from workbench.settings import *  # noqa: F403

FIELDCRED = {fieldcred!r}
EVENTS = {{"class": "logging.FileHandler", "filename": "var/events.log"}}
LOGGING["handlers"]["events"] = EVENTS  # noqa: F405
LOGGING["loggers"]["workbench.runtime"] = {{"handlers": ["events"], "level": "INFO"}}  # noqa: F405
'''


def workbench_settings(
    workdir: Path,
    issuer_key_path: Path | None,
    issuer_certificate_path: Path | None = None,
    *,
    content_dir: Path | None = None,
    staff_view_for_all: bool = False,
    hub_url: str | None = None,
    hub_token: str | None = None,
) -> dict[str, str]:
    """The ``FIELDCRED`` settings the workbench runs with (paths made absolute)."""
    fieldcred = {"DATA_DIR": str((workdir / "var" / "fieldcred").resolve())}
    if issuer_key_path is not None:
        certificate = issuer_certificate_path or issuer_key_path.with_suffix(".cert")
        fieldcred["ISSUER_KEY"] = str(issuer_key_path.resolve())
        fieldcred["ISSUER_CERTIFICATE"] = str(certificate.resolve())
    if content_dir is not None:
        fieldcred["CONTENT_DIR"] = str(content_dir.resolve())
    if staff_view_for_all:
        fieldcred["STAFF_VIEW_FOR_ALL"] = "true"
    if hub_url and hub_token:
        fieldcred["HUB_URL"], fieldcred["HUB_TOKEN"] = hub_url, hub_token
    return fieldcred


def start_workbench(
    port: int,
    workdir: Path,
    issuer_key_path: Path | None,
    *,
    issuer_certificate_path: Path | None = None,
    content_dir: Path | None = None,
    staff_view_for_all: bool = False,
    hub_url: str | None = None,
    hub_token: str | None = None,
) -> subprocess.Popen[bytes]:
    """Prepare ``workdir`` and start the workbench on 127.0.0.1:``port``.

    The issuer certificate defaults to the key's sibling with the suffix ``.cert``.
    Returns the server process (its output goes to ``workdir/var/server.log``); call
    :func:`wait_until_ready` before using it and terminate it when done.
    """
    workdir = workdir.resolve()
    (workdir / "var").mkdir(parents=True, exist_ok=True)
    fieldcred = workbench_settings(
        workdir,
        issuer_key_path,
        issuer_certificate_path,
        content_dir=content_dir,
        staff_view_for_all=staff_view_for_all,
        hub_url=hub_url,
        hub_token=hub_token,
    )
    settings_path = workdir / f"{SETTINGS_MODULE}.py"
    settings_path.touch(mode=0o600)
    settings_path.chmod(0o600)  # before the hub's API token is written into it
    settings_path.write_text(_SETTINGS.format(fieldcred=fieldcred), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FIELDCRED_")}
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), env.get("PYTHONPATH")]))
    django = [sys.executable, "-m", "django"]
    subprocess.run(
        [*django, "migrate", "--run-syncdb", "--verbosity", "0"],
        cwd=workdir,
        env=env,
        check=True,
        timeout=MIGRATE_TIMEOUT_SECONDS,
        capture_output=True,
    )
    log = open(workdir / "var" / "server.log", "ab")  # noqa: SIM115 (owned by the process)
    try:
        return subprocess.Popen(
            [*django, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def wait_until_ready(
    process: subprocess.Popen[bytes], port: int, timeout_seconds: float = 30.0
) -> str:
    """Wait until the workbench answers its index page; return its base URL."""
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the workbench exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return url
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise TimeoutError(f"the workbench did not answer on {url} within {timeout_seconds:g} s")
