"""Page-side helpers as anywidgets: key presses, file downloads and the address bar.

Voilà renders widget HTML without running its ``<script>`` tags, so whatever must run in
the page is an anywidget: its small ES module ships inside the widget itself, so the page
needs no extra JupyterLab extension and fetches nothing from outside the server.
"""

from __future__ import annotations

from typing import Callable

import anywidget
import traitlets

_KEYS_JS = """
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
  return () => document.removeEventListener("keydown", onKey);
}
export default { render };
"""


class KeyPresses(anywidget.AnyWidget):
    """Reports presses of the listed keys anywhere on the page (not while typing in a field).

    Letters arrive lower-case; other keys by their ``KeyboardEvent.key`` name ("ArrowRight").
    """

    _esm = _KEYS_JS
    # Not "keys": ipywidgets uses that name for the list of synced traits.
    watched = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(self, keys, on_key: Callable[[str], None]):
        super().__init__(watched=list(keys))
        self._on_key = on_key
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        key = content.get("key") if isinstance(content, dict) else None
        if key in self.watched:
            self._on_key(key)


_DOWNLOAD_JS = """
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
"""


class Download(anywidget.AnyWidget):
    """A button that saves a file made in the kernel when clicked.

    ``make()`` returns ``(filename, mime type, bytes)``; it runs only on a click, so a
    large report is not held in the page until it is wanted.
    """

    _esm = _DOWNLOAD_JS
    label = traitlets.Unicode().tag(sync=True)
    # Not "tooltip": the page fails to draw an anywidget that redefines that DOMWidget trait.
    hint = traitlets.Unicode().tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, label: str, make: Callable[[], tuple[str, str, bytes]], hint: str = "",
                 on_error: Callable[[Exception], None] | None = None):
        super().__init__(label=label, hint=hint)
        self.make = make
        self._on_error = on_error
        self.on_msg(self._message)

    def _message(self, _widget, content, _buffers) -> None:
        if not (isinstance(content, dict) and content.get("event") == "download") or self.disabled:
            return
        try:
            filename, mime, body = self.make()
        except Exception as exc:  # shown to the facilitator rather than lost in the kernel log
            if self._on_error is None:
                raise
            self._on_error(exc)
            return
        self.send({"filename": filename, "mime": mime}, buffers=[body])


_ADDRESS_JS = """
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
"""


class AddressParam(anywidget.AnyWidget):
    """Keeps one query parameter of the page's address in step with ``value`` (without
    reloading), so a browser refresh reopens what was on screen."""

    _esm = _ADDRESS_JS
    param = traitlets.Unicode().tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)


_FIT_JS = """
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
"""


class ChartFitter(anywidget.AnyWidget):
    """Keeps plotly charts fitted to their boxes (those matching ``selector``) whenever a box
    appears, disappears or changes size: after a reveal, in presentation mode, on load."""

    _esm = _FIT_JS
    selector = traitlets.Unicode(".tk-chart, #rendered_cells").tag(sync=True)
