// councilplan portal: draws the Plotly figures whose JSON a page carries in
// <script type="application/json"> blocks (data, never executed), so that no script is inline (CSP).
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Plotly === "undefined") { return; }  // the tables beside each chart still say it all
  for (const el of document.querySelectorAll("[data-figure]")) {
    const source = document.getElementById(el.dataset.figure);
    if (!source) { continue; }
    const fig = JSON.parse(source.textContent);
    Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false, displayModeBar: false }).then(() => {
      el.dataset.drawn = "true";
    });
  }
});
