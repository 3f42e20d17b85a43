// The sweep of one's buildings on a phone, with or without signal. The
// campaign's units, checklist and findings are kept on the phone (the
// service worker keeps the page and the data; IndexedDB keeps the queue).
// Every "无隐患" and every finding goes into the queue first, with a key made
// here, and is sent in order when there is signal; the server files each key
// once, so a resend after a lost answer never files twice.
(function () {
  "use strict";
  const root = document.getElementById("sweep");
  const id = root.dataset.campaign;
  const en = root.dataset.en === "1";
  const t = (zh, english) => (en ? english : zh);
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const DATA = `/api/v1/campaigns/${id}/sweep`;
  const REINSPECTABLE = ["answered", "enforced", "resolved"];
  let data = null;
  let queued = [];
  let open = null; // the unit whose finding form is open: "code/unit"
  let choice = null; // the hazard chosen in it
  let flushing = false;
  let lastError = "";

  // --- IndexedDB: the queue (by key, in the order made) and the last data.
  const dbReady = new Promise((resolve, reject) => {
    const req = indexedDB.open("linli-sweep", 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("queue", { keyPath: "key" });
      req.result.createObjectStore("data");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  async function store(name, mode, work) {
    const db = await dbReady;
    return new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const result = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const queueAll = async () => ((await store("queue", "readonly", (s) => s.getAll())) || []).sort((a, b) => a.made - b.made);
  const queuePut = (item) => store("queue", "readwrite", (s) => s.put(item));
  const queueDrop = (key) => store("queue", "readwrite", (s) => s.delete(key));
  const keep = (value) => store("data", "readwrite", (s) => s.put(value, id));
  const kept = () => store("data", "readonly", (s) => s.get(id));

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- Drawing.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "onclick") e.addEventListener("click", v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function status() {
    const net = document.getElementById("net");
    net.className = navigator.onLine ? "net" : "net offline";
    net.textContent = navigator.onLine ? "" : t("无信号：记录先存在手机上，有信号后自动发送", "Offline: records stay on this phone and are sent when there is signal");
    const q = document.getElementById("queue");
    const n = queued.length;
    q.textContent = n ? t(`待发送 ${n} 条`, `${n} waiting to send`) + (lastError ? ` · ${lastError}` : "") : lastError;
    q.dataset.count = String(n);
  }

  function unitsByBuilding() {
    const out = new Map();
    for (const u of data.units) {
      if (!out.has(u.building_code)) out.set(u.building_code, { name: u.building_name, units: [] });
      out.get(u.building_code).units.push(u);
    }
    return out;
  }

  function findingLine(text, queuedLine, extra) {
    return el("div", { class: queuedLine ? "finding-line queued" : "finding-line" }, text, extra || null);
  }

  function reinspectButtons(f) {
    if (!REINSPECTABLE.includes(f.state)) return null;
    if (queued.some((q) => q.kind === "reinspect" && q.finding === f.id)) return el("span", { class: "muted" }, t("复查待发送", "re-inspection waiting to send"));
    const send = (fixed) => async () => {
      const note = fixed ? null : prompt(t("未整改的现场情况：", "What is still wrong:"));
      if (!fixed && !note) return;
      await enqueue({ kind: "reinspect", finding: f.id, building: f.building_code, unit: f.unit, body: { fixed, note } });
    };
    return el("div", { class: "actions" },
      el("button", { class: "small primary", onclick: send(true) }, t("复查：已整改", "Fixed")),
      el("button", { class: "small", onclick: send(false) }, t("未整改", "Not fixed")));
  }

  function unitCard(code, u) {
    const here = `${code}/${u.unit}`;
    const mine = data.findings.filter((f) => f.building_code === code && f.unit === u.unit);
    const waiting = queued.filter((q) => q.building === code && q.unit === u.unit);
    const swept = u.swept_at || waiting.length > 0;
    const found = mine.length > 0 || waiting.some((q) => q.kind === "finding");
    const label = found ? t("有隐患", "Hazard found") : swept ? t("✓ 无隐患", "✓ Clean") : t("未排查", "Not swept");
    const state = found ? "card unit found" : swept ? "card unit done" : "card unit";
    const card = el("section", { class: state, "data-unit": u.unit, "data-building": code },
      el("div", { class: "head" }, el("strong", {}, `${u.unit}${t("单元", " unit")}`),
        el("span", { class: found ? "badge urgent" : swept ? "badge ok" : "badge" }, label)));
    for (const f of mine) {
      card.append(findingLine(`${f.check_name}${f.room ? " " + f.room + t("室", "") : ""}${f.floor ? " " + f.floor + t("楼", "F") : ""} · ${stateName(f.state)}`, false, reinspectButtons(f)));
    }
    for (const q of waiting.filter((q) => q.kind === "finding")) {
      card.append(findingLine(`${checkName(q.body.check)} · ${t("待发送", "waiting to send")}`, true));
    }
    if (open === here) card.append(findingForm(code, u));
    else {
      const choices = el("div", { class: "choices" });
      if (!swept) choices.append(el("button", { class: "primary", "data-action": "clean", onclick: () => clean(code, u.unit) }, t("无隐患", "Clean")));
      choices.append(el("button", { "data-action": "hazard", onclick: () => { open = here; choice = null; draw(); } },
        found ? t("再记一处", "Another hazard") : t("有隐患", "Hazard")));
      card.append(choices);
    }
    return card;
  }

  function findingForm(code, u) {
    const form = el("form", { class: "stack", "data-form": "finding" });
    const hazards = el("div", { class: "hazards", role: "group", "aria-label": t("隐患类型", "Hazard type") });
    for (const c of data.checks) {
      hazards.append(el("button", { type: "button", "aria-pressed": choice === c.code ? "true" : "false", "data-check": c.code,
        onclick: () => { choice = c.code; draw(); } }, c.name));
    }
    form.append(hazards);
    const check = data.checks.find((c) => c.code === choice);
    form.append(
      el("label", { for: "room" }, check && check.by_floor ? t("楼层或房号（必填）", "Floor or room (required)") : t("房号（可选）", "Room (optional)")),
      el("div", { class: "row" },
        el("input", { id: "floor", name: "floor", inputmode: "numeric", placeholder: t("楼层", "Floor"), style: "flex:1" }),
        el("input", { id: "room", name: "room", maxlength: "20", placeholder: t("房号，如 302", "Room, e.g. 302"), style: "flex:2" })),
      el("label", { for: "photo" }, t("照片（可选）", "Photo (optional)")),
      el("input", { id: "photo", name: "photo", type: "file", accept: "image/*", capture: "environment" }),
      el("label", { for: "note" }, t("备注（可选）", "Note (optional)")),
      el("input", { id: "note", name: "note", maxlength: "500" }),
      el("div", { class: "choices" },
        el("button", { type: "submit", class: "primary", disabled: !choice }, t("提交隐患", "Record hazard")),
        el("button", { type: "button", onclick: () => { open = null; draw(); } }, t("取消", "Cancel"))));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const floor = form.elements.floor.value.trim();
      const body = { building: code, unit: u.unit, check: choice };
      if (floor) body.floor = Number(floor);
      if (form.elements.room.value.trim()) body.room = form.elements.room.value.trim();
      if (form.elements.note.value.trim()) body.note = form.elements.note.value.trim();
      const photo = form.elements.photo.files[0] || null;
      open = null;
      await enqueue({ kind: "finding", building: code, unit: u.unit, body, photo });
    });
    return form;
  }

  const checkName = (code) => (data.checks.find((c) => c.code === code) || { name: code }).name;
  const stateName = (s) => ({ open: t("待告知", "open"), notice: t("已告知，整改中", "notice out"), answered: t("已反馈整改，待复查", "to re-inspect"),
    enforcement: t("待联合执法", "to enforcement"), enforced: t("已执法，待复查", "to re-inspect"), resolved: t("已处置，待复查", "to re-inspect"),
    fixed: t("已整改", "fixed") })[s] || s;

  function draw() {
    const box = document.getElementById("buildings");
    box.replaceChildren();
    if (!data) return;
    if (!data.units.length) box.append(el("p", { class: "muted" }, t("这次排查没有分配给您的单元。", "No units of this sweep are yours.")));
    for (const [code, b] of unitsByBuilding()) {
      const done = b.units.filter((u) => u.swept_at || queued.some((q) => q.building === code && q.unit === u.unit)).length;
      box.append(el("h2", { "data-building": code }, `${b.name} `, el("span", { class: "muted", "data-progress": code }, t(`已排查 ${done}/${b.units.length}`, `${done}/${b.units.length} swept`))));
      for (const u of b.units) box.append(unitCard(code, u));
    }
    status();
  }

  // --- The queue.
  async function enqueue(item) {
    item.key = newKey();
    item.made = Date.now();
    await queuePut(item);
    queued = await queueAll();
    draw();
    flush();
  }

  function clean(code, unit) {
    return enqueue({ kind: "clean", building: code, unit });
  }

  async function post(url, body, key) {
    const headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf };
    if (key) headers["Idempotency-Key"] = key;
    const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
    return r;
  }

  async function upload(photo) {
    const body = new FormData();
    body.append("file", photo);
    return fetch("/api/v1/attachments", { method: "POST", body, headers: { "X-CSRF-Token": csrf } });
  }

  // Sends one item; true when it is done with (sent, or refused for good).
  async function sendOne(item) {
    if (item.kind === "finding" && item.photo && !item.photoSha) {
      const r = await upload(item.photo);
      if (!r.ok) return refused(item, r);
      item.photoSha = (await r.json()).sha256;
      await queuePut(item);
    }
    if (item.kind === "reinspect") {
      const r = await post(`/api/v1/findings/${item.finding}/reinspection`, item.body, item.key);
      // 409: already re-inspected (this one arrived before, its answer lost).
      return r.ok || r.status === 409 || refused(item, r);
    }
    const r = item.kind === "clean"
      ? await post(`/api/v1/campaigns/${id}/units`, { building: item.building, unit: item.unit }, item.key)
      : await post(`/api/v1/campaigns/${id}/findings`, { ...item.body, photos: item.photoSha ? [item.photoSha] : [] }, item.key);
    return r.ok || refused(item, r);
  }

  // A 4xx (other than 401/408/429) will never succeed: say why and drop it; anything else waits.
  async function refused(item, r) {
    if (r.status >= 500 || [401, 408, 429].includes(r.status)) {
      lastError = r.status === 401 ? t("登录已过期，请重新登录后自动发送", "Signed out: sign in again to send") : "";
      return false;
    }
    const j = await r.json().catch(() => ({}));
    lastError = t("未能提交：", "Refused: ") + ((j.error && j.error.message) || r.status);
    return true;
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const item of await queueAll()) {
        let done = false;
        try { done = await sendOne(item); } catch (_) { break; } // no signal: try again later
        if (!done) break;
        await queueDrop(item.key);
      }
    } finally {
      flushing = false;
    }
    queued = await queueAll();
    if (!queued.length && navigator.onLine) await refresh();
    else draw();
  }

  async function refresh() {
    try {
      const r = await fetch(DATA, { headers: { Accept: "application/json" } });
      if (r.ok) {
        data = await r.json();
        await keep(data);
      }
    } catch (_) { /* the kept copy stays */ }
    if (!data) data = await kept();
    if (!data) {
      document.getElementById("buildings").replaceChildren(el("p", { class: "alert" }, t("没有信号，手机上也还没有这次排查的数据。", "No signal, and nothing kept on this phone yet.")));
      return;
    }
    queued = await queueAll();
    draw();
  }

  async function keepPage() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register("/app/campaigns/sweep-sw.js");
      const cache = await caches.open("linli-sweep-v1");
      await cache.addAll([location.pathname, "/static/sweep.js", "/static/app.css", "/static/campaigns.css"]);
      root.dataset.kept = "1";
    } catch (_) { /* offline already, or no cache: the page still works while open */ }
  }

  window.addEventListener("online", () => { status(); flush(); });
  window.addEventListener("offline", status);
  setInterval(() => { if (queued.length && navigator.onLine) flush(); }, 15000);
  refresh().then(() => flush());
  keepPage();
  window.linliSweep = { flush, queued: () => queued.length };
})();
