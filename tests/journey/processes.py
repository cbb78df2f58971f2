"""Real processes for the journey: the ``fieldcred`` console script and the servers it starts.

Every command runs as its own process with an environment cleaned of ``FIELDCRED_*``
variables, so only what the journey sets reaches it. Servers log to a file, which a
failure shows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

FIELDCRED = Path(sys.executable).with_name("fieldcred")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FIELDCRED_")}
    env.update(extra)
    return env


@dataclass
class Cli:
    """Runs ``fieldcred`` commands in ``cwd``."""

    cwd: Path
    env: dict[str, str] = field(default_factory=clean_env)

    def run(
        self,
        *args: str | Path,
        ok: bool | None = True,
        env: dict[str, str] | None = None,
        timeout_s: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run one command; ``ok=True`` asserts exit 0, ``False`` asserts failure."""
        command = [str(FIELDCRED), *map(str, args)]
        result = subprocess.run(
            command,
            cwd=self.cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        shown = f"$ fieldcred {' '.join(command[1:])}\nexit {result.returncode}\n"
        shown += result.stdout + result.stderr
        if ok is True:
            assert result.returncode == 0, shown
        elif ok is False:
            assert result.returncode != 0, shown
        return result


@dataclass
class Server:
    """A long-running ``fieldcred`` (or other) process serving HTTP on ``port``."""

    name: str
    command: Sequence[str | Path]
    port: int
    cwd: Path
    env: dict[str, str]
    ready_path: str = "/"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.cwd / f"{self.name}.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout_s: float = 30) -> Server:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(part) for part in self.command],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2):
                    return self
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"{self.name} did not answer within {timeout_s:g} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def fieldcred_server(
    name: str, args: Sequence[str | Path], *, port: int, cwd: Path, env: dict[str, str]
) -> Server:
    return Server(name, [FIELDCRED, *args], port, cwd, env)
