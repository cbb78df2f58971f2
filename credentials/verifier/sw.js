// The service worker: keeps every file of the verifier, so that after one visit it opens
// and checks with the network off. The server puts VERSION and ASSETS above this line.
// The trust list lives in a cache of its own: the page replaces it with each newer list
// it has checked; a request for it marked x-fresh always goes to the network.
// The same worker is registered for the links' folders (/V/, /v/): it answers a link,
// /V/<digits>, with the kept link page, so the credential in the address never leaves
// the phone.

const FILES = "verifier-" + VERSION;
const TRUST = "verifier-trust";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const files = await caches.open(FILES);
      const missing = [];
      for (const name of ASSETS) if (!(await files.match(name))) missing.push(name);
      await files.addAll(missing); // a second registration finds them kept by the first
      const list = await fetch("trust-list").catch(() => null);
      if (list && list.ok) await (await caches.open(TRUST)).put("trust-list", list);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== FILES && name !== TRUST) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.endsWith("/trust-list")) {
    if (event.request.headers.has("x-fresh")) return;
    event.respondWith(
      caches.open(TRUST).then(async (cache) => (await cache.match("trust-list")) || fetch(event.request)),
    );
    return;
  }
  if (/\/v\/[0-9]*$/i.test(url.pathname)) {
    event.respondWith(caches.open(FILES).then(async (cache) => (await cache.match("link")) || fetch(event.request)));
    return;
  }
  event.respondWith(
    caches.open(FILES).then(async (cache) => (await cache.match(event.request, { ignoreSearch: true })) || fetch(event.request)),
  );
});
