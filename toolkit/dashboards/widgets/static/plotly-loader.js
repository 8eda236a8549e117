// plotly.js (4.6 MB) is not in this widget's state: the page would receive, parse and run it
// with every other widget before drawing anything. Once the page has drawn its first screen
// (two animation frames), this asks the kernel for it; it arrives as one binary message and
// runs as a plain script, which sets window.Plotly for every chart (chart.js waits for it).
function render({ model, el }) {
  el.style.display = "none";
  if (globalThis.Plotly || globalThis.tkPlotlyAsked) return;
  globalThis.tkPlotlyAsked = true;
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || msg.event !== "plotly" || !buffers || !buffers.length || globalThis.Plotly) return;
    const url = URL.createObjectURL(new Blob([buffers[0]], { type: "text/javascript" }));
    const script = document.createElement("script");
    script.src = url;
    script.onload = script.onerror = () => URL.revokeObjectURL(url);
    document.head.appendChild(script);
  });
  requestAnimationFrame(() => requestAnimationFrame(() => model.send({ event: "plotly" })));
}
export default { render };
