// The command centre's live view: each server-sent snapshot redraws the
// numbers, bars, tables and the heat grid in place (no page reloads).
(function () {
  "use strict";
  var updates = 0;
  function el(id) { return document.getElementById(id); }
  function text(node, value) { node.textContent = value; }
  function pct(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%"; }
  function bars(container, items) {
    container.replaceChildren.apply(container, items.map(function (c) {
      var row = document.createElement("div"); row.className = "bar";
      var label = document.createElement("span"); label.className = "label"; label.textContent = c.label;
      var fill = document.createElement("span"); fill.className = "fill"; fill.style.width = (c.count * 6) + "px";
      var n = document.createElement("span"); n.textContent = c.count;
      row.append(label, fill, n); return row;
    }));
  }
  function heatColour(n) { return n === 0 ? "#eaeef2" : n === 1 ? "#ffd8d3" : n === 2 ? "#ff9b8f" : "#d1242f"; }
  function draw(s) {
    text(el("kpi-open"), s.open);
    text(el("kpi-overdue"), s.overdue_count);
    text(el("kpi-closure"), pct(s.rates.closure_rate));
    text(el("kpi-ontime"), pct(s.rates.on_time_rate));
    text(el("kpi-satisfaction"), pct(s.rates.satisfaction_rate));
    bars(el("by-status"), s.by_status);
    bars(el("by-category"), s.by_category);
    el("by-grid").replaceChildren.apply(el("by-grid"), s.by_grid.map(function (g) {
      var tr = document.createElement("tr");
      [g.name, g.open, g.overdue].forEach(function (v) { var td = document.createElement("td"); td.textContent = v; tr.append(td); });
      return tr;
    }));
    var list = el("overdue");
    list.replaceChildren.apply(list, s.overdue.map(function (o) {
      var li = document.createElement("li"); var a = document.createElement("a");
      a.href = "/app/cases/" + o.id; a.textContent = "#" + o.id; li.append(a, " " + o.category + " · " + o.address + " · " + o.assignee + " · 时限 " + o.due_at);
      return li;
    }));
    s.heat.forEach(function (c) {
      var cell = el("heat").querySelector('[data-code="' + c.code + '"]');
      if (cell) { cell.style.background = heatColour(c.open); cell.title = c.number + "栋：" + c.open; }
    });
    updates += 1; text(el("updates"), updates); document.body.dataset.updates = String(updates);
  }
  var source = new EventSource("/centre/stream");
  source.addEventListener("snapshot", function (e) { draw(JSON.parse(e.data)); });
  source.onopen = function () { text(el("live"), "已连接"); };
  source.onerror = function () { text(el("live"), "重新连接中…"); };
})();
