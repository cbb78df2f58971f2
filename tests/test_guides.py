"""The guides stay true: every command they cite exists with the options they give, and
every screenshot they show is one the journey test writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from fieldcred.cli import app
from tests.helpers.cli import subcommands

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDES = sorted(DOCS.glob("guide-*.md"))
JOURNEY = Path(__file__).with_name("test_journey.py")


def cited_commands(text: str) -> list[str]:
    """``fieldcred ...`` command lines in shell blocks and inline code."""
    code = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    code = [block.replace("\\\n", " ") for block in code]
    code += re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    lines = [line for block in code for line in block.splitlines()]
    command = r"(?:^|[\s/])fieldcred( [a-z][a-z-]*.*)"
    return [m.group(1) for line in lines for m in re.finditer(command, line)]


def resolve(words: list[str]) -> tuple[Any, list[str]]:
    """The command the words name, and the words after it."""
    command: Any = typer.main.get_command(app)
    while words and words[0] in subcommands(command):
        command, words = subcommands(command)[words[0]], words[1:]
    return command, words


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_cited_command_and_option_exists(guide: Path) -> None:
    for line in cited_commands(guide.read_text(encoding="utf-8")):
        command, rest = resolve(line.split("#")[0].split())
        assert not subcommands(command), f"{guide.name}: not a command: {line}"
        known = {opt for param in command.params for opt in param.opts}
        for word in rest:
            option = word.split("=")[0]
            if option.startswith("--"):
                assert option in known, f"{guide.name}: {line}: no option {option}"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_screenshot_shown_is_written_by_the_journey(guide: Path) -> None:
    journey = JOURNEY.read_text(encoding="utf-8")
    for name in re.findall(r"\(screenshots/([\w-]+)\.png\)", guide.read_text(encoding="utf-8")):
        assert f'"{name}"' in journey, f"{guide.name}: no journey step writes {name}.png"
        assert (DOCS / "screenshots" / f"{name}.png").exists(), name


def test_there_is_a_guide_for_each_person() -> None:
    names = {guide.stem for guide in GUIDES}
    assert {
        "guide-centre-admin",
        "guide-extension-worker",
        "guide-university",
        "guide-verifier",
        "guide-integrator",
    } <= names
