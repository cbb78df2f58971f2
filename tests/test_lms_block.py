"""The green_skills_module XBlock in the XBlock test runtime: views, handlers, scoring, OLX."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

django = pytest.importorskip("django")
pytest.importorskip("xblock")

from django.conf import settings as django_settings  # noqa: E402
from django.utils.html import escape  # noqa: E402

if not django_settings.configured:
    django_settings.configure(USE_I18N=True)
    django.setup()

from lxml import etree  # noqa: E402
from webob import Request  # noqa: E402
from xblock.fields import Scope, ScopeIds  # noqa: E402
from xblock.reference.user_service import UserService, XBlockUser  # noqa: E402
from xblock.runtime import DictKeyValueStore, KvsFieldData  # noqa: E402
from xblock.test.tools import TestRuntime  # noqa: E402

from content.catalogue import catalogue_entry  # noqa: E402
from content.loading import load_catalogue  # noqa: E402
from content.model import Item, Module  # noqa: E402
from credentials.certificates import NodeCertificate, issue_node_certificate  # noqa: E402
from credentials.keys import SigningKey, save_private_key  # noqa: E402
from credentials.ob3 import verify_open_badge  # noqa: E402
from credentials.trust import TrustList  # noqa: E402
from credentials.verification import verify  # noqa: E402
from lms_plugin import block_core  # noqa: E402
from lms_plugin.block import GreenSkillsModuleBlock  # noqa: E402
from lms_plugin.i18n import LOCALE_DIR, labels  # noqa: E402

CONTENT = Path(__file__).parent / "fixtures" / "content" / "valid"
ROOT = SigningKey.from_seed(bytes(range(32)))
ONLINE = SigningKey.from_seed(bytes(range(1, 33)))
JSON_HANDLERS = (
    "save_answer",
    "submit",
    "retake",
    "set_language",
    "studio_submit",
    "staff_results",
    "score_checklist",
)


class _Users(UserService):  # type: ignore[misc]
    def get_current_user(self) -> XBlockUser:
        return self._user


class _Runtime(TestRuntime):  # type: ignore[misc]
    def __init__(self, kvs: DictKeyValueStore, user: XBlockUser) -> None:
        super().__init__(services={"field-data": KvsFieldData(kvs), "user": _Users(user=user)})
        self.events: list[tuple[str, dict[str, Any]]] = []

    def handler_url(self, block: Any, handler_name: str, suffix: str = "", *args: Any) -> str:
        return f"/handler/{handler_name}/{suffix}".rstrip("/")

    def publish(self, block: Any, event_type: str, event_data: dict[str, Any]) -> None:
        self.events.append((event_type, event_data))


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return load_catalogue(CONTENT).modules


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site with an online issuer certified by the university root."""
    now = datetime.now(UTC).replace(microsecond=0)
    save_private_key(ONLINE, tmp_path / "online.jwk")
    cert = NodeCertificate(
        "online-example", "Example University online", ONLINE.public_key, ("*",),
        now - timedelta(days=1), now + timedelta(days=365),
    )  # fmt: skip
    (tmp_path / "online.cert").write_bytes(issue_node_certificate(ROOT, cert))
    monkeypatch.setenv("FIELDCRED_CONTENT_DIR", str(CONTENT))
    monkeypatch.setenv("FIELDCRED_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FIELDCRED_ISSUER_KEY", str(tmp_path / "online.jwk"))
    monkeypatch.setenv("FIELDCRED_ISSUER_CERTIFICATE", str(tmp_path / "online.cert"))
    return tmp_path


@pytest.fixture
def trust(site: Path, modules: dict[str, Module]) -> TrustList:
    return TrustList(
        version=1,
        issued_at=datetime.now(UTC).replace(microsecond=0),
        roots=(ROOT.public_key,),
        node_certificates=((site / "online.cert").read_bytes(),),
        catalogue=tuple(catalogue_entry(module) for module in modules.values()),
    )


Make = Callable[..., tuple[GreenSkillsModuleBlock, _Runtime]]


