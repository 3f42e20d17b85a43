// The command centre's live view. Each server-sent update carries every
// panel already rendered by the page's own template blocks (`html`: element
// id → markup), so a panel after an update is exactly what a reload would
// show, empty lists ("无") included; and the buildings with open cases
// (`map`), which recolour the map's squares through their data-state.
(function () {
  "use strict";
  var updates = 0;
  function el(id) { return document.getElementById(id); }

  function panels(html) {
    Object.keys(html).forEach(function (id) {
      var node = el(id);
      if (node) { node.innerHTML = html[id]; }
    });
  }

  function recolour(loads) {
    var state = {};
    loads.forEach(function (b) { state[b.code] = b.state; });
    document.querySelectorAll("#map .bldg").forEach(function (g) {
      g.dataset.state = state[g.dataset.code] || "none";
    });
  }

  function draw(update) {
    panels(update.html || {});
    recolour(update.map || []);
    updates += 1;
    el("updates").textContent = updates;
    document.body.dataset.updates = String(updates);
  }

  var source = new EventSource("/centre/stream");
  source.addEventListener("snapshot", function (e) { draw(JSON.parse(e.data)); });
  source.onopen = function () { el("live").textContent = "已连接"; };
  source.onerror = function () { el("live").textContent = "重新连接中…"; };
})();
