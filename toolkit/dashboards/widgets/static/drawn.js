// Two animation frames after this widget is drawn, the screen it came with has been painted:
// say so to the kernel, which can then send what the page needs next.
function render({ model, el }) {
  el.style.display = "none";
  requestAnimationFrame(() => requestAnimationFrame(() => model.send({ event: "drawn" })));
}
export default { render };
