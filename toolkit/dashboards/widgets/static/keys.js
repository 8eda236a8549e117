function render({ model, el }) {
  const onKey = (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target;
    const tag = target && target.tagName;
    // Typing a group label or a plan must not drive the session.
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (!model.get("watched").includes(key)) return;
    event.preventDefault();
    model.send({ key });
  };
  document.addEventListener("keydown", onKey);
  el.style.display = "none";
  // The page says when its keys work: a key pressed before this widget is drawn goes nowhere.
  const root = document.documentElement;
  root.dataset.tkKeys = String(Number(root.dataset.tkKeys || 0) + 1);
  return () => {
    document.removeEventListener("keydown", onKey);
    const left = Number(root.dataset.tkKeys || 1) - 1;
    if (left > 0) root.dataset.tkKeys = String(left);
    else delete root.dataset.tkKeys;
  };
}
export default { render };
