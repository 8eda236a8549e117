/* Student page, live: renders the same screens as the server (templates/join.html) from
   the session's public state, kept current over Server-Sent Events (polling when they
   fail). Text from the session goes in with textContent only, never as HTML. */
(function () {
  "use strict";
  var bootEl = document.getElementById("boot");
  if (!bootEl || !window.fetch || !document.body.replaceChildren) return; // the plain forms still work
  var B = JSON.parse(bootEl.textContent);
  var S = {state: B.state, mine: B.mine || {}, pending: {}, card: B.card, view: B.view, note: null,
           error: null, text: "", source: null, poller: null, retryAt: 1000};
  var main = document.getElementById("main");
  var RECEIVED = "Answer received - you can change it while voting is open.";
  var CATS = {healthy: 1, warning: 1, exploitative: 1, not_sure: 1};

  function h(tag, attrs) {
    var el = document.createElement(tag), k, i, kid;
    for (k in attrs || {}) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) continue;
      if (k === "on") { for (i in attrs.on) el.addEventListener(i, attrs.on[i]); }
      else if (k === "text") el.textContent = attrs[k];
      else el.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    }
    for (i = 2; i < arguments.length; i++) {
      kid = arguments[i];
      if (kid === null || kid === undefined || kid === false) continue;
      if (Array.isArray(kid)) kid.forEach(function (c) { if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
      else el.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
    }
    return el;
  }
  function cat(id) { return CATS[id] ? "cat-" + id : "cat-other"; }
  function width(f) { return "w" + Math.round(Math.max(0, Math.min(1, f)) * 20) * 5; }
  function url(extra) { return B.page + "?code=" + encodeURIComponent(B.code) + (extra || ""); }
  function labelOf(act, value) {
    if (!value) return "";
    var labels = {};
    act.options.forEach(function (o) { labels[o.id] = o.label; });
    return String(value).split(",").map(function (v) { return labels[v] || v; }).join(", ");
  }
  function actKey(state) { return state && state.activity ? state.activity.id + "@" + state.status : state ? state.status : ""; }
  function keyFor(act, item) { return act.kind === "sort" ? item : "_"; }
  function mineFor(key) {
    if (key !== "_") return S.mine[key];
    for (var k in S.mine) return S.mine[k];
    return undefined;
  }
  function chosenFor(key) { var p = S.pending[key]; return p ? p.value : mineFor(key); }
  function chosenSet(key) {
    var v = chosenFor(key);
    return v === undefined ? [] : Array.isArray(v) ? v : String(v).split(",");
  }

  function screenName() {
    var st = S.state;
    if (st.status === "ended") return "ended";
    if ((S.view === "ask" || S.view === "sent") && st.questions_box) return S.view;
    if (st.status === "lobby" || st.status === "summary") return st.status;
    if (st.activity.kind === "slide") return "slide";
    if (st.revealed) return "reveal";
    return st.activity.kind === "sort" ? "sort" : "vote";
  }

  /* -- screens ------------------------------------------------------------------ */
  function waiting(title, text) {
    return [h("p", {"class": "kicker", text: S.state.title}), h("h1", {text: title}), h("p", {"class": "lead wait", text: text})];
  }
  function statusLine(key) {
    var p = S.pending[key];
    if (p) return h("p", {"class": "status sending", role: "status", text: p.tries ? "Sending... (waiting for the connection)" : "Sending..."});
    return h("p", {"class": "status", role: "status", text: mineFor(key) !== undefined ? RECEIVED : ""});
  }
  function alertLine() { return S.note ? h("p", {"class": "alert", role: "alert", text: S.note}) : null; }

  function choices(act, item, scale) {
    var key = keyFor(act, item), chosen = chosenSet(key);
    return h("div", {"class": "choices" + (scale ? " scale" : "")}, act.options.map(function (o) {
      var on = chosen.indexOf(o.id) >= 0;
      return h("button", {type: "button", "class": "choice " + cat(o.id) + (on ? " chosen" : ""), "aria-pressed": on ? "true" : "false",
                          text: o.label, on: {click: function () { answer(act, item, o.id); }}});
    }));
  }

  function vote() {
    var st = S.state, act = st.activity, out = [h("p", {"class": "kicker", text: act.title}),
      h("h1", {"class": "prompt", text: act.text || act.title}), alertLine()];
    if (!st.voting_open) {
      var mine = mineFor("_");
      if (mine !== undefined) out.push(h("p", {"class": "lead"}, "Your answer: ", h("b", {text: labelOf(act, mine)})));
      out.push(h("p", {"class": "lead wait", text: "Voting is not open right now. Wait for the facilitator."}));
      return out;
    }
    if (act.type === "multiple") {
      var chosen = chosenSet("_");
      var boxes = act.options.map(function (o) {
        return h("label", {"class": "check"}, h("input", {type: "checkbox", name: "value", value: o.id, checked: chosen.indexOf(o.id) >= 0}), h("span", {text: o.label}));
      });
      var form = h("form", {"class": "answers", on: {submit: function (e) {
        e.preventDefault();
        var values = Array.prototype.map.call(form.querySelectorAll("input:checked"), function (i) { return i.value; });
        if (!values.length) { S.note = "Choose at least one, then send."; render(); return; }
        answer(act, null, values);
      }}}, h("fieldset", null, h("legend", {text: "Choose all that apply, then send"}), boxes), h("button", {"class": "primary", type: "submit", text: "Send"}));
      out.push(form);
    } else {
      if (act.type === "scale" && act.scale) {
        out.push(h("p", {"class": "scale-ends"}, h("span", {text: "1 = " + (act.scale.low || "lowest")}),
                   h("span", {text: act.options.length + " = " + (act.scale.high || "highest")})));
      }
      out.push(h("div", {"class": "answers"}, choices(act, null, act.type === "scale")));
    }
    out.push(statusLine("_"));
    return out;
  }

  function sortScreen() {
    var st = S.state, act = st.activity, cards = act.cards, out = [h("p", {"class": "kicker", text: act.title}), alertLine()];
    if (!st.voting_open) return out.concat([h("h1", {text: "Sorting is not open right now"}), h("p", {"class": "lead wait", text: "Wait for the facilitator."})]);
    var pos = S.card;
    if (pos === null || pos === undefined) {
      pos = "done";
      for (var i = 0; i < cards.length; i++) if (chosenFor(cards[i].id) === undefined) { pos = i; break; }
      S.card = pos;
    }
    if (pos === "done") {
      var n = cards.filter(function (c) { return chosenFor(c.id) !== undefined; }).length;
      return out.concat([h("h1", {text: "All sorted"}),
        h("p", {"class": "lead", text: "You sorted " + n + " of " + cards.length + " cards. You can change any of them while sorting is open."}),
        h("ol", {"class": "review"}, cards.map(function (c, j) {
          return h("li", null, h("a", {href: url("&card=" + (j + 1)), text: c.text, on: {click: go(j)}}), " ",
                   h("b", {text: labelOf(act, chosenFor(c.id)) || "Not sorted yet"}));
        }))]);
    }
    var card = cards[pos], last = pos + 1 >= cards.length;
    return out.concat([
      h("p", {"class": "progress-text", text: (pos + 1) + " of " + cards.length}),
      h("div", {"class": "progress", "aria-hidden": "true"}, h("span", {"class": "fill " + width((pos + 1) / cards.length)})),
      h("h1", {"class": "prompt", text: card.text}),
      h("div", {"class": "answers"}, choices(act, card.id, false)),
      statusLine(card.id),
      h("nav", {"class": "pager", "aria-label": "Cards"},
        pos > 0 ? h("a", {href: url("&card=" + pos), text: "Back", on: {click: go(pos - 1)}}) : h("span"),
        h("a", {href: url("&card=" + (last ? "done" : pos + 2)), text: last ? "Finish" : "Next", on: {click: go(last ? "done" : pos + 1)}}))]);
  }
  function go(pos) {
    return function (e) { e.preventDefault(); S.card = pos; S.note = null; render(true); };
  }

  function reveal() {
    var act = S.state.activity, r = act.reveal || {}, out = [h("p", {"class": "kicker", text: act.title})];
    if (act.kind === "sort") {
      var texts = {};
      act.cards.forEach(function (c) { texts[c.id] = c.text; });
      return out.concat([h("h1", {text: "The answers"}), h("ol", {"class": "review"}, (r.cards || []).map(function (c) {
        var mine = S.mine[c.id];
        return h("li", null, h("span", {text: texts[c.id] || ""}), " ", h("b", {"class": cat(c.expected), text: c.expected_label}),
                 mine ? h("span", {"class": "small", text: " You said: " + labelOf(act, mine)}) : null);
      }))]);
    }
    out.push(h("h1", {"class": "prompt", text: act.text || act.title}));
    if (r.expected_label) out.push(h("p", {"class": "expected " + cat(r.expected)}, "The answer: ", h("b", {text: r.expected_label})));
    if (r.answer_label) out.push(h("p", {"class": "expected"}, "The answer: ", h("b", {text: r.answer_label})));
    if (r.note) out.push(h("p", {text: r.note}));
    var mine = chosenSet("_");
    if (mine.length) out.push(h("p", null, "You said: ", h("b", {text: labelOf(act, mine.slice().sort().join(","))})));
    var results = S.state.results || {}, total = 0;
    act.options.forEach(function (o) { total += results[o.id] || 0; });
    out.push(h("h2", {text: "How the class answered"}), h("ul", {"class": "bars"}, act.options.map(function (o) {
      var n = results[o.id] || 0, share = total ? n / total : 0;
      return h("li", null, h("span", {"class": "bar-label", text: o.label + (mine.indexOf(o.id) >= 0 ? " (you)" : "")}),
               h("span", {"class": "bar-n", text: n + " \u00b7 " + Math.round(share * 100) + "%"}),
               h("span", {"class": "bar", "aria-hidden": "true"}, h("span", {"class": "fill " + width(share) + " " + cat(o.id)})));
    })));
    if (r.signs && r.signs.length) {
      out.push(h("h2", {text: "Warning signs"}), h("ul", {"class": "signs"}, r.signs.map(function (s) { return h("li", {text: s}); })));
    }
    return out;
  }

  function ask() {
    var area = h("textarea", {id: "question", name: "text", maxlength: "280", rows: "4", required: true});
    area.value = S.text;
    area.addEventListener("input", function () { S.text = area.value; });
    var button = h("button", {"class": "primary", type: "submit", text: "Send"});
    return [h("h1", {text: "Ask a question"}),
      h("p", {"class": "lead", text: "Only the facilitator sees it. Don't write your name or anyone else's."}),
      S.error ? h("p", {"class": "alert", role: "alert", text: S.error}) : null,
      h("form", {"class": "stack", on: {submit: function (e) { e.preventDefault(); button.disabled = true; sendQuestion(area.value); }}},
        h("label", {"for": "question", text: "Your question (up to 280 characters)"}), area, button),
      h("p", null, h("a", {href: url(), text: "Back to the workshop", on: {click: view(null)}}))];
  }
  function sent() {
    return [h("h1", {text: "Sent"}),
      h("p", {"class": "lead sent", text: "Sent - only the facilitator sees it; it is anonymous, so if you need help talk to a trusted adult or call one of the numbers below."}),
      h("p", null, h("a", {href: url(), text: "Back to the workshop", on: {click: view(null)}}))];
  }
  function view(name) {
    return function (e) { if (e) e.preventDefault(); S.view = name; S.error = null; render(true); };
  }

  function renderHelp() {
    var help = S.state.help || B.help, aside = document.querySelector("aside.help");
    if (!help || !aside) return;
    var sig = JSON.stringify(help) + S.view;
    if (aside.getAttribute("data-sig") === sig) return;
    var intro = help.intro || "";
    if (intro.toLowerCase().indexOf("anonymous") < 0) intro = B.anonymity + (intro ? " " + intro : "");
    aside.className = "help" + (screenName() === "sent" ? " strong" : "");
    aside.replaceChildren(h("h2", {id: "help-h", text: "Need help?"}), h("p", {text: intro}),
      h("ul", null, (help.resources || []).map(function (r) {
        return h("li", null,
          r.phone ? h("a", {href: "tel:" + r.phone.replace(/[^0-9+]/g, "")}, h("b", {text: r.name}), " " + r.phone) : h("b", {text: r.name}),
          r.detail ? h("span", {text: r.detail}) : null, r.text ? h("span", {text: r.text}) : null);
      })));
    aside.setAttribute("data-sig", sig);
  }

  function render(moved) {
    var name = screenName(), body;
    if (name === "lobby") body = waiting("You're in", "Waiting for the workshop to start. Keep this page open.");
    else if (name === "summary") body = waiting("That's the last activity", "Thanks for your answers. Look at the screen at the front.");
    else if (name === "ended") body = [h("p", {"class": "kicker", text: S.state.title}), h("h1", {text: "Thank you for taking part"}),
      h("p", {"class": "lead", text: "The workshop has ended. Your answers stay anonymous. You can close this page."})];
    else if (name === "slide") body = [h("p", {"class": "kicker", text: S.state.title}), h("h1", {text: S.state.activity.title}),
      h("div", {"class": "slide"}, (S.state.activity.body || "").split("\n").filter(function (p) { return p.trim(); }).map(function (p) { return h("p", {text: p.trim()}); })),
      h("p", {"class": "small wait", text: "Listen to the facilitator. Questions will appear here."})];
    else if (name === "vote") body = vote();
    else if (name === "sort") body = sortScreen();
    else if (name === "reveal") body = reveal();
    else if (name === "ask") body = ask();
    else body = sent();
    if (S.state.questions_box && ["ended", "ask", "sent"].indexOf(name) < 0) {
      body.push(h("p", {"class": "ask-link"}, h("a", {href: url("&view=ask"), text: "Ask a question anonymously", on: {click: view("ask")}})));
    }
    var focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : null;
    main.setAttribute("data-screen", name);
    main.replaceChildren.apply(main, body.filter(Boolean));
    renderHelp();
    if (moved) { window.scrollTo(0, 0); main.focus({preventScroll: true}); }
    else if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    if (name === "ask") { var q = document.getElementById("question"); if (q && moved) q.focus(); }
    var extra = name === "ask" || name === "sent" ? "&view=" + name : S.card !== null && S.card !== undefined && name === "sort" ? "&card=" + (S.card === "done" ? "done" : S.card + 1) : "";
    try { history.replaceState(null, "", url(extra)); } catch (e) { /* a sandboxed frame: the URL only helps a reload */ }
  }

  /* -- talking to the server ------------------------------------------------------ */
  function post(path, body) {
    return fetch(B.api + path, {method: "POST", credentials: "same-origin", cache: "no-store",
      headers: {"Content-Type": "application/json", "X-XSRFToken": B.xsrf}, body: JSON.stringify(body)});
  }
  function message(res, fallback) {
    return res.json().then(function (b) { return (b && b.error && b.error.message) || fallback; }, function () { return fallback; });
  }

  function answer(act, item, value) {
    var key = keyFor(act, item), p = {activity: act.id, item: item, value: value, tries: 0};
    S.pending[key] = p;
    S.note = null;
    if (act.kind === "sort") {
      var pos = S.card === "done" ? act.cards.length : S.card;
      S.card = pos + 1 < act.cards.length ? pos + 1 : "done";
      render(true);
    } else render();
    send(key, p);
  }
  function send(key, p) {
    if (S.pending[key] !== p) return;
    var body = {activity: p.activity, value: p.value};
    if (p.item) body.item = p.item;
    post("sessions/" + encodeURIComponent(B.code) + "/responses", body).then(function (res) {
      if (S.pending[key] !== p) return;
      if (res.status === 200 || res.status === 201) {
        delete S.pending[key];
        if (key === "_") S.mine = {};
        S.mine[key] = Array.isArray(p.value) ? p.value.join(",") : String(p.value);
        render();
      } else if (res.status === 429 || res.status >= 500) retry(key, p);
      else {
        delete S.pending[key];
        message(res, "Your answer was not counted.").then(function (m) { S.note = m; render(); });
      }
    }, function () { retry(key, p); });
  }
  function retry(key, p) {
    p.tries += 1;
    render();
    setTimeout(function () { send(key, p); }, Math.min(8000, 400 * Math.pow(2, p.tries)) + Math.random() * 300);
  }
  function resendAll() { for (var k in S.pending) send(k, S.pending[k]); }

  function sendQuestion(text) {
    post("sessions/" + encodeURIComponent(B.code) + "/questions", {text: text}).then(function (res) {
      if (res.status === 201) { S.text = ""; S.view = "sent"; S.error = null; render(true); return; }
      message(res, "The question was not sent.").then(function (m) { S.error = m; render(); });
    }, function () { S.error = "No connection: the question was not sent yet. Try again in a moment."; render(); });
  }

  function apply(state, mine) {
    var old = S.state, moved = actKey(old) !== actKey(state), before = JSON.stringify(S.mine);
    if (!moved && state.version < old.version) return;
    S.state = state;
    if (mine) S.mine = mine;
    else if (moved) { S.mine = {}; refresh(); }
    if (moved) {
      S.card = null; S.note = null;
      for (var k in S.pending) if (S.pending[k].activity !== (state.activity && state.activity.id)) delete S.pending[k];
    }
    if (!moved && state.version === old.version && (!mine || JSON.stringify(mine) === before)) return;
    render(moved);
    if (state.status === "ended") stop();
  }

  function refresh() {
    return fetch(B.api + "sessions/" + encodeURIComponent(B.code), {credentials: "same-origin", cache: "no-store"})
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) { if (data) { var mine = data.mine; delete data.mine; apply(data, mine || {}); } }, function () {});
  }
  function startPolling() {
    if (!S.poller && S.state.status !== "ended") S.poller = setInterval(refresh, 3000);
  }
  function stopPolling() { if (S.poller) { clearInterval(S.poller); S.poller = null; } }
  function connect() {
    if (S.state.status === "ended") return;
    if (!window.EventSource) { startPolling(); return; }
    var es = new EventSource(B.api + "sessions/" + encodeURIComponent(B.code) + "/events");
    S.source = es;
    es.onmessage = function (e) { S.retryAt = 1000; stopPolling(); apply(JSON.parse(e.data)); };
    es.onerror = function () {
      startPolling();
      if (es.readyState === 2) {   // the browser gave up: try again ourselves, more slowly each time
        S.source = null;
        setTimeout(connect, S.retryAt);
        S.retryAt = Math.min(30000, S.retryAt * 2);
      }
    };
  }
  function stop() {
    stopPolling();
    if (S.source) { S.source.close(); S.source = null; }
  }

  window.addEventListener("online", function () {
    resendAll(); refresh();
    if (!S.source || S.source.readyState === 2) { S.retryAt = 1000; connect(); }
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); resendAll(); } });

  render(false);
  connect();
})();
