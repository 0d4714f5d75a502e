// Draws every chart of the page with the bundled Vega-Embed. Each chart's Vega-Lite spec
// (data inlined) sits in a <script type="application/json"> next to its container; no
// request leaves the page. A chart that fails says so in place and on the console.
(function () {
  "use strict";
  var containers = document.querySelectorAll("[data-chart]");
  Array.prototype.forEach.call(containers, function (container) {
    var key = container.getAttribute("data-chart");
    var spec;
    try {
      spec = JSON.parse(document.getElementById("spec-" + key).textContent);
    } catch (error) {
      container.setAttribute("data-rendered", "error");
      console.error("chart " + key + ": unreadable spec: " + error);
      return;
    }
    vegaEmbed(container, spec, { renderer: "svg", actions: false })
      .then(function () { container.setAttribute("data-rendered", "true"); })
      .catch(function (error) {
        container.setAttribute("data-rendered", "error");
        container.textContent = String(error);
        console.error("chart " + key + ": " + error);
      });
  });
})();
