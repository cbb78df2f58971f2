"""A sitting is graded once per change: the grade its event carries is the result kept."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import content.grading
from edge_node import assessment
from edge_node.node import Node
from tests.helpers.nodes import (
    MODULE,
    answered_sitting,
    full_marks,
)


def _count_grading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count calls of the library's grader, wherever the node's modules took it from."""
    calls: list[str] = []
    original = content.grading.grade_attempt

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs["module"].id)
        return original(**kwargs)

    monkeypatch.setattr(content.grading, "grade_attempt", counted)
    for name, module in list(sys.modules.items()):
        if name.startswith("edge_node") and getattr(module, "grade_attempt", None) is original:
            monkeypatch.setattr(module, "grade_attempt", counted)
    return calls


def test_submitting_then_scoring_grades_once_each(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    sitting = answered_sitting(node)
    calls = _count_grading(monkeypatch)
    sitting = assessment.submit(node, sitting)
    assert calls == [MODULE]
    assessment.score_checklist(node, sitting, full_marks(node.modules[MODULE]), by="worker")
    assert calls == [MODULE, MODULE]
    result = node.db.execute(
        "SELECT passed, score_percent FROM results WHERE sitting_id = ?", [sitting.id]
    ).fetchone()
    assert tuple(result) == (1, 100)
