"""A season at a learning centre, end to end, as its people live it.

Real processes (the ``fieldcred`` console script), real sockets, Debian's Chromium;
nothing of ours is mocked. The steps follow issue 7 and share one module-scoped
journey, in order:

1. the university: hub init; in the workbench an author sets the block's pass threshold
   and an online learner takes the module; the course's OLX goes into a signed content
   pack (threshold included), published on the hub;
2. the centre: edge init, enrolment, certificate, pack imported while the hub is
   unreachable from the edge processes (the server keeps trying; nothing arrives);
3. a session: a worker registers three farmers (Kiswahili, French, English) and opens a
   session; the farmers join at 360 px; two pass, one does not; the worker scores the
   checklists; the certificates print to PDF; their QR codes decode and verify offline;
4. the link returns through the link emulator, with cuts, while a second batch goes by
   USB stick; the hub holds every result exactly once;
5. the staff view lists the offline results beside an online learner; a credential is
   revoked on the hub; after the next sync the centre's ``/verify`` and
   ``fieldcred verify`` with the new trust list both say "revoked";
6. a farmer who has passed two modules completes the third: the pathway credential;
7. the same when the two modules were passed at another centre: the worker adds the
   two credentials from the other centre to the farmer's page, she passes the third
   module here, and the pathway credential is issued here; the hub links her two records.

A step that breaks skips the steps after it, which build on it. The pages the guides
show are screenshots this test takes: into its own temporary folder on every run, and
into the folder named by ``FIELDCRED_SCREENSHOTS`` when that is set (``make screenshots``
sets it to ``docs/screenshots``), so a test run leaves the working tree as it found it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from content.loading import load_catalogue
from content.model import Module
from credentials.qr import PREFIX, decode_qr_image, qr_png
from tests.helpers.links import LinkEmulator
from tests.journey.answering import answer_in_browser, right_values, sit_by_api
from tests.journey.course_export import export_scenario_olx
from tests.journey.processes import Cli, Server, clean_env, fieldcred_server, free_port

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 640}
LAPTOP = {"width": 1024, "height": 768}

UNIVERSITY = "Example University of Agriculture"
CENTRE = "Kisumu Community Learning Centre"
MODULE = "soil-health"
PATHWAY = "green-farming-practitioner"
OTHER_MODULES = ("climate-smart-agriculture", "sustainable-irrigation")
THRESHOLD = 0.75
ADMIN = ("admin", "admin-password-1")
WORKER = ("wanjiru", "worker-password-1")
STAFF = ("registrar", "staff-password-1")


@dataclass(frozen=True)
class Farmer:
    name: str
    language: str
    gender: str
    village: str
    passes: bool


FARMERS = (
    Farmer("Amina Wanjiku", "sw", "female", "Nyahera", passes=True),
    Farmer("Jean-Baptiste Mugisha", "fr", "male", "Kanyakwar", passes=True),
    Farmer("Peter Otieno", "en", "male", "Kisian", passes=False),
)
PATHWAY_FARMER = Farmer("Grace Akinyi", "en", "female", "Dunga", passes=True)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@dataclass
class Journey:
    """What the steps share: folders, processes, the browser, and what each step learnt."""

    dir: Path
    cli: Cli
    browser: Any
    hub_port: int = field(default_factory=free_port)
    edge_port: int = field(default_factory=free_port)
    servers: dict[str, Server] = field(default_factory=dict)
    stoppers: list[Any] = field(default_factory=list)
    modules: dict[str, Module] = field(default_factory=dict)
    broken: str | None = None
    learner_codes: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    """Farmer name → credential id."""
    qr_texts: dict[str, str] = field(default_factory=dict)
    """Farmer name → the QR text read from the printed certificate."""
    node_id: str = ""
    hub_token: str = ""
    workbench_url: str | None = None
    link: LinkEmulator | None = None
    route: str = ""
    """The hub's address as the centre sees it (a closed port, then the link emulator)."""

    @property
    def screenshots(self) -> Path:
        """Where the guides' pictures go: ``FIELDCRED_SCREENSHOTS``, else this run's folder."""
        chosen = os.environ.get("FIELDCRED_SCREENSHOTS")
        return Path(chosen) if chosen else self.dir / "screenshots"

    @property
    def hub(self) -> Path:
        return self.dir / "hub"

    @property
    def edge(self) -> Path:
        return self.dir / "edge"

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    @property
    def edge_url(self) -> str:
        return f"http://127.0.0.1:{self.edge_port}"

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one step; skipped if an earlier one broke, since it builds on it."""
        if self.broken is not None:
            pytest.skip(f"the journey broke at the step {self.broken!r}")
        try:
            yield
        except Exception:
            self.broken = name
            raise

    def shot(self, page: Any, name: str, *, full_page: bool = False) -> None:
        """A screenshot for the guides: a page (``page``) or one element (a locator)."""
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = str(self.screenshots / f"{name}.png")
        if hasattr(page, "goto"):
            page.screenshot(path=path, full_page=full_page)
        else:
            page.screenshot(path=path)

    def start_edge(self, hub_url: str, *, sync_interval_s: int = 300) -> Server:
        """(Re)start the centre's server, reaching the hub only at ``hub_url`` and trying
        to sync in the background every ``sync_interval_s``."""
        old = self.servers.pop("edge", None)
        if old is not None:
            old.stop()
        self.route = hub_url
        server = fieldcred_server(
            "edge",
            ["edge", "serve", "--data", self.edge, "--port", str(self.edge_port)],
            port=self.edge_port,
            cwd=self.dir,
            env={**self.edge_env(hub_url), "FIELDCRED_EDGE_SYNC_INTERVAL_S": str(sync_interval_s)},
        )
        self.servers["edge"] = server.start()
        return server

    def edge_env(self, hub_url: str) -> dict[str, str]:
        return {**self.cli.env, "FIELDCRED_EDGE_HUB_URL": hub_url}

    def edge_run(self, *args: str | Path, ok: bool | None = True) -> Any:
        """``fieldcred edge ...`` on the centre's machine, which reaches the hub at ``route``."""
        return self.cli.run(
            "edge", *args, "--data", self.edge, env=self.edge_env(self.route), ok=ok
        )

    def context(self, viewport: dict[str, int], **options: Any) -> Any:
        context = self.browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(15_000)
        self.stoppers.append(context.close)
        return context

    def hub_trust_list(self, name: str) -> Path:
        """The hub's public trust list, downloaded as a verifier would while online."""
        target = self.dir / name
        with urllib.request.urlopen(f"{self.hub_url}/trust-list", timeout=10) as response:
            target.write_bytes(response.read())
        return target

    def verify(self, trust: Path, text: str) -> dict[str, Any]:
        """``fieldcred verify --json`` offline: the verdict."""
        pinned = self.hub / "root.jwk"
        result = self.cli.run("verify", "--trust", trust, "--root", pinned, "--json", text, ok=None)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        verdict: dict[str, Any] = json.loads(result.stdout)
        assert verdict["genuine"] is (result.returncode == 0), verdict
        return verdict


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    base = tmp_path_factory.mktemp("journey")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        state = Journey(dir=base, cli=Cli(base, clean_env()), browser=browser)
        state.modules = dict(load_catalogue().modules)
        try:
            yield state
        finally:
            for stop in reversed(state.stoppers):
                stop()
            for server in state.servers.values():
                server.stop()
            if state.link is not None:
                state.link.stop()
            browser.close()


