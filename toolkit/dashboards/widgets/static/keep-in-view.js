// Keeps the element matching the selector scrolled into view inside its scrolling list
// whenever the page changes (the current activity of a long plan), without moving the page.
function render({ model, el }) {
  el.style.display = "none";
  let last = null;
  const follow = () => {
    const target = document.querySelector(model.get("selector"));
    if (!target || target === last && target.dataset.tkSeen === "1") return;
    last = target;
    target.dataset.tkSeen = "1";
    const list = target.parentElement;
    if (!list) return;
    const box = list.getBoundingClientRect(), at = target.getBoundingClientRect();
    if (at.top < box.top || at.bottom > box.bottom) {
      list.scrollTop = Math.max(0, list.scrollTop + (at.top - box.top) - list.clientHeight / 3);
    }
  };
  const observer = new MutationObserver(() => requestAnimationFrame(follow));
  observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["class"], childList: true });
  follow();
  return () => observer.disconnect();
}
export default { render };
