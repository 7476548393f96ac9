/* fupin's page behaviour, in one static file: the Content-Security-Policy allows no inline
   script or handler, so pages declare what they need with data attributes. */
(function () {
  "use strict";

  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });

  // <select data-autosubmit>: submit its form when changed.
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // <form data-confirm="…">: ask before sending.
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // <form data-pick-into="ID">: the ticked .pick boxes' values, comma-joined, into #ID.
    var into = form.getAttribute("data-pick-into");
    if (into) {
      var ids = Array.prototype.map.call(document.querySelectorAll(".pick:checked"), function (c) { return c.value; });
      document.getElementById(into).value = ids.join(",");
    }
  });

  function barCharts() {
    // <div data-bar-chart="DATA-ID">: a bar chart of the [{name, value}] in #DATA-ID.
    document.querySelectorAll("[data-bar-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-bar-chart"));
      if (!source || !window.echarts) { return; }
      var data = JSON.parse(source.textContent);
      window.echarts.init(el).setOption({
        grid: {left: 40, right: 10, top: 20, bottom: 30},
        tooltip: {},
        xAxis: {type: "category", data: data.map(function (d) { return d.name; })},
        yAxis: {type: "value", minInterval: 1},
        series: [{type: "bar", data: data.map(function (d) { return d.value; }), itemStyle: {color: "#b3261e"}}]
      });
    });
  }

  function locateButton() {
    // The visit form's "record my position" button, shown only where the phone can.
    var button = document.getElementById("locate");
    var status = document.getElementById("location-status");
    if (!button || !status || !navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = status.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById("id_latitude").value = p.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = p.coords.longitude.toFixed(6);
        status.textContent = status.getAttribute("data-located") + " " + p.coords.latitude.toFixed(4) + ", " + p.coords.longitude.toFixed(4);
      }, function () { status.textContent = status.getAttribute("data-failed"); },
      {enableHighAccuracy: true, timeout: 15000});
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    barCharts();
    locateButton();
  });
})();
