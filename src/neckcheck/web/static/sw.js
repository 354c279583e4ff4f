// neckcheck's service worker, served at /sw.js (scope /) by web/routes/phone.py, which puts
// in the version (a hash of the files below, so that a new release replaces the cache) and
// the list of files. It keeps the app shell and an offline page, and the Log page as last
// seen, so that a spasm can be logged without a connection (static/offline.js keeps the
// entry on the phone and sends it later). Nothing else of the diary is kept.
"use strict";

const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = "neckcheck-" + VERSION;
const LOG = "/log";
const OFFLINE = "/offline";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      await keepLogPage(cache, await fetch(LOG, { credentials: "same-origin" }).catch(() => null));
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("neckcheck-") && name !== CACHE) {
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })()
  );
});

// The Log page, only as the server gave it to a person who may see it (not a redirect to
// the sign-in page).
async function keepLogPage(cache, response) {
  if (response && response.ok && !response.redirected) {
    await cache.put(LOG, response);
  }
}

async function navigate(event, url) {
  try {
    const response = await fetch(event.request);
    if (url.pathname === LOG) {
      const copy = response.clone(); // now: the page is read as soon as it is returned
      event.waitUntil(caches.open(CACHE).then((cache) => keepLogPage(cache, copy)));
    }
    return response;
  } catch (offline) {
    const cache = await caches.open(CACHE);
    const kept = url.pathname === LOG ? await cache.match(LOG) : undefined;
    return kept || (await cache.match(OFFLINE)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return; // sent as usual: writes, and anything of another site
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((kept) => kept || fetch(request)));
  }
});