@pytest.fixture
def make(site: Path) -> Iterator[Make]:
    kvs = DictKeyValueStore()

    def make(
        module_id: str = "cover-crops", user: str = "learner-1", staff: bool = False, **fields: Any
    ) -> tuple[GreenSkillsModuleBlock, _Runtime]:
        person = XBlockUser(full_name=f"Name of {user}")
        person.opt_attrs["edx-platform.anonymous_user_id"] = f"anon-{user}"
        person.opt_attrs["edx-platform.user_is_staff"] = staff
        runtime = _Runtime(kvs, person)
        ids = ScopeIds(user, "green_skills_module", "definition-1", "usage-1")
        block = runtime.construct_xblock_from_class(GreenSkillsModuleBlock, ids)
        block.module_id = module_id
        for name, value in fields.items():
            setattr(block, name, value)
        block.save()
        return block, runtime

    yield make


def call(runtime: _Runtime, block: GreenSkillsModuleBlock, name: str, body: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = runtime.handle(block, name, Request.blank("/", method="POST", body=raw))
    return response.status_code, json.loads(response.body)


def view(runtime: _Runtime, block: GreenSkillsModuleBlock, name: str = "student_view") -> str:
    return str(runtime.render(block, name).content)


def key_of(item: Item) -> Any:
    if item.kind == "true_false":
        return item.answer
    if item.kind == "single_choice":
        return next(option.id for option in item.options if option.correct)
    if item.kind == "multiple_choice":
        return [option.id for option in item.options if option.correct]
    assert item.numeric is not None
    return item.numeric.value


def right_answers(block: GreenSkillsModuleBlock, module: Module) -> dict[str, Any]:
    return {entry["item"]: key_of(module.item(entry["item"])) for entry in block.drawn}


def wrong_answers(block: GreenSkillsModuleBlock, module: Module) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for entry in block.drawn:
        item = module.item(entry["item"])
        if item.kind == "true_false":
            answers[item.id] = not item.answer
        elif item.kind == "numeric":
            answers[item.id] = key_of(item) + 1000
        elif item.kind == "single_choice":
            answers[item.id] = next(o.id for o in item.options if not o.correct)
        else:
            answers[item.id] = []
    return answers


def state(block: GreenSkillsModuleBlock) -> dict[str, Any]:
    return {
        name: json.dumps(field.read_from(block), sort_keys=True)
        for name, field in block.fields.items()
        if field.scope in (Scope.user_state, Scope.settings, Scope.content)
    }


def test_fields_live_in_their_scopes() -> None:
    fields = GreenSkillsModuleBlock.fields
    assert fields["module_id"].scope == Scope.content
    for name in ("pass_threshold", "languages", "display_name", "weight"):
        assert fields[name].scope == Scope.settings
    for name in ("drawn", "answers", "submitted", "result", "credential", "language"):
        assert fields[name].scope == Scope.user_state
    assert GreenSkillsModuleBlock.has_score


def test_a_pass_publishes_the_grade_and_issues_a_credential_that_verifies(
    make: Make, modules: dict[str, Module], trust: TrustList
) -> None:
    block, runtime = make()
    page = view(runtime, block)
    assert "Cover crops" in page and "Learning outcomes" in page and "EQF level 3" in page
    status, answer = call(
        runtime, block, "submit", {"answers": right_answers(block, modules["cover-crops"])}
    )
    assert status == 200 and answer["result"]["passed"] and answer["credential"]
    assert ("grade", {"value": 1.0, "max_value": 1.0, "only_if_higher": None}) in runtime.events
    assert ("completion", {"completion": 1.0}) in runtime.events
    cose = base64.b64decode(block.credential)
    verdict = verify(cose, trust)
    assert verdict.genuine, verdict.message
    assert verdict.credential is not None and verdict.credential.score_percent == 100
    assert verdict.node is not None and verdict.node.node_id == "online-example"
    page = view(runtime, block)
    assert "<svg" in page and "/handler/credential_cose" in page
    download = runtime.handle(block, "credential_cose", Request.blank("/"))
    assert download.body == cose and download.content_type == "application/cose"
    badge = json.loads(runtime.handle(block, "credential_ob3", Request.blank("/")).body)
    assert "AchievementCredential" in badge["type"]
    assert verify_open_badge(badge, ONLINE.public_key)


def test_a_fail_issues_nothing_and_the_learner_may_sit_again(
    make: Make, modules: dict[str, Module]
) -> None:
    block, runtime = make()
    view(runtime, block)
    status, answer = call(
        runtime, block, "submit", {"answers": wrong_answers(block, modules["cover-crops"])}
    )
    assert status == 200 and not answer["result"]["passed"] and not block.credential
    assert runtime.events[0] == ("grade", {"value": 0.0, "max_value": 1.0, "only_if_higher": None})
    assert runtime.handle(block, "credential_cose", Request.blank("/")).status_code == 400
    assert escape(labels("en")["retake"]) in view(runtime, block)
    assert call(runtime, block, "retake", {}) == (200, {"attempts": 1})
    assert not block.submitted and not block.answers and not block.result and block.drawn
    assert "gsm-item" in view(runtime, block)
    _, again = call(
        runtime, block, "submit", {"answers": right_answers(block, modules["cover-crops"])}
    )
    assert again["result"]["passed"] and again["credential"] and block.attempts == 2
    assert runtime.events[-2] == ("grade", {"value": 1.0, "max_value": 1.0, "only_if_higher": None})


def test_saved_answers_survive_a_reload_and_the_draw_is_kept(
    make: Make, modules: dict[str, Module]
) -> None:
    block, runtime = make("mulching")
    view(runtime, block)
    drawn = list(block.drawn)
    first = drawn[0]["item"]
    status, _ = call(
        runtime,
        block,
        "save_answer",
        {"item": first, "answer": key_of(modules["mulching"].item(first))},
    )
    assert status == 200
    again, runtime2 = make("mulching")
    view(runtime2, again)
    assert again.drawn == drawn and first in again.answers


def test_each_learner_gets_an_own_shuffled_draw(make: Make) -> None:
    draws = set()
    for n in range(12):
        block, runtime = make("mulching", user=f"learner-{n}")
        view(runtime, block)
        draws.add(json.dumps(block.drawn))
    assert len(draws) > 1


def _keys_flipped(module: Module) -> Module:
    items = []
    for item in module.items:
        update: dict[str, Any] = {
            "options": [o.model_copy(update={"correct": not o.correct}) for o in item.options],
            "feedback": {"en": "FEEDBACK-LEAK"},
        }
        if item.answer is not None:
            update["answer"] = not item.answer
        if item.numeric is not None:
            update["numeric"] = item.numeric.model_copy(update={"value": 987654.5})
        items.append(item.model_copy(update=update))
    return module.model_copy(update={"items": items})


@pytest.mark.parametrize("module_id", ["cover-crops", "mulching"])
def test_no_answer_key_reaches_a_learner(
    make: Make, modules: dict[str, Module], monkeypatch: pytest.MonkeyPatch, module_id: str
) -> None:
    """The learner's page does not change when every answer key changes, and no handler
    answer or page after submission carries an item's key or feedback."""
    block, runtime = make(module_id)
    page = view(runtime, block)
    module = modules[module_id]
    monkeypatch.setattr(block_core, "find_module", lambda catalogue, mid: _keys_flipped(module))
    assert view(runtime, block) == page
    monkeypatch.undo()
    responses = [page]
    item = block.drawn[0]["item"]
    responses.append(
        json.dumps(
            call(runtime, block, "save_answer", {"item": item, "answer": key_of(module.item(item))})
        )
    )
    responses.append(json.dumps(call(runtime, block, "set_language", {"language": "sw"})))
    responses.append(view(runtime, block))
    responses.append(
        json.dumps(call(runtime, block, "submit", {"answers": right_answers(block, module)}))
    )
    responses.append(view(runtime, block))
    responses.append(json.dumps(call(runtime, block, "submit", {"answers": {}})))
    for text in responses:
        assert '"correct"' not in text and "correct=" not in text
        for stored in module.items:
            if stored.feedback:
                assert all(feedback not in text for feedback in stored.feedback.values())
    after = responses[-2]
    for stored in module.items:
        assert all(prompt not in after for prompt in stored.prompt.values())


def _bad_inputs(block: GreenSkillsModuleBlock, module: Module) -> list[tuple[str, Any]]:
    item = block.drawn[0]["item"]
    laxer = module.pass_rule.overall_threshold / 2
    return [
        ("save_answer", b"{not json"),
        ("save_answer", ["a", "list"]),
        ("save_answer", {"item": "no-such-item", "answer": True}),
        ("save_answer", {"item": item}),
        ("save_answer", {"item": item, "answer": {"nested": 1}}),
        ("submit", b"\xff\xfe"),
        ("submit", {"answers": {"no-such-item": True}}),
        ("submit", {"answers": [1, 2]}),
        ("submit", {"answers": {item: "not-an-option-or-bool"}}),
        ("submit", {"answers": {}, "extra": 1}),
        ("retake", {}),
        ("retake", {"again": True}),
        ("set_language", {"language": "de"}),
        ("set_language", "sw"),
        ("studio_submit", {"module_id": "no-such-module"}),
        ("studio_submit", {"module_id": module.id, "pass_threshold": laxer}),
        ("studio_submit", {"module_id": module.id, "pass_threshold": 1.5}),
        ("studio_submit", {"module_id": module.id, "pass_threshold": True}),
        ("studio_submit", {"module_id": module.id, "languages": ["de"]}),
        ("studio_submit", {"module_id": module.id, "languages": []}),
        ("studio_submit", {"module_id": module.id, "display_name": "   "}),
        ("studio_submit", {"unknown": 1}),
    ]  # fmt: skip


@pytest.mark.parametrize("module_id", ["cover-crops", "mulching"])
def test_bad_input_to_every_handler_is_refused_and_changes_nothing(
    make: Make, modules: dict[str, Module], module_id: str
) -> None:
    block, runtime = make(module_id)
    view(runtime, block)
    module = modules[module_id]
    handled = set()
    for name, body in _bad_inputs(block, module):
        before = state(block)
        status, answer = call(runtime, block, name, body)
        assert status == 400, (name, body, answer)
        assert answer["error"], (name, body)
        assert state(block) == before, (name, body)
        handled.add(name)
    for name in ("staff_results", "score_checklist"):
        before = state(block)
        status, answer = call(runtime, block, name, {"centre": None})
        assert status == 403 and state(block) == before
        handled.add(name)
    assert handled == set(JSON_HANDLERS)
    status, _ = call(runtime, block, "submit", {"answers": right_answers(block, module)})
    assert status == 200
    first = block.drawn[0]["item"]
    for name, body in [
        ("submit", {"answers": right_answers(block, module)}),
        ("submit", {"answers": {}}),
        ("retake", {}),
        ("save_answer", {"item": first, "answer": key_of(module.item(first))}),
    ]:  # fmt: skip
        before, events = state(block), len(runtime.events)
        status, answer = call(runtime, block, name, body)
        assert status == 400 and ("already submitted" in answer["error"] or name == "retake")
        assert state(block) == before and len(runtime.events) == events


def test_a_get_to_a_json_handler_is_refused(make: Make) -> None:
    block, runtime = make()
    view(runtime, block)
    response = runtime.handle(block, "submit", Request.blank("/"))
    assert response.status_code == 405 and not block.submitted


def test_studio_saves_checked_options_and_the_stricter_threshold_grades(
    make: Make, modules: dict[str, Module]
) -> None:
    block, runtime = make()
    assert "cover-crops" in view(runtime, block, "studio_view")
    status, answer = call(
        runtime,
        block,
        "studio_submit",
        {"module_id": "cover-crops", "pass_threshold": 1.0, "languages": ["sw", "en"],
         "display_name": "Cover"},
    )  # fmt: skip
    assert status == 200 and answer["languages"] == ["en", "sw"]
    assert block.pass_threshold == 1.0 and block.display_name == "Cover"
    module = modules["cover-crops"]
    view(runtime, block)
    answers = right_answers(block, module)
    first = next(iter(answers))
    answers[first] = not answers[first]
    status, answer = call(runtime, block, "submit", {"answers": answers})
    assert answer["result"]["score_percent"] == 50 and not answer["result"]["passed"]


def test_the_practical_waits_for_a_centre_or_staff_then_the_credential_issues(
    make: Make, modules: dict[str, Module], trust: TrustList
) -> None:
    module = modules["mulching"]
    block, runtime = make("mulching")
    page = view(runtime, block)
    assert labels("en")["practical_at_centre"] in page
    status, answer = call(runtime, block, "submit", {"answers": right_answers(block, module)})
    assert answer["result"]["practical_pending"] and not answer["credential"]
    staff, staff_runtime = make("mulching", user="teacher", staff=True)
    status, listing = call(staff_runtime, staff, "staff_results", {"centre": None})
    assert status == 200 and [row["route"] for row in listing["rows"]] == ["online"]
    assert "no hub is configured" in listing["hub_problem"]
    waiting = listing["awaiting_practical"]
    assert [person["learner"] for person in waiting] == ["Name of learner-1"]
    top = {c.id: max(level.score for level in c.levels) for c in module.checklist}
    bad = dict(top, **{module.checklist[0].id: 99})
    assert (
        call(
            staff_runtime,
            staff,
            "score_checklist",
            {"subject": waiting[0]["subject"], "scores": bad},
        )[0]
        == 400
    )
    assert (
        call(staff_runtime, staff, "score_checklist", {"subject": "nobody", "scores": top})[0]
        == 400
    )
    status, _ = call(
        staff_runtime, staff, "score_checklist", {"subject": waiting[0]["subject"], "scores": top}
    )
    assert status == 200
    page = view(runtime, block)
    assert block.result["passed"] and "<svg" in page
    assert verify(base64.b64decode(block.credential), trust).genuine
    csv = staff_runtime.handle(staff, "staff_results_csv", Request.blank("/?centre=online"))
    lines = csv.body.decode().splitlines()
    assert lines[0].startswith("route,centre,learner") and lines[1].startswith(
        "online,online,Name of"
    )


def test_the_learner_reads_the_module_and_interface_in_the_chosen_language(make: Make) -> None:
    block, runtime = make()
    view(runtime, block)
    call(runtime, block, "set_language", {"language": "sw"})
    page = view(runtime, block)
    assert labels("sw")["submit"] in page and labels("sw")["submit"] != labels("en")["submit"]
    assert 'lang="sw"' in page
    call(runtime, block, "set_language", {"language": "fr"})
    assert "Envoyer mes réponses" in view(runtime, block)


def test_the_workload_reads_as_people_write_it(make: Make, modules: dict[str, Module]) -> None:
    block, runtime = make()
    module = modules[block.module_id]
    page, unit = view(runtime, block), labels("en")["hours"]
    assert module.workload_hours.is_integer()
    assert f"{module.workload_hours:g} {unit}" in page
    assert f"{module.workload_hours:.1f} {unit}" not in page


def test_every_interface_string_is_translated() -> None:
    english = labels("en")
    for lang in ("sw", "fr"):
        catalogue = (LOCALE_DIR / lang / "LC_MESSAGES" / "text.po").read_text(encoding="utf-8")
        assert (LOCALE_DIR / lang / "LC_MESSAGES" / "text.mo").exists()
        translated = labels(lang)
        assert translated.keys() == english.keys()
        assert all(translated[key] for key in english)
        assert catalogue.count('msgstr ""\n') == 1  # only the header is empty
        assert sum(translated[key] != english[key] for key in english) > len(english) * 0.8


def test_olx_round_trips_the_block_settings(make: Make) -> None:
    block, runtime = make(
        pass_threshold=0.9, languages=["en", "sw"], display_name="Mulch", weight=2.0
    )
    node = etree.Element("placeholder")
    block.add_xml_to_node(node)
    xml = etree.tostring(node).decode()
    assert xml.startswith("<green_skills_module") and 'pass_threshold="0.9"' in xml
    parsed = GreenSkillsModuleBlock.parse_xml(etree.fromstring(xml), runtime, block.scope_ids)
    for name in ("module_id", "pass_threshold", "languages", "display_name", "weight"):
        assert getattr(parsed, name) == getattr(block, name)
    fresh = ScopeIds("learner-1", "green_skills_module", "definition-2", "usage-2")
    plain = GreenSkillsModuleBlock.parse_xml(
        etree.fromstring('<green_skills_module module="mulching"/>'), runtime, fresh
    )
    again = etree.Element("placeholder")
    plain.add_xml_to_node(again)
    assert etree.tostring(again) == b'<green_skills_module module="mulching"/>'
    with pytest.raises(ValueError, match="pass_threshold"):
        GreenSkillsModuleBlock.parse_xml(
            etree.fromstring('<green_skills_module module="m" pass_threshold="high"/>'),
            runtime,
            block.scope_ids,
        )


@pytest.mark.parametrize(
    ("attributes", "named"),
    [
        ('weight="heavy"', "weight"),
        ('weight="nan"', "weight"),
        ('weight="-1"', "weight"),
        ('weight="inf"', "weight"),
        ('pass_threshold="nan"', "pass_threshold"),
    ],
)
def test_olx_import_refuses_a_weight_or_threshold_no_course_could_grade_with(
    make: Make, attributes: str, named: str
) -> None:
    _, runtime = make()
    fresh = ScopeIds("learner-1", "green_skills_module", "definition-3", "usage-3")
    node = etree.fromstring(f'<green_skills_module module="mulching" {attributes}/>')
    with pytest.raises(ValueError, match=named):
        GreenSkillsModuleBlock.parse_xml(node, runtime, fresh)


def test_the_workbench_shows_every_installed_module(site: Path, modules: dict[str, Module]) -> None:
    scenarios = GreenSkillsModuleBlock.workbench_scenarios()
    assert len(scenarios) == len(modules)
    for module_id in modules:
        assert any(f'module="{module_id}"' in xml for _, xml in scenarios)


def test_a_block_without_module_or_issuer_explains_itself(
    make: Make, modules: dict[str, Module], monkeypatch: pytest.MonkeyPatch, site: Path
) -> None:
    block, runtime = make(module_id="")
    assert "no module is chosen" in view(runtime, block)
    monkeypatch.delenv("FIELDCRED_ISSUER_KEY")
    block, runtime = make(user="learner-2")
    view(runtime, block)
    _, answer = call(
        runtime, block, "submit", {"answers": right_answers(block, modules["cover-crops"])}
    )
    assert answer["result"]["passed"] and not answer["credential"]
    assert escape(labels("en")["credential_pending"]) in view(runtime, block)
    monkeypatch.setenv("FIELDCRED_ISSUER_KEY", str(site / "online.jwk"))
    assert "<svg" in view(runtime, block)


def test_staff_export_is_csv_safe() -> None:
    from lms_plugin.hub_results import ResultRow, results_csv

    row = ResultRow("offline", "=cmd()", "@evil", "1.0.0", 80, True, 0, "ab", "active")
    text = results_csv([row])
    assert "'=cmd()" in text and "'@evil" in text
    assert io.StringIO(text).readline().strip() == (
        "route,centre,learner,module_version,score_percent,passed,submitted,credential_id,"
        "credential_status,node"
    )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(JSON_HANDLERS),
    body=_JSON
    | st.builds(lambda v: {"item": "q1", "answer": v}, _JSON)
    | st.builds(lambda v: {"answers": {"q1": v, "q2": v}}, _JSON)
    | st.binary(max_size=40),
)
def test_any_request_body_gets_a_clear_answer_never_a_server_error(
    make: Make, name: str, body: Any
) -> None:
    block, runtime = make("mulching", user="fuzz")
    view(runtime, block)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = runtime.handle(block, name, Request.blank("/", method="POST", body=raw))
    assert response.status_code in (200, 400, 403)
    if response.status_code != 200:
        assert json.loads(response.body)["error"]