# -- helpers of the pages ---------------------------------------------------------------


def edge_login(page: Any, base: str, user: tuple[str, str]) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    with page.expect_navigation():
        page.locator("main button").click()
    assert page.url.endswith("/dashboard"), page.url


def edge_logout(page: Any) -> None:
    with page.expect_navigation():
        page.locator("footer form button").click()


def code_on(page: Any) -> str:
    return page.locator(".code").first.inner_text().strip()


def db_rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a node's or the hub's SQLite database, opened read-only."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


# -- 1. the university ------------------------------------------------------------------


def test_1_the_university_sets_up_and_publishes_a_pack(journey: Journey) -> None:
    with journey.step("university"):
        cli = journey.cli
        out = cli.run("hub", "init", "--data", journey.hub, "--name", UNIVERSITY).stdout
        assert "ready" in out
        cli.run("hub", "add-staff", STAFF[0], "--data", journey.hub, "--password", STAFF[1])
        journey.hub_token = cli.run("hub", "add-token", "open edx", "--data", journey.hub)
        journey.hub_token = journey.hub_token.stdout.strip().splitlines()[-1]
        hub = fieldcred_server(
            "hub",
            ["hub", "serve", "--data", journey.hub, "--port", str(journey.hub_port)],
            port=journey.hub_port,
            cwd=journey.dir,
            env=cli.env,
        )
        journey.servers["hub"] = hub.start()

        _online_issuer(journey)
        _workbench_threshold(journey)
        _export_pack(journey)


def _online_issuer(journey: Journey) -> None:
    """The course's online issuer: a key enrolled at the hub like a centre's."""
    cli, keys = journey.cli, journey.dir / "online"
    cli.run("keys", "new", "--out", keys, "--name", "online")
    cli.run(
        "keys", "request", "--key", keys / "online.key", "--node-id", "online-course",
        "--node-name", f"{UNIVERSITY} online", "--out", keys / "online.request",
    )  # fmt: skip
    cli.run(
        "hub", "enrol-node", keys / "online.request", "--data", journey.hub,
        "--modules", "*", "--out", keys / "online.cert",
    )  # fmt: skip


