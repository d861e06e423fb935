// At a phone's width a table's rows stack and its header row is hidden
// (console.css): each cell is given its column's heading to show.
(function () {
  document.querySelectorAll("table.list").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (td.tagName === "TD" && heads[i] && !td.hasAttribute("colspan")) td.setAttribute("data-label", heads[i]);
      });
    });
  });
})();
