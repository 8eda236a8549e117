function render({ model, el }) {
  el.style.display = "none";
  // Plotly sizes a chart when it draws it, and Voila draws widgets into a hidden page; a
  // window resize event makes every visible chart measure its box again.
  let pending = false;
  const resize = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; window.dispatchEvent(new Event("resize")); });
  };
  const sizes = new ResizeObserver(resize);
  const watched = new WeakSet();
  let scanning = false;
  const watch = () => {
    if (scanning) return;
    scanning = true;
    requestAnimationFrame(() => {
      scanning = false;
      for (const box of document.querySelectorAll(model.get("selector"))) {
        if (!watched.has(box)) { watched.add(box); sizes.observe(box); }
      }
    });
  };
  // Boxes appear later too (the summary's charts), so look again when the page changes.
  const added = new MutationObserver(watch);
  added.observe(document.body, { childList: true, subtree: true });
  watch();
  return () => { sizes.disconnect(); added.disconnect(); };
}
export default { render };
