// The opening of a staff page, timed inside it (milliseconds from the navigation's start):
// read back by console_open.py as window.tkMarks once the page is ready.
(() => {
  const marks = {};
  const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
  window.tkMarks = marks;
  const Native = window.WebSocket;
  // The kernel's channel: when it opens, and when the widgets' state arrives on it.
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    if (String(args[0]).includes("/channels")) {
      socket.addEventListener("open", () => mark("kernel connected"));
      socket.addEventListener("message", (event) => {
        if ("widget state received" in marks) return;
        const head = typeof event.data === "string" ? event.data.slice(0, 3000)
          : new TextDecoder().decode(new Uint8Array(event.data, 0, Math.min(3000, event.data.byteLength)));
        if (head.includes("update_states")) {
          mark("widget state received");
          marks.stateBytes = typeof event.data === "string" ? event.data.length : event.data.byteLength;
        }
      });
    }
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  // Ready: the console's "Start session" button, the trends page's sessions tile (as in
  // console_open.py's PAGES), drawn with a size.
  const ready = location.pathname.endsWith("facilitator.ipynb")
    ? () => [...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Start session")
    : () => document.querySelector(".tk-tile-sessions .tk-number");
  addEventListener("DOMContentLoaded", () => {
    const look = () => {
      if (document.querySelector(".jupyter-widgets")) mark("first widget drawn");
      const target = ready();
      const box = target && target.getBoundingClientRect();
      if (box && box.width > 0 && box.height > 0 && !("ready" in marks)) {
        mark("ready");
        observer.disconnect();
        // The frame after: when the screen showing it has been painted.
        requestAnimationFrame(() => setTimeout(() => mark("painted"), 0));
      }
    };
    const observer = new MutationObserver(look);
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
    look();
  });
  addEventListener("load", () => {
    mark("page loaded");
    marks.html = performance.getEntriesByType("navigation")[0].responseEnd;
  });
})();