def test_item_images_are_served_from_the_module_only(make: Make) -> None:
    block, runtime = make("mulching")
    view(runtime, block)
    image = runtime.handle(block, "media", Request.blank("/"), "images/depth.svg")
    assert image.status_code == 200 and image.content_type == "image/svg+xml"
    assert image.body.startswith(b"<svg") or b"<svg" in image.body[:200]
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    for suffix in ("../mulching.yaml", "images/none.svg", "/etc/passwd", ""):
        assert runtime.handle(block, "media", Request.blank("/"), suffix).status_code == 404


@pytest.fixture
def real_hub(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The hub's web app over HTTP, with two offline mulching results; yields (URL, token)."""
    yield from _served_hub(tmp_path, revoke_one=False)


@pytest.fixture
def hub_with_a_revocation(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The same, the first of the two credentials revoked by the university's staff."""
    yield from _served_hub(tmp_path, revoke_one=True)


def _served_hub(tmp_path: Path, *, revoke_one: bool) -> Iterator[tuple[str, str]]:
    uvicorn = pytest.importorskip("uvicorn")
    from hub.ingest import answer
    from hub.settings import HubSettings
    from hub.simulate import enrol, simulated_hub
    from hub.staff import add_token
    from hub.store import SqliteStore
    from hub.web.app import create_web_app
    from sync.client import batch_message
    from sync.eventlog import read_events
    from sync.simulate import ScriptedNode

    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store)
    node = ScriptedNode.create("ke-01")
    enrol(hub, node, modules=("mulching",))
    issued = [node.sit_and_issue(node.register(), module="mulching") for _ in range(2)]
    answer(hub, batch_message(node.db, node.key, "ke-01", read_events(node.db, after=0), b"n" * 8))
    if revoke_one:
        from datetime import UTC, datetime

        from credentials.claims import decode_claims
        from credentials.cose import decode_sign1
        from hub.nodes import revoke_credential

        first = decode_claims(decode_sign1(issued[0]).payload).credential_id.hex()
        revoke_credential(
            hub.store,
            hub.root_key,
            "ke-01",
            first,
            "fraud",
            staff="registrar",
            now=datetime.now(UTC),
        )
    token = add_token(hub.store, "open edx", "university")
    app = create_web_app(hub, HubSettings(name="hub", session_secret="s" * 32))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_staff_see_offline_and_online_learners_side_by_side(
    make: Make,
    modules: dict[str, Module],
    real_hub: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, token = real_hub
    monkeypatch.setenv("FIELDCRED_HUB_URL", url)
    monkeypatch.setenv("FIELDCRED_HUB_TOKEN", token)
    block, runtime = make("mulching")
    view(runtime, block)
    call(runtime, block, "submit", {"answers": right_answers(block, modules["mulching"])})
    staff, staff_runtime = make("mulching", user="teacher", staff=True)
    status, listing = call(staff_runtime, staff, "staff_results", {"centre": None})
    assert status == 200 and not listing["hub_problem"]
    routes = sorted(row["route"] for row in listing["rows"])
    assert routes == ["offline", "offline", "online"]
    assert listing["centres"] == ["Scripted centre", "online"]
    offline = [row for row in listing["rows"] if row["route"] == "offline"]
    assert all(row["credential_status"] == "active" for row in offline)
    _, only = call(staff_runtime, staff, "staff_results", {"centre": "Scripted centre"})
    assert [row["route"] for row in only["rows"]] == ["offline", "offline"]
    csv = staff_runtime.handle(staff, "staff_results_csv", Request.blank("/"))
    assert csv.body.decode().count("\noffline,Scripted centre,") == 2
    monkeypatch.setenv("FIELDCRED_HUB_TOKEN", "wrong")
    _, refused = call(staff_runtime, staff, "staff_results", {"centre": None})
    assert "401" in refused["hub_problem"] and [r["route"] for r in refused["rows"]] == ["online"]


def test_staff_see_a_revoked_credential_as_revoked(
    make: Make,
    hub_with_a_revocation: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, token = hub_with_a_revocation
    monkeypatch.setenv("FIELDCRED_HUB_URL", url)
    monkeypatch.setenv("FIELDCRED_HUB_TOKEN", token)
    staff, staff_runtime = make("mulching", user="teacher", staff=True)
    status, listing = call(staff_runtime, staff, "staff_results", {"centre": None})
    assert status == 200 and not listing["hub_problem"]
    states = sorted(row["credential_state"] for row in listing["rows"])
    assert states == ["✓ Valid", "✗ Revoked"]
    assert sorted(row["credential_status"] for row in listing["rows"]) == ["active", "revoked"]
    page = view(staff_runtime, staff)
    assert "<th>Credential</th>" in page
    call(staff_runtime, staff, "set_language", {"language": "sw"})
    _, swahili = call(staff_runtime, staff, "staff_results", {"centre": None})
    assert "✗ Kimefutwa" in [row["credential_state"] for row in swahili["rows"]]
