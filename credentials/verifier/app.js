// The page: three ways in (camera, photo, pasted text), one verdict, and the list it was
// checked against. Verification itself is verify.js; words come from setup.json.

import { fromHex, outcome, readTrustList, strip, verify } from "./verify.js";

const DAY = 86400;
const MAX_PHOTO_SIDE = 1600;
const ICONS = { genuine: "✓", not_genuine: "✗", cannot_check: "?" };
const $ = (id) => document.getElementById(id);

let setup = null;
let lang = "en";
let roots = [];
let trust = null;
let stream = null;

/** English message id → the reader's language, {placeholders} filled. */
function t(message, params = {}) {
  const translated = (lang !== "en" && setup?.words[message]?.[lang]) || message;
  return translated.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

function pickLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  const stored = localStorage.getItem("fieldcred-lang");
  const browser = (navigator.languages || []).map((l) => l.slice(0, 2));
  return [asked, stored, ...browser].find((l) => l && l in setup.languages) || "en";
}

function formatDate(seconds) {
  try {
    const style = { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" };
    const locale = lang === "en" ? "en-GB" : lang; // "12 March 2027", as the other pages
    return new Intl.DateTimeFormat(locale, style).format(new Date(seconds * 1000));
  } catch {
    return new Date(seconds * 1000).toISOString().slice(0, 10);
  }
}

function listAge(list) {
  const days = Math.max(0, Math.floor((Date.now() / 1000 - list.issuedAt) / DAY));
  const date = formatDate(list.issuedAt);
  if (days === 0) return t("Checked against the university's list of {date}, made today.", { date });
  if (days === 1) return t("Checked against the university's list of {date} (1 day old).", { date });
  return t("Checked against the university's list of {date} ({days} days old).", { date, days });
}

function showLanguages() {
  const nav = $("languages");
  nav.replaceChildren();
  for (const [code, name] of Object.entries(setup.languages)) {
    const link = document.createElement("a");
    link.href = "?lang=" + code;
    link.lang = code;
    link.textContent = name;
    if (code === lang) link.setAttribute("aria-current", "true");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      lang = code;
      localStorage.setItem("fieldcred-lang", code);
      translatePage();
    });
    nav.append(link);
  }
}

let last = null;

function translatePage() {
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll("[data-t]")) element.textContent = t(element.dataset.t);
  document.title = t("Check a credential");
  showLanguages();
  showList();
  if (last) render(...last);
}

function showList(extra) {
  const line = trust
    ? t("List from the university on this phone: {date}.", { date: formatDate(trust.issuedAt) })
    : t("Connect to the internet once to get the university's list.");
  $("list").textContent = extra ? line + " " + extra : line;
}

function detail(list, label, value) {
  const term = document.createElement("dt");
  term.textContent = t(label);
  const data = document.createElement("dd");
  if (Array.isArray(value)) {
    const items = document.createElement("ul");
    for (const text of value) {
      const item = document.createElement("li");
      item.textContent = text;
      items.append(item);
    }
    data.append(items);
  } else {
    data.textContent = value;
  }
  list.append(term, data);
}

function localized(text) {
  return text[lang] || text.en || Object.values(text)[0] || "";
}

const isoDate = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The verdict, first on the page: icon, headline, sentence, what it claims, the list. */
function render(kind, key, verdict, list) {
  last = [kind, key, verdict, list];
  const box = $("verdict");
  const [headline, sentence] = setup.verdicts[key];
  box.className = "verdict " + kind;
  box.dataset.outcome = kind;
  box.dataset.reason = key;
  box.querySelector(".icon").textContent = ICONS[kind];
  box.querySelector(".words").textContent = t(headline);
  box.querySelector(".sentence").textContent = t(sentence);
  const details = box.querySelector(".details");
  details.replaceChildren();
  const credential = verdict?.credential;
  if (credential) {
    detail(details, "Name", credential.holderName);
    const entry = verdict.entry;
    if (entry) {
      detail(details, "Module", localized(entry.title));
      const achieved = entry.outcomes.filter((_, i) => credential.outcomes[i]).map(localized);
      if (achieved.length) detail(details, "Outcomes achieved", achieved);
      if (entry.levelEqf !== null) detail(details, "Level (EQF)", String(entry.levelEqf));
    } else {
      detail(details, "Module", credential.moduleId);
    }
    detail(details, "Date", isoDate(credential.issuedAt));
    if (credential.expiresAt !== null) detail(details, "Valid until", isoDate(credential.expiresAt));
    if (verdict.node) detail(details, "Issuing centre", verdict.node.nodeName);
  }
  box.querySelector(".freshness").textContent = list ? listAge(list) : "";
  box.hidden = false;
  box.scrollIntoView({ block: "start" });
}

/** Judge QR text; the time from text to verdict on screen is kept for the bench. */
export async function check(text) {
  const started = performance.now();
  text = strip(text); // as the /verify pages (credentials.verdicts.check) do
  if (!text) {
    render("cannot_check", "empty", null, null);
  } else if (!trust) {
    render("cannot_check", "no_trust_list", null, null);
  } else {
    const list = trust;
    const verdict = await verify(text, list);
    const { outcome: kind, key } = outcome(verdict, list);
    render(kind, key, verdict, list);
  }
  const box = $("verdict");
  box.dataset.ms = (performance.now() - started).toFixed(1);
  box.dataset.count = String(Number(box.dataset.count || 0) + 1);
}

