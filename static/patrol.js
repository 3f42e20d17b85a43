// A checkpoint's patrol page: the visit goes to the API with the phone's
// position when it gives one within a few seconds (the server flags a scan
// far from the checkpoint or without a position) and with a key made for
// that tap, so a resend of it records nothing twice.
(function () {
  "use strict";
  const root = document.getElementById("patrol");
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const out = document.getElementById("result");
  const newKey = () => (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + String(Math.random()).slice(2);

  function where() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }),
        () => resolve(null),
        { timeout: 4000, maximumAge: 60000 });
    });
  }

  async function upload(file) {
    const body = new FormData();
    body.append("file", file);
    const r = await fetch("/api/v1/attachments", { method: "POST", body, headers: { "X-CSRF-Token": csrf } });
    if (!r.ok) throw new Error("照片上传失败");
    return (await r.json()).sha256;
  }

  async function send(body) {
    const key = newKey();
    const position = await where();
    if (position) Object.assign(body, position);
    const r = await fetch(`/api/v1/checkpoints/${root.dataset.token}/visits`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": key },
      body: JSON.stringify(body),
    });
    const j = await r.json().catch(() => ({}));
    out.hidden = false;
    if (r.ok) {
      const v = j.visit;
      out.dataset.visit = v.id;
      out.dataset.position = v.position;
      out.textContent = (v.case_id ? `已记录，工单 #${v.case_id}` : "已记录：正常") + (v.position === "far" ? "（位置离巡查点较远）" : v.position === "missing" ? "（未取得位置）" : "");
    } else {
      out.textContent = (j.error && j.error.message) || `未能记录（${r.status}）`;
    }
  }

  root.querySelector("[data-result=ok]").addEventListener("click", () => send({ result: "ok" }));
  document.getElementById("problem-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const body = { result: e.submitter ? e.submitter.value : "problem", problem: form.elements.problem.value };
    if (form.elements.note.value.trim()) body.note = form.elements.note.value.trim();
    const photos = [];
    for (const f of form.elements.photo.files) photos.push(await upload(f));
    if (photos.length) body.photos = photos;
    send(body);
  });
})();
