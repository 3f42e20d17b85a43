// The campaign page's actions: a button or form with `data-api` posts JSON
// to that API route (with the session's CSRF token), photos uploaded first,
// then the page reloads to show where things stand.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const message = document.getElementById("api-message");

  async function upload(file) {
    const body = new FormData();
    body.append("file", file);
    const r = await fetch("/api/v1/attachments", { method: "POST", body, headers: { "X-CSRF-Token": csrf } });
    const j = await r.json();
    if (!r.ok) throw new Error((j.error && j.error.message) || "照片上传失败");
    return j.sha256;
  }

  async function send(url, body) {
    const r = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    if (r.ok) { location.reload(); return; }
    const j = await r.json().catch(() => ({}));
    message.hidden = false;
    message.textContent = (j.error && j.error.message) || ("操作失败（" + r.status + "）");
  }

  document.querySelectorAll("button[data-api]").forEach((b) =>
    b.addEventListener("click", () => send(b.dataset.api, {})));

  document.querySelectorAll("form[data-api]").forEach((form) =>
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = {};
      const photos = [];
      for (const el of form.elements) {
        if (!el.name || el.type === "submit") continue;
        if (el.type === "file") { for (const f of el.files) photos.push(await upload(f)); continue; }
        if (el.value.trim()) body[el.name] = el.value.trim();
      }
      const submitter = e.submitter;
      if (submitter && submitter.name) body[submitter.name] = submitter.value === "true" ? true : submitter.value === "false" ? false : submitter.value;
      if (photos.length) body.photos = photos;
      send(form.dataset.api, body);
    }));
})();
