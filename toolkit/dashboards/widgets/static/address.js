function render({ model, el }) {
  const sync = () => {
    const url = new URL(window.location.href);
    const name = model.get("param");
    const value = model.get("value");
    if (value) url.searchParams.set(name, value); else url.searchParams.delete(name);
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url.href);
  };
  // A warm kernel ran its notebook before this page asked for it, so it cannot know the
  // address: say what it holds before changing it to match the kernel.
  model.send({ event: "opened", query: window.location.search });
  if (model.get("value")) sync();
  model.on("change:value", sync);
  el.style.display = "none";
}
export default { render };
