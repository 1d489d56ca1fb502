// councilplan portal: draws the Plotly figures whose JSON a page carries in
// <script type="application/json"> blocks (data, never executed), so that no script is inline (CSP).
// Plotly (4.6 MB, from the installed package) is loaded only on pages with a figure, after the page
// is interactive: its tables, forms and links never wait for it.
const plotlySrc = document.currentScript.src.replace(/\/static\/charts\.js.*$/, "/vendor/plotly.min.js");

function draw() {
  for (const el of document.querySelectorAll("[data-figure]")) {
    const source = document.getElementById(el.dataset.figure);
    if (!source) { continue; }
    const fig = JSON.parse(source.textContent);
    Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false, displayModeBar: false })
      .then(() => { el.dataset.drawn = "true"; });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  if (!document.querySelector("[data-figure]")) { return; }
  if (typeof Plotly !== "undefined") { draw(); return; }
  const s = document.createElement("script");
  s.src = plotlySrc;
  s.async = true;
  s.addEventListener("load", draw);  // without it, the tables beside each chart still say it all
  document.head.appendChild(s);
});
