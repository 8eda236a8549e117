function plotlyReady() {
  return new Promise((resolve) => {
    const look = () => (globalThis.Plotly ? resolve(globalThis.Plotly) : setTimeout(look, 30));
    look();
  });
}
async function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "tk-chart";
  el.appendChild(box);
  const Plotly = await plotlyReady();
  const draw = () => {
    const figure = JSON.parse(model.get("spec") || "{}");
    Plotly.react(box, figure.data || [], figure.layout || {}, { displayModeBar: false, responsive: true });
    box.dataset.version = String(model.get("version"));
  };
  draw();
  model.on("change:spec", draw);
  return () => Plotly.purge(box);
}
export default { render };