def _workbench_threshold(journey: Journey) -> None:
    """In the workbench, the author sets the pass threshold; an online learner takes it."""
    from lms_plugin.workbench import start_workbench, wait_until_ready

    port = free_port()
    workdir = journey.dir / "workbench"
    keys = journey.dir / "online"
    process = start_workbench(
        port,
        workdir,
        keys / "online.key",
        issuer_certificate_path=keys / "online.cert",
        staff_view_for_all=True,
        hub_url=journey.hub_url,
        hub_token=journey.hub_token,
    )

    def stop() -> None:
        process.terminate()
        process.wait(timeout=10)

    journey.stoppers.insert(0, stop)
    journey.workbench_url = wait_until_ready(process, port, timeout_seconds=60)
    module = journey.modules[MODULE]
    page = journey.context(LAPTOP).new_page()
    page.goto(journey.workbench_url)
    title = module.title["en"]
    scenario = page.get_by_role("link", name=f"Green skills: {title}").get_attribute("href")
    assert scenario
    page.goto(f"{journey.workbench_url.rstrip('/')}{scenario}studio_view/")
    page.fill("input[name=pass_threshold]", str(THRESHOLD))
    with page.expect_response(lambda r: "studio_submit" in r.url) as saved:
        page.locator(".gsm-save").click()
    assert saved.value.status == 200, saved.value.text()
    assert saved.value.json()["pass_threshold"] == THRESHOLD
    journey.shot(page, "university-studio-threshold", full_page=True)

    # An online learner takes the same module in the course.
    page.goto(f"{journey.workbench_url.rstrip('/')}{scenario}")
    page.wait_for_selector(".gsm-item")
    assert f"({round(THRESHOLD * 100)}%)" in page.locator(".gsm-overview").inner_text()
    fieldsets = page.locator(".gsm-item")
    for index in range(fieldsets.count()):
        fieldset = fieldsets.nth(index)
        item = module.item(fieldset.get_attribute("data-item") or "")
        for value in right_values(item):
            if item.kind == "numeric":
                fieldset.locator("input").fill(value)
                fieldset.locator("input").dispatch_event("change")
            else:
                fieldset.locator(f'input[value="{value}"]').check()
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator(".gsm-submit").click()
    assert "100%" in page.locator(".gsm-score").inner_text()


def _export_pack(journey: Journey) -> None:
    """The university signs a pack of the three modules, carrying its trust list forward
    and the course's stricter threshold, taken from the course's exported OLX."""
    from content.packs import read_pack
    from credentials.keys import load_private_key

    cli = journey.cli
    pack = journey.dir / "season.fcpack"
    args: list[str | Path] = ["lms", "export-pack", "--key", journey.hub / "root.key"]
    for module in (MODULE, *OTHER_MODULES):
        args += ["--module", module]
    args += ["--trust-list", journey.hub_trust_list("hub-trust-0.cbor"), "--out", pack]
    title = f"Green skills: {journey.modules[MODULE].title['en']}"
    olx = journey.dir / "course" / f"{MODULE}.xml"
    export_scenario_olx(journey.dir / "workbench", title, olx)
    assert f'pass_threshold="{THRESHOLD}"' in olx.read_text(), olx.read_text()
    args += ["--olx", olx.parent]
    assert PATHWAY in cli.run(*args).stdout
    root = load_private_key(journey.hub / "root.key").public_key
    packed = read_pack(pack.read_bytes(), pinned_roots=[root]).modules
    threshold = next(m for m in packed if m.id == MODULE).pass_rule.overall_threshold
    assert threshold == THRESHOLD, "the centre would grade by another rule than the course"
    cli.run("hub", "publish-pack", pack, "--data", journey.hub)


# -- 2. the centre ----------------------------------------------------------------------


def test_2_the_centre_installs_offline(journey: Journey) -> None:
    with journey.step("centre"):
        cli = journey.cli
        cli.run(
            "edge", "init", "--data", journey.edge, "--name", CENTRE,
            "--admin-user", ADMIN[0], "--admin-password", ADMIN[1],
        )  # fmt: skip
        settings = json.loads((journey.edge / "settings.json").read_text())
        journey.node_id = settings["node_id"]
        request = journey.edge / "node-certificate-request.cbor"
        cli.run(
            "hub", "enrol-node", request, "--data", journey.hub,
            "--modules", "*", "--days", "365", "--out", journey.dir / "centre.cert",
        )  # fmt: skip

        # From here on the centre reaches the hub only at a closed port: it is offline.
        journey.route = f"http://127.0.0.1:{free_port()}"
        root = journey.hub / "root.jwk"
        journey.edge_run("install-cert", journey.dir / "centre.cert", "--root", root)
        installed = journey.edge_run("import-pack", journey.dir / "season.fcpack").stdout
        assert "3 module(s), 1 pathway(s)" in installed, installed
        tried = journey.edge_run("sync", ok=False)
        assert "could not be reached" in tried.stderr, tried.stdout + tried.stderr
        journey.start_edge(journey.route, sync_interval_s=10)


