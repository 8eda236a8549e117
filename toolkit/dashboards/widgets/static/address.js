function render({ model, el }) {
  const sync = () => {
    const url = new URL(window.location.href);
    const name = model.get("param");
    const value = model.get("value");
    if (value) url.searchParams.set(name, value); else url.searchParams.delete(name);
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url.href);
  };
  sync();
  model.on("change:value", sync);
  el.style.display = "none";
}
export default { render };
