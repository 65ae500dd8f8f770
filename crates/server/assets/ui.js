// ace web UI: small enhancements only; every page works without this script.
(function () {
  "use strict";

  // Print buttons (the memo).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Forms that refresh as soon as a choice changes (the map).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target && event.target.matches("select, input[type=radio], input[type=date]")) {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });

  // Filtering the map's table of destinations by name or code.
  document.querySelectorAll("[data-tile-filter]").forEach(function (input) {
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      document.querySelectorAll(".destinations .tile").forEach(function (row) {
        var hay = (row.getAttribute("data-name") || "") + " " + (row.getAttribute("data-code") || "").toLowerCase();
        row.hidden = needle !== "" && hay.indexOf(needle) === -1;
      });
    });
  });

  // The map: a country that takes the focus (or the pointer) shows its outcome and why in
  // the panel under the map, copied from its row of the table.
  var panel = document.querySelector("[data-map-focus]");
  if (panel) {
    var show = function (link) {
      var row = document.getElementById("dest-" + link.getAttribute("data-code"));
      if (!row) return;
      var name = row.querySelector("th");
      var pill = row.querySelector(".pill");
      var why = row.querySelector("td.reason");
      var decide = row.querySelector("td:last-child a");
      var heading = document.createElement("p");
      heading.className = "focus-name";
      heading.textContent = name ? name.textContent : link.getAttribute("data-code");
      var outcome = document.createElement("p");
      outcome.className = "focus-outcome";
      if (pill) outcome.appendChild(pill.cloneNode(true));
      var reason = document.createElement("p");
      reason.className = "focus-reason";
      var label = document.createElement("span");
      label.className = "k";
      label.textContent = "Why: ";
      reason.appendChild(label);
      if (why) Array.prototype.forEach.call(why.childNodes, function (n) { reason.appendChild(n.cloneNode(true)); });
      panel.replaceChildren(heading, outcome, reason);
      if (decide) {
        var more = document.createElement("p");
        more.appendChild(decide.cloneNode(true));
        panel.appendChild(more);
      }
      panel.setAttribute("data-code", link.getAttribute("data-code"));
    };
    document.querySelectorAll("svg.world a.country").forEach(function (link) {
      link.addEventListener("focus", function () { show(link); });
      link.addEventListener("mouseenter", function () { show(link); });
    });
  }

  // "Published" items have no ECCN: disable the field while it is checked.
  var published = document.getElementById("published");
  var eccn = document.getElementById("eccn");
  if (published && eccn) {
    var sync = function () { eccn.disabled = published.checked; };
    published.addEventListener("change", sync);
    sync();
  }
})();