# -- 3. a session -----------------------------------------------------------------------


def test_3_a_session_from_registration_to_printed_certificates(journey: Journey) -> None:
    with journey.step("session"):
        base = journey.edge_url
        module = journey.modules[MODULE]
        staff = journey.context(LAPTOP, locale="en-US").new_page()

        # The centre admin adds the extension worker's account.
        edge_login(staff, base, ADMIN)
        staff.goto(f"{base}/admin")
        staff.fill("#username", WORKER[0])
        staff.fill("#password", WORKER[1])
        staff.select_option("#role", "worker")
        with staff.expect_navigation():
            staff.get_by_role("button", name="Add the account").click()
        assert WORKER[0] in staff.locator("main").inner_text()
        journey.shot(staff, "centre-admin", full_page=True)
        edge_logout(staff)

        # The worker registers three farmers and opens a session.
        edge_login(staff, base, WORKER)
        for farmer in FARMERS:
            _register(journey, staff, farmer, screenshots=farmer is FARMERS[0])
        staff.goto(f"{base}/sessions/new")
        staff.check(f"input[name=module][value={MODULE}]")
        with staff.expect_navigation():
            staff.locator("main button.wide").click()
        session_url, session_code = staff.url, code_on(staff)
        journey.shot(staff, "worker-session-open")

        # The farmers join from their phones; the pages speak their language.
        phones: dict[str, Any] = {}
        for farmer in FARMERS:
            phone = journey.context(PHONE, locale="en-US").new_page()
            phone.goto(f"{base}/join")
            phone.fill("#session", session_code)
            phone.fill("#learner", journey.learner_codes[farmer.name])
            if farmer is FARMERS[0]:
                journey.shot(phone, "farmer-join")
            with phone.expect_navigation():
                phone.locator("main button.wide").click()
            assert "/sit/" in phone.url, phone.url
            assert phone.locator("html").get_attribute("lang") == farmer.language
            phones[farmer.name] = phone
        journey.shot(phones[FARMERS[0].name], "farmer-question-sw")
        journey.shot(phones[FARMERS[1].name], "farmer-question-fr")
        for farmer in FARMERS:
            phone = phones[farmer.name]
            answered = answer_in_browser(phone, module, farmer.language, right=farmer.passes)
            assert answered == module.pass_rule.items_drawn
        journey.shot(phones[FARMERS[2].name], "farmer-answers-saved")

        # The worker watches each practical and scores the checklist.
        staff.goto(session_url)
        journey.shot(staff, "worker-session-submitted", full_page=True)
        for farmer in FARMERS:
            staff.goto(session_url)
            row = staff.locator("tr", has_text=farmer.name)
            with staff.expect_navigation():
                row.locator("a[href$='/score']").click()
            for criterion in module.checklist:
                scores = [level.score for level in criterion.levels]
                chosen = max(scores) if farmer.passes else min(scores)
                staff.check(f'input[name="c-{criterion.id}"][value="{chosen}"]')
            if farmer is FARMERS[0]:
                journey.shot(staff, "worker-score-checklist", full_page=True)
            with staff.expect_navigation():
                staff.locator("main button.wide").click()
        journey.shot(staff, "worker-session-results", full_page=True)

        # Each farmer sees the result; those who passed, their credential.
        for farmer in FARMERS:
            phone = phones[farmer.name]
            phone.reload()
            link = phone.locator("main a[href^='/credentials/']")
            if farmer.passes:
                href = link.get_attribute("href") or ""
                journey.credentials[farmer.name] = href.rsplit("/", 1)[1]
            else:
                assert link.count() == 0
        journey.shot(phones[FARMERS[1].name], "farmer-passed-fr")
        journey.shot(phones[FARMERS[2].name], "farmer-not-yet")
        amina = phones[FARMERS[0].name]
        amina.goto(f"{base}/credentials/{journey.credentials[FARMERS[0].name]}")
        journey.shot(amina, "farmer-credential-sw", full_page=True)

        # The certificates print; their QR codes decode and verify offline.
        for farmer in FARMERS:
            if farmer.passes:
                _print_certificate(journey, staff, farmer)
        trust = journey.hub_trust_list("hub-trust-1.cbor")
        for name, text in journey.qr_texts.items():
            verdict = journey.verify(trust, text)
            assert verdict["genuine"], (name, verdict)
        _assert_the_centre_stayed_offline(journey, staff)


