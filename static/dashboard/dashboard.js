/* Charts of the region's dashboard (Chart.js, served from our own static files).
 * Each <canvas data-chart="ID"> draws the JSON in <script id="ID" type="application/json">,
 * written by the page with json_script: no inline script, as the Content-Security-Policy asks.
 * Hidden cells ("<5") come as null and are left out of the chart; the table shows them.
 * Norm lines come with their own colour and dash (each differs from the others in both) and
 * are labelled at their right end on the chart, besides the legend and the list under it. */
(function () {
  "use strict";

  var COLOURS = ["#0b4f8a", "#b35c00", "#1f6b2a", "#8a1f5c", "#5a3fa0", "#00707a", "#4a4a4a"];
  var NORM = "#a4161a";

  // Writes each norm line's label just above its right end.
  var normLabels = {
    id: "normLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (set, i) {
        if (!set.normLabel) {
          return;
        }
        var points = chart.getDatasetMeta(i).data;
        if (!points.length) {
          return;
        }
        var last = points[points.length - 1];
        ctx.save();
        ctx.font = "600 12px sans-serif";
        ctx.fillStyle = set.borderColor;
        ctx.textAlign = "right";
        ctx.textBaseline = "bottom";
        ctx.fillText(set.normLabel, chart.chartArea.right - 4, last.y - 3);
        ctx.restore();
      });
    }
  };

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
        normLabel: line.label,
        borderColor: line.colour || NORM,
        backgroundColor: line.colour || NORM,
        borderDash: line.dash || [6, 4],
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
      plugins: [normLabels],
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
