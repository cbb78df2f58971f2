"""How a farmer answers: right or wrong, in the browser (one item per page) or by the API.

The browser never learns which item it shows beyond what a learner sees: the item is
found by its prompt in the learner's language, and the key comes from the module
definition the test holds.
"""

from __future__ import annotations

from typing import Any

import httpx

from content.model import Item, Module, localize


def _plain(text: str) -> str:
    return " ".join(text.split())


def right_values(item: Item) -> list[str]:
    """Form values that answer ``item`` correctly."""
    if item.kind in ("single_choice", "multiple_choice"):
        return [option.id for option in item.options if option.correct]
    if item.kind == "true_false":
        return ["true" if item.answer else "false"]
    assert item.numeric is not None
    return [repr(item.numeric.value)]


def wrong_values(item: Item) -> list[str]:
    """Form values that answer ``item`` wrongly."""
    if item.kind in ("single_choice", "multiple_choice"):
        return [next(option.id for option in item.options if not option.correct)]
    if item.kind == "true_false":
        return ["false" if item.answer else "true"]
    assert item.numeric is not None
    return [repr(item.numeric.value + 10 * item.numeric.tolerance + 1000)]


def api_value(item: Item, values: list[str]) -> Any:
    if item.kind == "multiple_choice":
        return values
    if item.kind == "true_false":
        return values[0] == "true"
    if item.kind == "numeric":
        return float(values[0])
    return values[0]


def by_prompt(module: Module, lang: str) -> dict[str, Item]:
    table = {_plain(localize(item.prompt, lang)): item for item in module.items}
    assert len(table) == len(module.items), f"{module.id}: two items share a prompt in {lang}"
    return table


def answer_in_browser(page: Any, module: Module, lang: str, *, right: bool) -> int:
    """Answer every item of the sitting open in ``page``, then submit; the item count."""
    items = by_prompt(module, lang)
    answered = 0
    while "/review" not in page.url:
        assert answered <= module.pass_rule.items_drawn, page.url
        item = items[_plain(page.locator("legend h1").inner_text())]
        values = right_values(item) if right else wrong_values(item)
        if item.kind == "numeric":
            page.fill("input[name=answer]", values[0])
        else:
            for value in values:
                page.check(f'input[name=answer][value="{value}"]')
        with page.expect_navigation():
            page.locator("main button.wide").click()
        answered += 1
    with page.expect_navigation():
        page.locator("main button.wide").click()
    assert "/result" in page.url, page.url
    return answered


def sit_by_api(
    client: httpx.Client, worker_token: str, session_code: str, learner_code: str, module: Module
) -> dict[str, Any]:
    """A learner joins, answers right, submits; the worker scores full marks; the result."""
    joined = client.post(
        "/api/v1/join", json={"session_code": session_code, "learner_code": learner_code}
    )
    assert joined.status_code == 200, joined.text
    learner = {"Authorization": f"Bearer {joined.json()['token']}"}
    sitting = joined.json()["sitting_id"]
    total = client.get(f"/api/v1/sittings/{sitting}", headers=learner).json()["total"]
    for position in range(total):
        shown = client.get(f"/api/v1/sittings/{sitting}/items/{position}", headers=learner)
        assert shown.status_code == 200, shown.text
        item = module.item(shown.json()["item"]["id"])
        saved = client.put(
            f"/api/v1/sittings/{sitting}/items/{position}",
            json={"answer": api_value(item, right_values(item))},
            headers=learner,
        )
        assert saved.status_code == 200, saved.text
    assert client.post(f"/api/v1/sittings/{sitting}/submit", headers=learner).status_code == 200
    scores = {c.id: max(level.score for level in c.levels) for c in module.checklist}
    scored = client.post(
        f"/api/v1/sittings/{sitting}/checklist",
        json={"scores": scores},
        headers={"Authorization": f"Bearer {worker_token}"},
    )
    assert scored.status_code == 200, scored.text
    result: dict[str, Any] = scored.json()["result"]
    return result
