function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-button widget-button tk-download";
  const sync = () => {
    button.textContent = model.get("label");
    button.disabled = model.get("disabled");
    button.title = model.get("hint");
  };
  sync();
  model.on("change:label change:disabled change:hint", sync);
  button.addEventListener("click", () => model.send({ event: "download" }));
  model.on("msg:custom", (msg, buffers) => {
    if (!buffers || !buffers.length) return;
    const blob = new Blob([buffers[0]], { type: msg.mime });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = msg.filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  });
  el.appendChild(button);
}
export default { render };
