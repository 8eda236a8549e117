/* Student page, live: renders the same screens as the server (templates/join.html) from
   the session's public state, kept current over Server-Sent Events (polling when they
   fail). Text from the session goes in with textContent only, never as HTML.

   Honest on a bad connection: a tap stays "pending" (dashed) until the server has it, is
   numbered so the last tap wins, is tried again while voting is open, and a failure is
   said on whatever screen is showing. The stream's pings show it is alive: silent for
   DEAD ms, the page says the connection is lost, holds answers back and catches up. */
(function () {
  "use strict";
  // The lobby's QR code (?code=…&join=1) joins at once, as if "Join" were tapped. Only a
  // browser running this script does it, so a link preview never takes a place in the class.
  var autoJoin = document.querySelector("form[data-auto-join]");
  if (autoJoin) { autoJoin.submit(); return; }
  var bootEl = document.getElementById("boot");
  if (!bootEl || !window.fetch || !document.body.replaceChildren) return; // the plain forms still work
  var B = JSON.parse(bootEl.textContent);
  var S = {state: B.state, mine: B.mine || {}, pending: {}, unsure: [], missed: 0, card: B.card, view: B.view,
           note: B.notice || null, error: null, text: "", draft: null, source: null, poller: null,
           retryAt: 1000, seq: 0, ok: true, dog: 0};
  var main = document.getElementById("main"), live = document.getElementById("live"), bar = document.getElementById("conn");
  var DEAD = (B.ping || 3) * 2000 + 2000; // two pings missed, and a little
  var CATS = {healthy: 1, warning: 1, exploitative: 1, not_sure: 1};
  /* The words a student reads: the same sentences as toolkit/server/screens.py. */
  var W = {
    received: "Answer received. You can change it until voting closes.",
    sending: "Sending your answer\u2026",
    offline: "Not sent yet: there's no connection. Trying again\u2026",
    busy: "Not sent yet: the workshop is very busy. Trying again\u2026",
    limited: "Not sent yet: too many taps at once. Trying again in a moment\u2026",
    closed: "Your answer was not saved: voting had closed.",
    missed: "Your answer to the last question was not saved: voting closed before it could be sent.",
    late: "Your answer to the last question was saved in time.",
    invalid: "That answer couldn't be used. Please choose again.",
    reload: "Something went wrong. Reload the page and try again.",
    gone: "That code doesn't match a workshop. Check it against the code on the screen: 7 letters and numbers.",
    lost: "Connection lost. Reconnecting\u2026",
    back: "Connected again.",
    pick: "Tick at least one, then press Send.",
    box: "The questions box is closed right now.",
    empty: "Write your question first.",
    long: "Your question is too long. Make it shorter, then press Send.",
    many: "You've sent lots of questions. Wait a minute before sending another.",
    devices: "Too many phones have joined from this network. If you changed browser, go back to the one you joined with.",
    error: "Something went wrong. Wait a moment and try again.",
    qoff: "There's no connection, so your question wasn't sent. Try again in a moment."
  };
  var TITLES = {lobby: "You're in", slide: "Slide", vote: "Question", sort: "Sort the cards", reveal: "Answers",
                summary: "All done", ended: "Workshop ended", ask: "Ask a question", sent: "Question sent"};

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
  function byId(id) { return document.getElementById(id); }
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
  /* Live region: one element for the page's life; words said together are joined, and it
     is emptied first so the same words are said again. */
  var queued = "", sayTimer;
  function say(text) {
    queued = queued ? queued + " " + text : text;
    live.textContent = "";
    clearTimeout(sayTimer);
    sayTimer = setTimeout(function () { live.textContent = queued; queued = ""; }, 100);
  }

  function screenName(st) {
    if (st.status === "ended") return "ended";
    if ((S.view === "ask" || S.view === "sent") && st.questions_box) return S.view;
    if (st.status === "lobby" || st.status === "summary") return st.status;
    if (st.activity.kind === "slide") return "slide";
    if (st.revealed) return "reveal";
    return st.activity.kind === "sort" ? "sort" : "vote";
  }
  /* What changed, in a few words for the live region (focus moves to a new screen's heading). */
  function news(a, b) {
    if (b.status === "ended") return a.status === "ended" ? "" : "The workshop has ended.";
    if (b.status === "summary") return a.status === "summary" ? "" : "That's all the questions.";
    var act = b.activity, out = [];
    if (!act) return "";
    if (actKey(a) !== actKey(b)) {
      if (act.kind === "slide") return "New slide: " + act.title + ".";
      out.push(act.kind === "sort" ? "Sort the cards." : "New question.");
      if (b.voting_open) out.push("Voting is open.");
    } else {
      if (b.voting_open && !a.voting_open) out.push("Voting is open. You can answer now.");
      if (!b.voting_open && a.voting_open) out.push("Voting has closed.");
      if (b.revealed && !a.revealed) out.push("The answers are showing, with how the class answered.");
    }
    return out.join(" ");
  }

  /* -- screens ------------------------------------------------------------------ */
  function heading(text, prompt) { return h("h1", {id: "h", tabindex: "-1", "class": prompt ? "prompt" : null, text: text}); }
  function waiting(title, text) {
    return [h("p", {"class": "kicker", text: S.state.title}), heading(title), h("p", {"class": "lead wait", text: text})];
  }
  function statusLine(key) {
    var p = S.pending[key], k;
    for (k in S.pending) if (S.pending[k].why) p = S.pending[k]; // a failure anywhere is said here
    return h("p", {"class": "status" + (p ? (p.why ? " failed" : " sending") : ""),
                   text: p ? W[p.why || "sending"] : mineFor(key) !== undefined ? W.received : ""});
  }
  function off() { return S.ok ? null : "true"; }
  function optionName(act, i) {
    var s = act.scale, n = act.options.length;
    if (act.type !== "scale" || !s) return null;
    var end = i === 0 ? s.low : i === n - 1 ? s.high : null;
    return end ? act.options[i].label + ", " + end : null;
  }

  function choices(act, item, scale) {
    var key = keyFor(act, item), chosen = chosenSet(key), pending = S.pending[key];
    return h("div", {"class": "choices" + (scale ? " scale" : ""), role: "group", "aria-labelledby": "h"}, act.options.map(function (o, i) {
      var on = chosen.indexOf(o.id) >= 0;
      return h("button", {type: "button", id: "o" + i, "class": "choice " + cat(o.id) + (on ? (pending ? " pending" : " chosen") : ""),
                          "aria-pressed": on ? "true" : "false", "aria-label": optionName(act, i), "aria-disabled": off(),
                          text: o.label, on: {click: function () { answer(act, item, o.id); }}});
    }));
  }

  function vote() {
    var st = S.state, act = st.activity, out = [h("p", {"class": "kicker", text: act.title}), heading(act.text || act.title, true)];
    if (!st.voting_open) {
      var mine = mineFor("_");
      if (mine !== undefined) out.push(h("p", {"class": "lead"}, "Your answer: ", h("b", {text: labelOf(act, mine)})));
      out.push(h("p", {"class": "lead wait", text: "Voting isn't open right now. Wait for the next question."}));
      return out;
    }
    if (act.type === "multiple") {
      var ticked = S.draft || chosenSet("_"), pending = S.pending._;
      var boxes = act.options.map(function (o, i) {
        var on = ticked.indexOf(o.id) >= 0;
        return h("label", {"class": "check" + (on && pending ? " pending" : "")},
                 h("input", {type: "checkbox", id: "c" + i, name: "value", value: o.id, checked: on, on: {change: draft}}), h("span", {text: o.label}));
      });
      out.push(h("form", {"class": "answers", on: {submit: function (e) {
        e.preventDefault();
        var values = draft();
        if (!values.length) { S.note = W.pick; say(W.pick); render(); return; }
        answer(act, null, values);
      }}}, h("fieldset", {"aria-labelledby": "h lg"}, h("legend", {id: "lg", text: "Tick all that fit, then press Send"}), boxes),
        h("button", {"class": "primary", id: "send", type: "submit", "aria-disabled": off(), text: "Send"})));
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
  function draft() {
    S.draft = Array.prototype.map.call(main.querySelectorAll("input:checked"), function (i) { return i.value; });
    return S.draft;
  }

  function sortScreen() {
    var st = S.state, act = st.activity, cards = act.cards, out = [h("p", {"class": "kicker", text: act.title})];
    if (!st.voting_open) return out.concat([heading("Sorting isn't open right now"), h("p", {"class": "lead wait", text: "Wait for the workshop leader to open it."})]);
    var pos = S.card;
    if (pos === null || pos === undefined) {
      pos = "done";
      for (var i = 0; i < cards.length; i++) if (chosenFor(cards[i].id) === undefined) { pos = i; break; }
      S.card = pos;
    }
    if (pos === "done") {
      var n = cards.filter(function (c) { return chosenFor(c.id) !== undefined; }).length;
      return out.concat([heading("All sorted"),
        h("p", {"class": "lead", text: "You sorted " + n + " of " + cards.length + " cards. You can change any of them until sorting closes."}),
        h("ol", {"class": "review"}, cards.map(function (c, j) {
          return h("li", null, h("a", {href: url("&card=" + (j + 1)), text: c.text, on: {click: go(j)}}), " ",
                   h("b", {text: (labelOf(act, chosenFor(c.id)) || "Not sorted yet") + (S.pending[c.id] ? " (not saved yet)" : "")}));
        })), statusLine("")]);
    }
    var card = cards[pos], last = pos + 1 >= cards.length;
    return out.concat([
      h("p", {"class": "progress-text", text: (pos + 1) + " of " + cards.length}),
      h("div", {"class": "progress", "aria-hidden": "true"}, h("span", {"class": "fill " + width((pos + 1) / cards.length)})),
      heading(card.text, true),
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
      return out.concat([heading("The answers"), h("ol", {"class": "review"}, (r.cards || []).map(function (c) {
        var mine = S.mine[c.id];
        return h("li", null, h("span", {text: texts[c.id] || ""}), " ", h("b", {"class": cat(c.expected), text: c.expected_label}),
                 mine ? h("span", {"class": "small", text: " You said: " + labelOf(act, mine)}) : null);
      }))]);
    }
    out.push(heading(act.text || act.title, true));
    if (r.expected_label) out.push(h("p", {"class": "expected " + cat(r.expected)}, "The answer: ", h("b", {text: r.expected_label})));
    if (r.answer_label) out.push(h("p", {"class": "expected"}, "The answer: ", h("b", {text: r.answer_label})));
    if (r.note) out.push(h("p", {text: r.note}));
    var mine = mineFor("_"), said = mine === undefined ? [] : String(mine).split(",");
    if (said.length) out.push(h("p", null, "You said: ", h("b", {text: labelOf(act, said.slice().sort().join(","))})));
    var results = S.state.results || {}, total = 0;
    act.options.forEach(function (o) { total += results[o.id] || 0; });
    out.push(h("h2", {text: "How the class answered"}), h("ul", {"class": "bars"}, act.options.map(function (o) {
      var n = results[o.id] || 0, share = total ? n / total : 0;
      return h("li", null, h("span", {"class": "bar-label", text: o.label + (said.indexOf(o.id) >= 0 ? " (you)" : "")}),
               h("span", {"class": "bar-n", text: n + " \u00b7 " + Math.round(share * 100) + "%"}),
               h("span", {"class": "bar", "aria-hidden": "true"}, h("span", {"class": "fill " + width(share) + " " + cat(o.id)})));
    })));
    if (r.signs && r.signs.length) {
      out.push(h("h2", {text: "Warning signs"}), h("ul", {"class": "signs"}, r.signs.map(function (s) { return h("li", {text: s}); })));
    }
    return out;
  }

  function ask() {
    var area = h("textarea", {id: "question", name: "text", maxlength: "280", rows: "4", required: true,
                              "aria-invalid": S.error ? "true" : null, "aria-describedby": S.error ? "question-error" : null});
    area.value = S.text;
    area.addEventListener("input", function () { S.text = area.value; });
    return [heading("Ask a question"),
      h("p", {"class": "lead", text: "Only the workshop leader sees it. Don't write your name or anyone else's."}),
      h("form", {"class": "stack", on: {submit: function (e) { e.preventDefault(); if (S.ok) sendQuestion(area.value); }}},
        h("label", {"for": "question", text: "Your question (up to 280 characters)"}),
        S.error ? h("p", {"class": "alert", id: "question-error", text: S.error}) : null, area,
        h("button", {"class": "primary", id: "send", type: "submit", "aria-disabled": off(), text: "Send"})),
      h("p", null, h("a", {href: url(), text: "Back to the workshop", on: {click: view(null)}}))];
  }
  function sent() {
    return [heading("Sent"),
      h("p", {"class": "lead sent", text: "Only the workshop leader will see it. It doesn't say who sent it. If you need help, talk to an adult you trust or call a number below."}),
      h("p", null, h("a", {href: url(), text: "Back to the workshop", on: {click: view(null)}}))];
  }
  function view(name) {
    return function (e) { if (e) e.preventDefault(); S.view = name; S.error = null; S.note = null; render(true); };
  }

  function renderHelp() {
    var help = S.state.help || B.help, aside = byId("help");
    if (!help || !aside) return;
    var sig = JSON.stringify(help) + S.view;
    if (aside.getAttribute("data-sig") === sig) return;
    var intro = help.intro || "";
    if (intro.toLowerCase().indexOf("anonymous") < 0) intro = B.anonymity + (intro ? " " + intro : "");
    aside.className = "help" + (screenName(S.state) === "sent" ? " strong" : "");
    aside.replaceChildren(h("h2", {id: "help-h", text: "Need help?"}), h("p", {text: intro}),
      h("ul", null, (help.resources || []).map(function (r) {
        return h("li", null,
          r.phone ? h("a", {href: "tel:" + r.phone.replace(/[^0-9+]/g, "")}, h("b", {text: r.name}), " " + r.phone) : h("b", {text: r.name}),
          r.detail ? h("span", {text: r.detail}) : null, r.text ? h("span", {text: r.text}) : null);
      })));
    aside.setAttribute("data-sig", sig);
  }

  function render(moved) {
    var st = S.state, name = screenName(st), body;
    if (name === "lobby") body = waiting("You're in", "Waiting for the workshop to start. Keep this page open.");
    else if (name === "summary") body = waiting("That's all the questions", "Thanks for your answers. Look at the screen at the front.");
    else if (name === "ended") body = [h("p", {"class": "kicker", text: st.title}), heading("The workshop has ended"),
      h("p", {"class": "lead", text: "Thank you for taking part. Your answers stay anonymous. You can close this page."})];
    else if (name === "slide") body = [h("p", {"class": "kicker", text: st.title}), heading(st.activity.title),
      h("div", {"class": "slide"}, (st.activity.body || "").split("\n").filter(function (p) { return p.trim(); }).map(function (p) { return h("p", {text: p.trim()}); })),
      h("p", {"class": "small wait", text: "Listen to the workshop leader. Questions will show up here."})];
    else if (name === "vote") body = vote();
    else if (name === "sort") body = sortScreen();
    else if (name === "reveal") body = reveal();
    else if (name === "ask") body = ask();
    else body = sent();
    body = body.filter(Boolean);
    if (S.note) { // what went wrong, under the heading of whatever screen is showing
      for (var i = 0; i < body.length && body[i].tagName !== "H1"; i++);
      body.splice(i + 1, 0, h("p", {"class": S.note === W.late ? "alert good" : "alert", text: S.note}));
    }
    if (st.questions_box && ["ended", "ask", "sent"].indexOf(name) < 0) {
      body.push(h("p", {"class": "ask-link"}, h("a", {href: url("&view=ask"), text: "Ask a question without giving your name", on: {click: view("ask")}})));
    }
    var focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : null;
    main.setAttribute("data-screen", name);
    main.replaceChildren.apply(main, body);
    document.title = TITLES[name] + (/^(slide|vote|reveal)$/.test(name) ? ": " + st.activity.title : "") + " - " + st.title;
    renderHelp();
    if (moved) { window.scrollTo(0, 0); (byId("h") || main).focus({preventScroll: true}); }
    else if (focused && byId(focused)) byId(focused).focus({preventScroll: true});
    var extra = name === "ask" || name === "sent" ? "&view=" + name : S.card !== null && S.card !== undefined && name === "sort" ? "&card=" + (S.card === "done" ? "done" : S.card + 1) : "";
    try { history.replaceState(null, "", url(extra)); } catch (e) { /* a sandboxed frame: the URL only helps a reload */ }
  }

  /* -- talking to the server ------------------------------------------------------ */
  function call(path, opts) {
    // Given up after 8 s: a stalled connection must end in an honest "not sent", not a spinner.
    var ctl = window.AbortController && new AbortController(), t = ctl && setTimeout(function () { ctl.abort(); }, 8000);
    opts.credentials = "same-origin"; opts.cache = "no-store";
    if (ctl) opts.signal = ctl.signal;
    return fetch(B.api + path, opts).then(function (res) {
      return res.json().then(function (b) { return b; }, function () { return {}; }).then(function (b) { clearTimeout(t); return {status: res.status, body: b || {}}; });
    }, function (e) { clearTimeout(t); throw e; });
  }
  function post(path, body) {
    return call("sessions/" + encodeURIComponent(B.code) + "/" + path, {method: "POST", body: JSON.stringify(body),
      headers: {"Content-Type": "application/json", "X-XSRFToken": B.xsrf}});
  }

  function answer(act, item, value) {
    if (!S.ok) return; // held back until the page has caught up
    var key = keyFor(act, item), old = S.pending[key];
    if (old) clearTimeout(old.timer);
    var p = S.pending[key] = {activity: act.id, item: item, value: value, seq: ++S.seq, why: null, tries: 0, n: 0};
    S.note = null; S.draft = null;
    if (act.kind === "sort") {
      var pos = S.card === "done" ? act.cards.length : S.card;
      S.card = pos + 1 < act.cards.length ? pos + 1 : "done";
      render(true);
    } else render();
    send(key, p);
  }
  function current(st, p) { return st.activity && st.activity.id === p.activity && st.voting_open; }
  function send(key, p) {
    if (S.pending[key] !== p || !S.ok) return; // while the connection is lost, catching up sends it
    clearTimeout(p.timer);
    var body = {activity: p.activity, value: p.value, seq: p.seq}, n = ++p.n;
    if (p.item) body.item = p.item;
    post("responses", body).then(function (res) {
      var s = res.status, e = res.body.error || {};
      if (S.pending[key] !== p || p.n !== n) return; // a later tap (or a later try) took its place
      if (s === 200 || s === 201) {
        delete S.pending[key];
        if (key === "_") S.mine = {};
        S.mine[key] = Array.isArray(p.value) ? p.value.join(",") : String(p.value);
        say(W.received);
        render();
      } else if (e.kind === "stale" && p.tries++ < 3) {
        // This device sent a later answer before this page was loaded: number this tap above it.
        S.seq = Math.max(S.seq, e.seq || 0);
        p.seq = ++S.seq;
        send(key, p);
      } else if (e.kind === "too_many_devices") fail(key, "devices"); // sending it again cannot help
      else if (s === 429 || s >= 500) retry(key, p, s === 429 ? "limited" : "busy");
      else if (s === 409) { delete S.pending[key]; S.unsure.push(p); verify(); } // voting closed: say so on the screen it leads to
      else fail(key, s === 404 ? "gone" : s === 403 ? "reload" : "invalid");
    }, function () { if (S.pending[key] === p && p.n === n) retry(key, p, "offline"); });
  }
  function retry(key, p, why) {
    if (p.why !== why) say(W[why]);
    p.why = why;
    render();
    p.timer = setTimeout(function () { send(key, p); }, Math.min(8000, 500 * Math.pow(2, ++p.tries)) + Math.random() * 300);
  }
  function fail(key, why) {
    clearTimeout(S.pending[key].timer);
    delete S.pending[key];
    S.note = W[why];
    say(W[why]);
    render();
    refresh(); // what the server holds now, shown instead
  }
  /* Taps overtaken by the question moving on or voting closing: one may have reached the
     server just in time, so ask it (one at a time, with the state now) and then say which,
     on the screen that state shows. */
  function verify() {
    var p = S.unsure[0];
    if (S.state.status === "ended") S.unsure = []; // the link to this device's answers is gone
    if (!p || S.verifying || S.state.status === "ended") return;
    S.verifying = true;
    call("sessions/" + encodeURIComponent(B.code) + "?activity=" + encodeURIComponent(p.activity), {}).then(function (res) {
      S.verifying = false;
      if (res.status !== 200) return void setTimeout(verify, 3000);
      var data = res.body, mine = data.mine || {}, got = p.item ? mine[p.item] : mine[Object.keys(mine)[0]],
          here = data.activity && data.activity.id === p.activity;
      delete data.mine;
      S.unsure.shift();
      if (got === undefined || String(got).split(",").sort().join() !== [].concat(p.value).map(String).sort().join()) S.missed++;
      apply(data, here ? mine : null);
      heard(true);
      if (S.unsure.length) return verify();
      S.note = S.missed ? (here ? W.closed : W.missed) : W.late;
      S.missed = 0;
      say(S.note);
      render();
    }, function () { S.verifying = false; setTimeout(verify, 3000); });
  }
  function resendAll() { for (var k in S.pending) send(k, S.pending[k]); }

  function sendQuestion(text) {
    post("questions", {text: text}).then(function (res) {
      var s = res.status;
      if (s === 201) { S.text = ""; S.view = "sent"; S.error = null; render(true); return; }
      S.error = W[s === 429 ? "many" : s === 409 ? "box" : s === 422 ? (text.trim() ? "long" : "empty") : s === 403 ? "reload" : "error"];
      question();
    }, function () { S.error = W.qoff; question(); });
  }
  function question() { say(S.error); render(); var q = byId("question"); if (q) q.focus(); }

  /* -- keeping up ------------------------------------------------------------------ */
  function apply(state, mine) {
    var old = S.state, moved = actKey(old) !== actKey(state), before = JSON.stringify(S.mine), dropped = 0, k, p;
    if (state.version < old.version) return; // an older state, overtaken on its way (a slow poll)
    S.state = state;
    for (k in S.pending) {
      p = S.pending[k];
      if (!current(state, p)) { clearTimeout(p.timer); delete S.pending[k]; S.unsure.push(p); dropped++; }
    }
    if (mine) S.mine = mine;
    else if (moved) { S.mine = {}; refresh(); }
    if (moved) { S.card = null; S.note = null; S.draft = null; }
    var said = news(old, state);
    if (said) say(said);
    if (!moved && !dropped && state.version === old.version && (!mine || JSON.stringify(mine) === before)) return;
    render(moved);
    verify();
    if (state.status === "ended") stop();
  }
  /* Heard from the server: the watchdog starts again; a fresh state after a loss is caught up. */
  function heard(fresh) {
    clearTimeout(S.dog);
    if (fresh && !S.ok) {
      S.ok = true; bar.hidden = true;
      say(W.back);
      render();
      resendAll();
    }
    if (S.state.status !== "ended") S.dog = setTimeout(lose, DEAD);
  }
  function lose() {
    if (S.ok) {
      S.ok = false;
      bar.textContent = W.lost; bar.hidden = false;
      say(W.lost);
      render();
    }
    if (S.source) { S.source.close(); S.source = null; } // silent, so stalled: start again
    startPolling();
    connect();
    S.dog = setTimeout(lose, DEAD);
  }

  function refresh() {
    if (S.refreshing) return;
    S.refreshing = true;
    call("sessions/" + encodeURIComponent(B.code), {}).then(function (res) {
      S.refreshing = false;
      if (res.status !== 200) return;
      var data = res.body, mine = data.mine;
      delete data.mine;
      apply(data, mine || {});
      heard(true);
    }, function () { S.refreshing = false; });
  }
  function startPolling() {
    if (!S.poller && S.state.status !== "ended") S.poller = setInterval(refresh, 3000);
  }
  function stopPolling() { if (S.poller) { clearInterval(S.poller); S.poller = null; } }
  function connect() {
    if (S.state.status === "ended" || S.source) return;
    if (!window.EventSource) { startPolling(); return; }
    var es = S.source = new EventSource(B.api + "sessions/" + encodeURIComponent(B.code) + "/events");
    es.onmessage = function (e) {
      if (S.source !== es) return;
      S.retryAt = 1000; stopPolling();
      apply(JSON.parse(e.data));
      heard(true);
    };
    es.addEventListener("ping", function () { if (S.source === es) heard(false); });
    es.onerror = function () {
      if (S.source !== es) return;
      startPolling();
      if (es.readyState === 2) { // the browser gave up: try again ourselves, more slowly each time
        S.source = null;
        setTimeout(connect, S.retryAt);
        S.retryAt = Math.min(30000, S.retryAt * 2);
      }
    };
  }
  function stop() {
    stopPolling();
    clearTimeout(S.dog);
    if (S.source) { S.source.close(); S.source = null; }
  }

  window.addEventListener("online", function () { refresh(); resendAll(); connect(); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { heard(false); refresh(); resendAll(); } });

  render(false);
  heard(false);
  connect();
})();