def _assert_the_centre_stayed_offline(journey: Journey, staff: Any) -> None:
    """All this while the centre's server tried to sync, reached nothing, and says so."""
    edge = journey.servers["edge"]
    deadline = time.monotonic() + 30
    while "could not be reached" not in edge.log():
        assert time.monotonic() < deadline, edge.log()
        time.sleep(0.5)
    assert "ok=True" not in edge.log()
    held = db_rows(
        journey.hub / "hub.db", "SELECT count(*) FROM events WHERE node_id = ?", (journey.node_id,)
    )
    assert held == [(0,)]
    staff.goto(f"{journey.edge_url}/dashboard")
    assert "could not be reached" in staff.locator("main").inner_text()
    journey.shot(staff, "centre-dashboard", full_page=True)


def _register(journey: Journey, staff: Any, farmer: Farmer, *, screenshots: bool) -> None:
    staff.goto(f"{journey.edge_url}/learners/new")
    staff.fill("#name", farmer.name)
    staff.fill("#village", farmer.village)
    staff.select_option("#gender", farmer.gender)
    staff.select_option("#language", farmer.language)
    staff.check("input[name=consent]")
    if screenshots:
        journey.shot(staff, "worker-register-learner", full_page=True)
    with staff.expect_navigation():
        staff.locator("main button.wide").click()
    assert "/card" in staff.url, staff.url
    journey.learner_codes[farmer.name] = code_on(staff)
    if screenshots:
        journey.shot(staff, "worker-learner-card", full_page=True)


def pdf_pages(pdf: bytes) -> int:
    counts = re.findall(rb"/Count (\d+)", pdf)
    assert len(counts) == 1, counts
    return int(counts[0])


