// On a phone: the service worker (the app shell and an offline page), and the Log form's
// outbox. Without this file everything works online as before.
//
// Each Save of the Log form gets a key (a random UUID) and the moment it was pressed. It is
// sent at once; when the phone is offline, or the send fails, the entry is kept on this phone
// (localStorage) and shown as not sent yet, and it is sent when the phone is back online (the
// online event, the next page that loads, or the next try while the page is open). The server stores an entry once per key, so an
// entry sent twice (its answer lost on the way) is never stored twice.
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {
      /* no offline use (an insecure origin, or private browsing): pages work as before */
    });
  }

  const STORE = "neckcheck-outbox";
  const KEEP_SENT_DAYS = 7;
  const TIMEOUT_MS = 20000;
  const marker = document.querySelector('meta[name="neckcheck-person"]');
  // Whose diary this page is: an entry is only ever sent to the diary it was written in.
  const person = marker ? marker.content : "";
  const main = document.getElementById("main");
  let storage = null;
  try {
    storage = window.localStorage;
  } catch (blocked) {
    storage = null;
  }

  function load() {
    try {
      const list = JSON.parse(storage.getItem(STORE) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (broken) {
      return [];
    }
  }

  function save(list) {
    const oldest = Date.now() - KEEP_SENT_DAYS * 864e5;
    storage.setItem(
      STORE,
      JSON.stringify(list.filter((e) => !e.sentAt || Date.parse(e.sentAt) > oldest))
    );
  }

  function change(key, changes) {
    save(load().map((e) => (e.key === key ? Object.assign({}, e, changes) : e)));
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // plain HTTP has no randomUUID
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // A datetime-local value: the wall-clock time here (the form's tz field says which zone).
  function wallClock(date) {
    const two = (n) => String(n).padStart(2, "0");
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) +
      "T" + two(date.getHours()) + ":" + two(date.getMinutes());
  }

  function when(iso) {
    const date = new Date(iso);
    const today = new Date().toDateString() === date.toDateString();
    const options = today
      ? { hour: "2-digit", minute: "2-digit" }
      : { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
    return date.toLocaleString([], options);
  }

  function send(body) {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), TIMEOUT_MS);
    return fetch("/log", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      signal: stop.signal,
    }).finally(() => clearTimeout(timer));
  }

  function landed(response) {
    return new URL(response.url).pathname;
  }

  // --- the notice ---------------------------------------------------------------------------

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.keys(attributes || {}).forEach((name) => node.setAttribute(name, attributes[name]));
    (children || []).forEach((child) =>
      node.append(typeof child === "string" ? document.createTextNode(child) : child)
    );
    return node;
  }

  function button(label, action) {
    const node = element("button", { type: "button", class: "button secondary" }, [label]);
    node.addEventListener("click", action);
    return node;
  }

  function summary(entry) {
    const intensity = new URLSearchParams(entry.body).get("intensity");
    return new URLSearchParams(intensity ? { intensity: intensity } : {}).toString();
  }

  function pain(entry) {
    const intensity = new URLSearchParams(entry.body).get("intensity");
    return intensity ? "Pain " + intensity + "/10" : "A spasm";
  }

  function notice() {
    let box = document.getElementById("outbox");
    if (!box) {
      box = element("section", {
        id: "outbox",
        class: "outbox",
        role: "status",
        "aria-labelledby": "outbox-h",
        tabindex: "-1",
      });
      // First on the page, but never above a warning to act now.
      const urgent = main.querySelector(".level-emergency, .level-urgent");
      let after = null;
      if (urgent) {
        after = urgent;
        while (after.parentElement !== main) {
          after = after.parentElement;
        }
      }
      main.insertBefore(box, after ? after.nextSibling : main.firstChild);
    }
    return box;
  }

  function render() {
    // A page of nobody's (the offline page, the sign-in page) tells how many are kept, and
    // nothing of what they say.
    const anyone = !marker;
    const mine = load().filter((e) => (anyone ? e.state === "waiting" || e.state === "signin"
      : e.person === person));
    const waiting = mine.filter((e) => e.state === "waiting" || e.state === "signin");
    const sent = mine.filter((e) => e.state === "sent" || e.state === "gone");
    const refused = mine.filter((e) => e.state === "refused");
    if (!mine.length) {
      const old = document.getElementById("outbox");
      if (old) {
        old.remove();
      }
      return;
    }
    const box = notice();
    const parts = [];
    if (waiting.length) {
      parts.push(element("h2", { id: "outbox-h" }, ["Saved on this phone, not sent yet"]));
      if (anyone) {
        const count = waiting.length === 1 ? "One spasm" : waiting.length + " spasms";
        parts.push(element("p", {}, [count + " logged on this phone is waiting to be sent."]));
      } else {
        parts.push(element("ul", {}, waiting.map((e) =>
          element("li", {}, [pain(e) + ", saved at " + when(e.savedAt) + "."]))));
      }
      if (anyone) {
        parts.push(element("p", {}, [document.querySelector('form[action="/login"]')
          ? "It will be sent once you sign in."
          : "It will be sent when this phone is back online."]));
      } else if (waiting.some((e) => e.state === "signin")) {
        const back = encodeURIComponent(location.pathname);
        parts.push(element("p", {}, ["It will be sent once you sign in again."]));
        parts.push(element("p", {}, [
          element("a", { class: "button", href: "/login?next=" + back }, ["Sign in"]),
        ]));
      } else {
        parts.push(element("p", {}, [
          "It will be sent when this phone is back online, and checked for warning signs then.",
        ]));
      }
      if (!document.getElementById("offline-page")) { // which says it already
        parts.push(element("p", {}, [
          "If you think it is an emergency, call your local emergency number now.",
        ]));
      }
    }
    refused.forEach((e) => {
      if (!parts.length) {
        parts.push(element("h2", { id: "outbox-h" }, ["Saved on this phone, not accepted"]));
      }
      parts.push(element("p", {}, [
        pain(e) + ", saved at " + when(e.savedAt) + ", was not accepted: something in it " +
          "needs correcting. ",
      ]));
      parts.push(element("p", { class: "actions" }, [
        button("Open it to correct", () => reopen(e)),
        button("Delete it", () => {
          save(load().filter((other) => other.key !== e.key));
          render();
        }),
      ]));
    });
    if (sent.length) {
      parts.push(element("h2", waiting.length || refused.length ? {} : { id: "outbox-h" }, ["Sent"]));
      parts.push(element("ul", {}, sent.map((e) =>
        element("li", {}, e.state === "gone"
          ? [pain(e) + ", saved at " + when(e.savedAt) + ", had been sent before and " +
             "deleted since: nothing was added."]
          : [pain(e) + ", saved on this phone at " + when(e.savedAt) + ", sent at " +
             when(e.sentAt) + ". ",
            element("a", { href: e.url }, ["See its check"])]))));
      parts.push(element("p", {}, [
        button("OK", () => {
          save(load().filter((other) => !(other.person === person && other.sentAt)));
          render();
        }),
      ]));
    }
    box.replaceChildren(...parts);
  }

  // A refused entry goes back to the server's own form, which shows what to correct beside
  // each field with everything that was typed.
  function reopen(entry) {
    const token = document.querySelector('input[name="csrf_token"]');
    const form = element("form", { method: "post", action: "/log", hidden: "" });
    new URLSearchParams(entry.body).forEach((value, name) => {
      if (name !== "idempotency_key") {
        const input = element("input", { type: "hidden", name: name });
        input.value = name === "csrf_token" && token ? token.value : value;
        form.append(input);
      }
    });
    document.body.append(form);
    save(load().filter((other) => other.key !== entry.key));
    form.submit();
  }

  // --- keeping and sending ------------------------------------------------------------------

  function keep(body, state) {
    // A start left as the form offered it means "now": the moment Save was pressed (the page
    // may have been kept on the phone for a while before).
    if (body.get("started_at") && body.get("started_at") === body.get("opened")) {
      const moment = wallClock(new Date(body.get("saved_at")));
      body.set("started_at", moment);
      body.set("opened", moment);
    }
    const entry = {
      key: body.get("idempotency_key"),
      person: person,
      savedAt: body.get("saved_at"),
      state: state,
      body: body.toString(),
    };
    save(load().filter((e) => e.key !== entry.key).concat([entry]));
  }

  async function token(refresh) {
    const here = document.querySelector('input[name="csrf_token"]');
    if (here && !refresh) {
      return here.value;
    }
    const page = await fetch("/log", { credentials: "same-origin" });
    if (!page.ok || landed(page) !== "/log") {
      return null; // not signed in
    }
    const form = new DOMParser().parseFromString(await page.text(), "text/html");
    const found = form.querySelector('input[name="csrf_token"]');
    return found ? found.value : null;
  }

  let sending = false;
  // A send that failed (no network, or the server could not take it) is tried again while the
  // page is open: after 2 s, then twice as long each time, up to every 15 s. A browser may say
  // it is online on a network that does not reach the server, and then, when it does, has no
  // change to announce with an online event.
  const RETRY_FIRST_MS = 2000;
  const RETRY_MAX_MS = 15000;
  let retryMs = RETRY_FIRST_MS;
  let retryTimer = null;

  function retryLater() {
    if (retryTimer === null) {
      retryTimer = setTimeout(() => {
        retryTimer = null;
        sendKept();
      }, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  }

  async function sendKept() {
    const mine = load().filter((e) => e.person === person &&
      (e.state === "waiting" || e.state === "signin"));
    if (sending || !mine.length || navigator.onLine === false) {
      return; // offline as the browser knows it: its online event sends them
    }
    sending = true;
    let failed = false;
    try {
      let csrf = await token(false);
      for (const entry of mine) {
        if (!csrf) {
          change(entry.key, { state: "signin" });
          continue;
        }
        const body = new URLSearchParams(entry.body);
        body.set("csrf_token", csrf);
        let answer = await send(body);
        if (answer.status === 403) { // the page's token has expired: a fresh one
          csrf = await token(true);
          body.set("csrf_token", csrf || "");
          answer = await send(body);
        }
        const path = landed(answer);
        if (answer.ok && path.startsWith("/episodes/")) {
          change(entry.key, {
            state: "sent",
            sentAt: new Date().toISOString(),
            url: answer.url,
            body: summary(entry), // what it said is in the diary now, not kept here
          });
        } else if (path === "/login") {
          change(entry.key, { state: "signin" });
          csrf = null;
        } else if (answer.status === 404) {
          change(entry.key, { state: "gone", sentAt: new Date().toISOString(), body: summary(entry) });
        } else if (answer.status === 422) {
          change(entry.key, { state: "refused" });
        } else {
          failed = true;
          break; // the server could not take it now: kept for the next try
        }
      }
    } catch (offline) {
      failed = true; // offline again: kept for the next try
    } finally {
      sending = false;
      render();
    }
    if (failed) {
      retryLater();
    } else {
      retryMs = RETRY_FIRST_MS;
    }
  }

  // --- the Log form -------------------------------------------------------------------------

  function hidden(form, name) {
    let input = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (!input) {
      input = element("input", { type: "hidden", name: name });
      form.append(input);
    }
    return input;
  }

  function kept(form, body, state) {
    keep(body, state);
    form.reset();
    hidden(form, "idempotency_key").value = ""; // the next Save is another spasm
    render();
    const box = document.getElementById("outbox");
    box.scrollIntoView({ block: "start" });
    box.focus({ preventScroll: true });
  }

  function logForm(form) {
    let busy = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      const key = hidden(form, "idempotency_key");
      key.value = key.value || uuid();
      hidden(form, "saved_at").value = new Date().toISOString();
      const body = new URLSearchParams(new FormData(form));
      try {
        if (navigator.onLine === false) {
          kept(form, body, "waiting");
          return;
        }
        let answer;
        try {
          answer = await send(body);
        } catch (offline) {
          kept(form, body, "waiting");
          retryLater(); // the browser said online, but the server could not be reached
          return;
        }
        const path = landed(answer);
        if (answer.ok && path.startsWith("/episodes/")) {
          location.assign(answer.url); // its check
        } else if (path === "/login") {
          keep(body, "signin"); // signed out meanwhile: sent after signing in
          location.assign(answer.url);
        } else {
          form.submit(); // the server's own answer: what to correct, beside each field
        }
      } finally {
        busy = false;
      }
    });
  }

  if (!storage || !window.fetch || !main) {
    return;
  }
  const log = document.querySelector('form.episode-form[action="/log"]');
  if (log) {
    logForm(log);
  }
  if (document.querySelector('form[action="/login"], form[action="/logout"]') && window.caches) {
    // Signing in or out: the Log page kept for offline use was someone's signed-in page.
    const forget = () =>
      caches.keys().then((names) => names.forEach((name) =>
        caches.open(name).then((cache) => cache.delete("/log"))));
    if (document.querySelector('form[action="/login"]')) {
      forget();
    }
    const out = document.querySelector('form[action="/logout"]');
    if (out) {
      out.addEventListener("submit", forget);
    }
  }
  const offlinePage = document.getElementById("offline-page");
  if (offlinePage && window.caches) {
    caches.match("/log").then((page) => {
      if (!page) {
        document.querySelectorAll("[data-kept]").forEach((node) => node.remove());
      }
    });
  }
  window.addEventListener("online", async () => {
    await sendKept();
    if (offlinePage && navigator.onLine) {
      // The page that could not be shown, once the server answers (browsers also say
      // "online" for a network that does not reach it).
      try {
        const answer = await fetch("/api/v1/health", { cache: "no-store" });
        if (answer.ok) {
          location.reload();
        }
      } catch (stillOffline) {
        /* not yet */
      }
    }
  });
  render();
  sendKept();
})();
