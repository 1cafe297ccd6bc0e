/* Charts of the region's dashboard (Chart.js, served from our own static files).
 * Each <canvas data-chart="ID"> draws the JSON in <script id="ID" type="application/json">,
 * written by the page with json_script: no inline script, as the Content-Security-Policy asks.
 * Hidden cells ("<5") come as null and are left out of the chart; the table shows them. */
(function () {
  "use strict";

  var COLOURS = ["#0b4f8a", "#b35c00", "#1f6b2a", "#8a1f5c", "#5a3fa0", "#00707a", "#4a4a4a"];
  var NORM = "#a4161a";

  function datasets(data) {
    var sets = data.datasets.map(function (d, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: d.label,
        data: d.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: 2,
        pointRadius: 3,
        spanGaps: false
      };
    });
    data.lines.forEach(function (line) {
      sets.push({
        type: "line",
        label: line.label,
        data: data.labels.map(function () { return line.value; }),
        borderColor: NORM,
        backgroundColor: NORM,
        borderDash: [6, 4],
        borderWidth: 2,
        pointRadius: 0,
        stack: "norm"
      });
    });
    return sets;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: data.type,
      data: { labels: data.labels, datasets: datasets(data) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: data.stacked },
          y: {
            stacked: data.stacked,
            beginAtZero: true,
            title: { display: Boolean(data.unit), text: data.unit }
          }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  });
})();