def _print_certificate(journey: Journey, staff: Any, farmer: Farmer) -> None:
    """Print the A4 certificate and the A6 pocket card to PDF from Chromium (one page
    each), and read each QR code as printed."""
    credential = journey.credentials[farmer.name]
    url = f"{journey.edge_url}/credentials/{credential}"
    staff.goto(f"{url}/certificate")
    if farmer is FARMERS[0]:
        journey.shot(staff, "certificate-a4", full_page=True)
    pdf = staff.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (journey.dir / f"certificate-{credential}.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1
    text = printed_qr(staff, f"{url}/certificate")
    assert text is not None and text.startswith(PREFIX)
    journey.qr_texts[farmer.name] = text
    staff.goto(f"{url}/card")
    card = staff.pdf(prefer_css_page_size=True, print_background=True)
    assert card.startswith(b"%PDF") and pdf_pages(card) == 1
    assert printed_qr(staff, f"{url}/card") == text
    if farmer is FARMERS[0]:
        journey.shot(staff, "pocket-card", full_page=True)


def printed_qr(staff: Any, url: str) -> str | None:
    """The QR text read from ``url`` rendered with its print CSS at 288 dpi (A4 width)."""
    printer = staff.context.browser.new_context(
        viewport={"width": 794, "height": 1123}, device_scale_factor=3
    )
    try:
        page = printer.new_page()
        printer.add_cookies(staff.context.cookies())
        page.emulate_media(media="print")
        page.goto(url)
        return decode_qr_image(page.locator(".qr svg").screenshot())
    finally:
        printer.close()


# -- 4. the link returns ----------------------------------------------------------------


def test_4_the_link_returns_with_cuts_while_a_usb_stick_travels(journey: Journey) -> None:
    with journey.step("sync"):
        cli = journey.cli
        link = LinkEmulator(target_port=journey.hub_port, rate_bits_s=64_000, delay_s=0.15)
        journey.link = link.start()
        journey.start_edge(link.url)

        # The first attempt: the link drops early, mid-request.
        link.add_cuts([700])
        first = journey.edge_run("sync", ok=False)
        assert link.stats.cuts_done == 1, first.stdout + first.stderr

        # Meanwhile a farmer passes two more modules: the second batch, carried by USB.
        _second_batch(journey)
        stick, answer = journey.dir / "stick.bundle", journey.dir / "stick.answer"
        journey.edge_run("export-bundle", stick)
        cli.run("hub", "import-bundle", stick, "--data", journey.hub, "--answer", answer)
        journey.edge_run("import-answer", answer)
        assert _hub_credentials(journey) == _edge_credentials(journey)
        assert worker_api(journey).get("/api/v1/dashboard").json()["pending_sync"] == 0

        # The link comes back for good, still cutting now and then.
        link.add_cuts([900, 4_000, 9_000])
        outputs = []
        for _attempt in range(8):
            attempt = journey.edge_run("sync", ok=None)
            outputs.append(attempt.stdout + attempt.stderr)
            if attempt.returncode == 0:
                break
        else:
            pytest.fail("sync never completed over the emulated link:\n" + "\n".join(outputs))
        assert link.stats.cuts_done >= 2, link.stats
        assert "Synced: 0 event(s) sent" in outputs[-1], outputs  # the stick was first
        _assert_exactly_once(journey)


def _second_batch(journey: Journey) -> None:
    """Grace, registered by the worker's app over the API, passes the two other modules."""
    register_and_pass(journey, worker_api(journey), PATHWAY_FARMER, OTHER_MODULES)


def register_and_pass(
    journey: Journey,
    staff: httpx.Client,
    farmer: Farmer,
    modules: tuple[str, ...],
    *,
    birth_year: int | None = None,
) -> str:
    """Register ``farmer`` through the node's API and pass ``modules``; the learner id."""
    registered = staff.post(
        "/api/v1/learners",
        json={
            "name": farmer.name,
            "gender": farmer.gender,
            "village": farmer.village,
            "language": farmer.language,
            "birth_year": birth_year,
            "consent": True,
        },
    )
    assert registered.status_code == 201, registered.text
    journey.learner_codes[farmer.name] = registered.json()["code"]
    learner = httpx.Client(base_url=str(staff.base_url), timeout=30)
    journey.stoppers.append(learner.close)
    token = staff.headers["Authorization"].split()[1]
    for module_id in modules:
        opened = staff.post("/api/v1/sessions", json={"module_id": module_id})
        assert opened.status_code == 201, opened.text
        result = sit_by_api(
            learner,
            token,
            opened.json()["code"],
            journey.learner_codes[farmer.name],
            journey.modules[module_id],
        )
        assert result["passed"] and result["credential_id"], result
    return str(registered.json()["id"])


def _edge_credentials(journey: Journey) -> set[str]:
    return {row[0] for row in db_rows(journey.edge / "edge.db", "SELECT id FROM credentials")}


def _hub_credentials(journey: Journey) -> set[str]:
    rows = db_rows(
        journey.hub / "hub.db",
        "SELECT credential_id FROM credentials WHERE node_id = ?",
        (journey.node_id,),
    )
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "a credential is held twice"
    return set(ids)


def _assert_exactly_once(journey: Journey) -> None:
    """The hub holds every event of the node once, with the node's own hashes, and every
    credential the node issued."""
    edge_events = db_rows(journey.edge / "edge.db", "SELECT seq, hash FROM events ORDER BY seq")
    hub_events = db_rows(
        journey.hub / "hub.db",
        "SELECT seq, hash FROM events WHERE node_id = ? ORDER BY seq",
        (journey.node_id,),
    )
    assert [(s, bytes(h)) for s, h in hub_events] == [(s, bytes(h)) for s, h in edge_events]
    assert _hub_credentials(journey) == _edge_credentials(journey)
    dashboard = worker_api(journey).get("/api/v1/dashboard").json()
    assert dashboard["pending_sync"] == 0 and dashboard["last_sync"], dashboard


def worker_api(journey: Journey) -> httpx.Client:
    """The worker's JSON API client on the centre's node (a phone app would use the same)."""
    return staff_api(journey, journey.edge_url, WORKER)


def staff_api(journey: Journey, base_url: str, user: tuple[str, str]) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    journey.stoppers.append(client.close)
    login = client.post("/api/v1/login", json={"username": user[0], "password": user[1]})
    assert login.status_code == 200, login.text
    client.headers["Authorization"] = f"Bearer {login.json()['token']}"
    return client


# -- 5. results, and a revocation -------------------------------------------------------


def test_5_staff_read_results_and_a_revocation_reaches_every_verifier(journey: Journey) -> None:
    with journey.step("revocation"):
        amina, jean = FARMERS[0].name, FARMERS[1].name
        _staff_view_in_the_course(journey)

        # The registrar reads the results on the hub and revokes Amina's credential.
        hub = journey.context(LAPTOP).new_page()
        hub.goto(f"{journey.hub_url}/login")
        hub.fill("input[name=username]", STAFF[0])
        hub.fill("input[name=password]", STAFF[1])
        with hub.expect_navigation():
            hub.get_by_role("button", name="Log in").click()
        assert CENTRE in hub.locator("body").inner_text()
        journey.shot(hub, "hub-overview", full_page=True)
        hub.goto(f"{journey.hub_url}/modules/{MODULE}")
        rows = hub.locator("tbody tr")
        assert rows.count() == len(FARMERS)
        passed = [rows.nth(i).inner_text().split("\t")[3] for i in range(len(FARMERS))]
        assert sorted(passed) == ["no", "yes", "yes"], passed
        journey.shot(hub, "hub-module-results", full_page=True)
        hub.goto(f"{journey.hub_url}/credentials/{journey.credentials[amina]}")
        hub.fill("input[name=reason]", "Issued to the wrong learner")
        with hub.expect_navigation():
            hub.get_by_role("button", name="Revoke this credential").click()
        assert "revoked" in hub.locator("main, body").first.inner_text()
        journey.shot(hub, "hub-credential-revoked", full_page=True)

        # The next sync brings the new trust list to the centre.
        assert journey.link is not None
        journey.link.clear_cuts()
        journey.edge_run("sync")
        phone = journey.context(PHONE, locale="en-US").new_page()
        phone.goto(f"{journey.edge_url}/verify")
        phone.fill("#text", journey.qr_texts[amina])
        with phone.expect_navigation():
            phone.locator("main button.wide").click()
        verdict = phone.locator("[role=status]")
        assert verdict.get_attribute("class") == "error", verdict.inner_text()
        assert "revoked" in verdict.inner_text().lower(), verdict.inner_text()
        journey.shot(phone, "verify-revoked", full_page=True)
        # The centre's own pages say so too, and neither print nor export it any more.
        centre = worker_api(journey)
        revoked = f"/credentials/{journey.credentials[amina]}"
        assert "Revoked" in centre.get(revoked).text
        assert f"{revoked}/" not in centre.get(revoked).text
        assert centre.get(f"{revoked}/certificate").status_code == 410
        assert centre.get(f"{revoked}/badge.json").status_code == 410
        phone.goto(f"{journey.edge_url}/verify")
        photo = journey.dir / "jean-qr.png"
        photo.write_bytes(qr_png(journey.qr_texts[jean]))
        phone.set_input_files("#photo", str(photo))
        with phone.expect_navigation():
            phone.locator("main button.wide").click()
        verdict = phone.locator("[role=status]")
        assert verdict.get_attribute("class") == "ok", verdict.inner_text()
        journey.shot(phone, "verify-genuine", full_page=True)

        # A verifier's laptop with the hub's new trust list agrees, offline.
        trust = journey.hub_trust_list("hub-trust-2.cbor")
        assert journey.verify(trust, journey.qr_texts[amina])["reason"] == "credential_revoked"
        assert journey.verify(trust, journey.qr_texts[jean])["genuine"]
        online = httpx.post(f"{journey.hub_url}/verify", content=journey.qr_texts[amina])
        assert online.status_code == 200 and online.json()["reason"] == "credential_revoked"


def _staff_view_in_the_course(journey: Journey) -> None:
    """The block's staff view lists the centre's results beside the online learner."""
    assert journey.workbench_url is not None
    page = journey.context(LAPTOP).new_page()
    page.goto(journey.workbench_url)
    title = journey.modules[MODULE].title["en"]
    with page.expect_navigation():
        page.get_by_role("link", name=f"Green skills: {title}").click()
    rows = page.locator(".gsm-results tbody tr")
    rows.nth(len(FARMERS)).wait_for()
    lines = [rows.nth(index).inner_text() for index in range(rows.count())]
    offline = [line for line in lines if CENTRE in line]
    passes = sum(farmer.passes for farmer in FARMERS)
    assert len(offline) == len(FARMERS) and sum("✓" in line for line in offline) == passes, lines
    assert any(line.split()[0] == "online" for line in lines), lines
    journey.shot(page.locator(".gsm-staff"), "university-staff-view")


# -- 6. a pathway -----------------------------------------------------------------------


def test_6_a_farmer_completes_a_pathway(journey: Journey) -> None:
    with journey.step("pathway"):
        base = journey.edge_url
        grace = PATHWAY_FARMER
        module = journey.modules[MODULE]
        staff = journey.context(LAPTOP, locale="en-US").new_page()
        edge_login(staff, base, WORKER)
        staff.goto(f"{base}/sessions/new")
        staff.check(f"input[name=module][value={MODULE}]")
        with staff.expect_navigation():
            staff.locator("main button.wide").click()
        session_url, session_code = staff.url, code_on(staff)

        phone = journey.context(PHONE, locale="en-US").new_page()
        phone.goto(f"{base}/join?session={session_code}")
        phone.fill("#learner", journey.learner_codes[grace.name])
        with phone.expect_navigation():
            phone.locator("main button.wide").click()
        answer_in_browser(phone, module, grace.language, right=True)
        staff.goto(session_url)
        with staff.expect_navigation():
            staff.locator("tr", has_text=grace.name).locator("a[href$='/score']").click()
        for criterion in module.checklist:
            best = max(level.score for level in criterion.levels)
            staff.check(f'input[name="c-{criterion.id}"][value="{best}"]')
        with staff.expect_navigation():
            staff.locator("main button.wide").click()

        phone.goto(f"{base}/me")
        journey.shot(phone, "farmer-pathway", full_page=True)
        mine = phone.request.get(f"{base}/api/v1/credentials").json()
        pathway = [c for c in mine if c["pathway"]]
        assert [c["module_id"] for c in pathway] == [PATHWAY], mine
        assert {c["module_id"] for c in mine} == {MODULE, *OTHER_MODULES, PATHWAY}

        journey.edge_run("sync")
        trust = journey.hub_trust_list("hub-trust-3.cbor")
        verdict = journey.verify(trust, pathway[0]["qr_text"])
        assert verdict["genuine"], verdict
        _assert_exactly_once(journey)
        held = db_rows(
            journey.hub / "hub.db",
            "SELECT count(*) FROM credentials WHERE node_id = ? AND pathway = 1",
            (journey.node_id,),
        )
        assert held == [(1,)]


# -- 7. a pathway across centres --------------------------------------------------------

ELSEWHERE = "Bondo Community Learning Centre"
TRAVELLER = Farmer("Halima Achieng", "sw", "female", "Usenge", passes=True)
TRAVELLER_BORN = 1988


def test_7_two_modules_passed_at_another_centre_count_towards_the_pathway(
    journey: Journey,
) -> None:
    """Issue 7's farmer "who already passes two modules elsewhere": at a second centre
    enrolled with the same university, whose credentials this centre recognises."""
    with journey.step("pathway across centres"):
        cli, other = journey.cli, journey.dir / "edge-bondo"
        cli.run(
            "edge", "init", "--data", other, "--name", ELSEWHERE,
            "--admin-user", ADMIN[0], "--admin-password", ADMIN[1],
        )  # fmt: skip
        cli.run(
            "hub", "enrol-node", other / "node-certificate-request.cbor", "--data", journey.hub,
            "--modules", "*", "--out", journey.dir / "bondo.cert",
        )  # fmt: skip
        cli.run(
            "edge", "install-cert", journey.dir / "bondo.cert", "--data", other,
            "--root", journey.hub / "root.jwk",
        )  # fmt: skip
        cli.run("edge", "import-pack", journey.dir / "season.fcpack", "--data", other)
        port = free_port()
        bondo = fieldcred_server(
            "edge-bondo",
            ["edge", "serve", "--data", other, "--port", str(port)],
            port=port,
            cwd=journey.dir,
            env=journey.cli.env,
        )
        journey.servers["edge-bondo"] = bondo.start()
        admin = staff_api(journey, bondo.url, ADMIN)
        there = register_and_pass(
            journey, admin, TRAVELLER, OTHER_MODULES, birth_year=TRAVELLER_BORN
        )
        cli.run("edge", "sync", "--data", other, "--hub", journey.hub_url)
        bondo_id = json.loads((other / "settings.json").read_text())["node_id"]
        earned = admin.get("/api/v1/credentials", params={"learner_id": there}).json()
        assert sorted(c["module_id"] for c in earned) == sorted(OTHER_MODULES), earned

        # Kisumu's next sync brings the trust list that names the Bondo centre; then the
        # worker adds Halima's two credentials on her page, pasting each QR text.
        journey.edge_run("sync")
        kisumu = worker_api(journey)
        here = register_and_pass(journey, kisumu, TRAVELLER, (), birth_year=TRAVELLER_BORN)
        staff = journey.context(LAPTOP, locale="en-US").new_page()
        edge_login(staff, journey.edge_url, WORKER)
        staff.goto(f"{journey.edge_url}/learners/{here}/card")
        for credential in earned:
            staff.fill("#text", credential["qr_text"])
            with staff.expect_navigation():
                staff.locator("form[action$='/recognise'] button").click()
            assert "Added:" in staff.locator("[role=status]").inner_text()
        assert staff.locator("body").inner_text().count(f"Earned at {ELSEWHERE}") == 2
        journey.shot(staff, "worker-recognise", full_page=True)

        # She passes the third module here: the pathway credential is issued at Kisumu.
        opened = kisumu.post("/api/v1/sessions", json={"module_id": MODULE})
        assert opened.status_code == 201, opened.text
        learner = httpx.Client(base_url=journey.edge_url, timeout=30)
        journey.stoppers.append(learner.close)
        result = sit_by_api(
            learner,
            kisumu.headers["Authorization"].split()[1],
            opened.json()["code"],
            journey.learner_codes[TRAVELLER.name],
            journey.modules[MODULE],
        )
        assert result["passed"] and result["credential_id"], result
        mine = kisumu.get("/api/v1/credentials", params={"learner_id": here}).json()
        pathway = [c for c in mine if c["pathway"]]
        assert [c["module_id"] for c in pathway] == [PATHWAY], mine
        trust = journey.hub_trust_list("hub-trust-4.cbor")
        assert journey.verify(trust, pathway[0]["qr_text"])["genuine"]

        journey.edge_run("sync")
        _assert_exactly_once(journey)
        at_hub = db_rows(
            journey.hub / "hub.db",
            "SELECT count(*) FROM credentials WHERE node_id = ? AND module_id = ? "
            "AND learner_id = ?",
            (journey.node_id, PATHWAY, here),
        )
        assert at_hub == [(1,)]
        linked = db_rows(journey.hub / "hub.db", "SELECT basis FROM learner_links")
        assert linked == [(f"presented a credential issued at {bondo_id}",)], linked
        quarantined = db_rows(
            journey.hub / "hub.db", "SELECT count(*) FROM events WHERE quarantine IS NOT NULL"
        )
        assert quarantined == [(0,)]
