// The report page's live status: polls the page's JSON (data-status-url of #deliveries) and
// updates each recipient's state, delivery and acknowledgement times. When recipients are added
// (an escalation), a notice arrives or the acknowledge button should appear or go, the page is
// reloaded. Without JavaScript the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  var table = document.getElementById("deliveries");
  var messages = document.getElementById("notify-messages");
  if (!table || !messages) { return; }
  var text = JSON.parse(messages.textContent);
  var url = table.getAttribute("data-status-url");
  var every = 1000 * Number(table.getAttribute("data-poll-s") || 5);
  var ackForm = document.getElementById("ack-form");
  var notices = document.querySelectorAll("#notices li").length;

  function when(t) { return t ? t.slice(0, 19).replace("T", " ") : text.none; }

  function setCell(row, cls, value) {
    var cell = row.querySelector("." + cls);
    if (cell && cell.textContent !== value) { cell.textContent = value; }
  }

  function apply(status) {
    var rows = table.querySelectorAll("tr[data-delivery]");
    var shown = Array.prototype.map.call(rows, function (r) { return r.getAttribute("data-delivery"); });
    var ids = status.deliveries.map(function (d) { return String(d.id); });
    if (shown.join(",") !== ids.join(",") || Boolean(ackForm) !== status.may_acknowledge ||
        status.notices.length !== notices) {
      window.location.reload();
      return;
    }
    status.deliveries.forEach(function (d) {
      var row = table.querySelector('tr[data-delivery="' + d.id + '"]');
      var cell = row.querySelector(".d-state");
      if (cell.getAttribute("data-state") !== d.state) {
        cell.setAttribute("data-state", d.state);
        cell.className = "d-state state-" + d.state;
        cell.textContent = text.states[d.state] || d.state;
      }
      setCell(row, "d-attempts", String(d.attempts));
      setCell(row, "d-delivered", when(d.delivered_at));
      setCell(row, "d-acknowledged", when(d.acknowledged_at));
    });
    var state = document.getElementById("report-state");
    if (state && state.getAttribute("data-state") !== status.state) {
      state.setAttribute("data-state", status.state);
      state.textContent = text.report_states[status.state] || status.state;
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) { if (status) { apply(status); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
}());
