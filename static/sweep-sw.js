// The sweep page's service worker: the page, its script and styles and the
// campaign's sweep data are fetched from the network when there is one and
// kept; without signal the kept copy answers. Writes are never handled
// here: the page queues them (IndexedDB) and sends them itself.
const CACHE = "linli-sweep-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function kept(url) {
  return url.origin === self.location.origin &&
    (/^\/app\/campaigns\/\d+\/sweep$/.test(url.pathname) ||
     /^\/api\/v1\/campaigns\/\d+\/sweep$/.test(url.pathname) ||
     ["/static/sweep.js", "/static/app.css", "/static/campaigns.css", "/favicon.ico"].includes(url.pathname));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !kept(new URL(request.url))) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((c) => c.put(request, copy)));
        }
        return response;
      })
      .catch(() =>
        caches.match(request, { ignoreVary: true }).then((hit) =>
          hit || new Response("离线，且手机上没有保存这一页", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } })))
  );
});
