"""Property tests of the node's parsers of untrusted input: only clean values or BadRequest."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from content.loading import load_catalogue
from content.model import Module
from edge_node.assessment import parse_answer, parse_checklist
from edge_node.errors import BadRequest
from edge_node.learners import CODE_ALPHABET, format_code, new_learner_code, normalise_code
from edge_node.web.pages_staff import parse_browser_time
from edge_node.web.security import Principal, SessionCodec

MODULES: list[Module] = list(load_catalogue().modules.values())
ITEMS = [item for module in MODULES for item in module.items]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(ITEMS) - 1), raw=json_values)
def test_parse_answer_returns_a_clean_answer_or_bad_request(index: int, raw: Any) -> None:
    item = ITEMS[index]
    try:
        value = parse_answer(item, raw)
    except BadRequest:
        return
    options = {o.id for o in item.options}
    if item.kind == "single_choice":
        assert value in options
    elif item.kind == "multiple_choice":
        assert isinstance(value, list) and set(value) <= options and value
    elif item.kind == "true_false":
        assert isinstance(value, bool)
    else:
        assert isinstance(value, float) and value == value and abs(value) != float("inf")


@settings(max_examples=200, deadline=None)
@given(
    index=st.integers(0, len(MODULES) - 1), raw=st.dictionaries(st.text(max_size=12), json_values)
)
def test_parse_checklist_accepts_only_rubric_scores(index: int, raw: dict[str, Any]) -> None:
    module = MODULES[index]
    try:
        scores = parse_checklist(module, raw)
    except BadRequest:
        return
    for criterion in module.checklist:
        assert scores[criterion.id] in {level.score for level in criterion.levels}


@given(form=st.dictionaries(st.sampled_from(["browser_ms", "time", "x"]), st.text(max_size=60)))
def test_parse_browser_time_is_aware_or_bad_request(form: dict[str, str]) -> None:
    try:
        moment = parse_browser_time(form)
    except BadRequest:
        return
    assert moment.tzinfo is not None


@given(value=st.text(max_size=2000) | st.none())
def test_session_cookies_never_raise_and_forgeries_fail(value: str | None) -> None:
    codec = SessionCodec(b"k" * 32, max_age_s=60)
    assert codec.loads(value) is None
    principal = Principal(nonce="n", account_id="a", role="admin")
    assert codec.loads(codec.dumps(principal)) == principal
    assert SessionCodec(b"j" * 32, max_age_s=60).loads(codec.dumps(principal)) is None


@given(text=st.text(max_size=40))
def test_learner_codes_normalise_safely(text: str) -> None:
    normalised = normalise_code(text)
    assert " " not in normalised and "-" not in normalised
    code = new_learner_code()
    assert set(code) <= set(CODE_ALPHABET)
    assert normalise_code(format_code(code).lower()) == code
