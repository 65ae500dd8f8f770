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

  // Filtering the map's tiles by name or code.
  document.querySelectorAll("[data-tile-filter]").forEach(function (input) {
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      document.querySelectorAll(".tiles .tile").forEach(function (tile) {
        var hay = (tile.getAttribute("data-name") || "") + " " + (tile.getAttribute("data-code") || "").toLowerCase();
        tile.hidden = needle !== "" && hay.indexOf(needle) === -1;
      });
    });
  });

  // "Published" items have no ECCN: disable the field while it is checked.
  var published = document.getElementById("published");
  var eccn = document.getElementById("eccn");
  if (published && eccn) {
    var sync = function () { eccn.disabled = published.checked; };
    published.addEventListener("change", sync);
    sync();
  }
})();