// ---- reading QR codes ----

let detector;

async function decodeImage(source, width, height) {
  if (detector === undefined) {
    detector = null;
    try {
      if ("BarcodeDetector" in globalThis && (await BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
        detector = new BarcodeDetector({ formats: ["qr_code"] });
      }
    } catch {
      detector = null;
    }
  }
  if (detector) {
    const found = await detector.detect(source).catch(() => []);
    if (found.length) return found[0].rawValue;
  }
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const { default: decodeQR } = await import("./vendor/qr/decode.js");
  try {
    return decodeQR(context.getImageData(0, 0, canvas.width, canvas.height));
  } catch {
    return null;
  }
}

async function readPhoto(file) {
  let text = null;
  try {
    const bitmap = await createImageBitmap(file);
    text = await decodeImage(bitmap, bitmap.width, bitmap.height);
    bitmap.close();
  } catch {
    text = null;
  }
  if (text === null) render("cannot_check", "no_qr", null, null);
  else await check(text);
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    notice(t("The camera could not be opened. Take or choose a photo instead."));
    return;
  }
  const video = $("video");
  video.srcObject = stream;
  $("camera").hidden = false;
  $("scan").hidden = true;
  await video.play().catch(() => {});
  const look = async () => {
    if (!stream) return;
    if (video.videoWidth) {
      const text = await decodeImage(video, video.videoWidth, video.videoHeight);
      if (text !== null && stream) {
        stopCamera();
        await check(text);
        return;
      }
    }
    setTimeout(look, 150);
  };
  look();
}

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  $("video").srcObject = null;
  $("camera").hidden = true;
  $("scan").hidden = false;
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

// ---- the trust list: the kept one at once, a newer one from the network in the background ----

async function listFrom(response) {
  if (!response || !response.ok) return null;
  try {
    return { bytes: new Uint8Array(await response.arrayBuffer()), list: null };
  } catch {
    return null;
  }
}

async function readList(found) {
  if (!found) return null;
  try {
    found.list = await readTrustList(found.bytes, roots);
    return found;
  } catch {
    return null;
  }
}

async function refresh() {
  if (!navigator.onLine) {
    showList(t("Offline: using the list kept on this phone."));
    return;
  }
  showList(t("Looking for a newer list…"));
  const found = await readList(await listFrom(await fetch("trust-list", { cache: "no-cache", headers: { "x-fresh": "1" } }).catch(() => null)));
  const newer = found && (!trust || found.list.version > trust.version || found.list.issuedAt > trust.issuedAt);
  if (newer) {
    trust = found.list;
    if ("caches" in globalThis) {
      const cache = await caches.open("verifier-trust");
      await cache.put("trust-list", new Response(found.bytes, { headers: { "content-type": "application/cose" } }));
    }
  }
  showList();
  document.body.dataset.listVersion = trust ? String(trust.version) : "";
}

/** The service worker for the verifier's folder, then for the links' (/V/, /v/ beside
 * it), which then open with the network off; the later ones find every file kept. */
async function keepOffline() {
  if (!("serviceWorker" in navigator)) return;
  try {
    const main = await navigator.serviceWorker.register("sw.js");
    const worker = main.installing || main.waiting;
    if (worker && worker.state !== "activated") {
      await new Promise((done) => {
        worker.addEventListener("statechange", () => {
          if (worker.state === "activated" || worker.state === "redundant") done();
        });
      });
    }
    for (const scope of ["../V/", "../v/"]) await navigator.serviceWorker.register("sw.js", { scope });
  } catch {
    // no service worker (plain http on a centre's network): the page still works online
  }
}

async function start() {
  setup = await (await fetch("setup.json")).json();
  roots = setup.roots.map(fromHex);
  lang = pickLanguage();
  const kept = await readList(await listFrom(await fetch("trust-list").catch(() => null)));
  trust = kept ? kept.list : null;
  translatePage();
  $("check").addEventListener("click", () => check($("text").value));
  $("photo").addEventListener("change", () => {
    const file = $("photo").files[0];
    if (file) readPhoto(file);
    $("photo").value = "";
  });
  $("scan").addEventListener("click", startCamera);
  $("stop").addEventListener("click", stopCamera);
  if (!navigator.mediaDevices?.getUserMedia) $("scan").hidden = true;
  keepOffline();
  document.body.dataset.readyMs = performance.now().toFixed(0); // since navigation began
  document.body.dataset.ready = "true";
  document.body.dataset.listVersion = trust ? String(trust.version) : "";
  const link = /\/v\/[0-9]*$/i.test(location.pathname) ? location.origin + location.pathname : null;
  if (link) await check(link); // a credential's link: its digits are read here, sent nowhere
  addEventListener("online", refresh);
  await refresh();
  document.body.dataset.refreshed = "true";
}

start();
