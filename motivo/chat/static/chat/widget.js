/*
 * Motivo live chat widget. Embed with one tag:
 *   <script src="https://motivo.example/chat/widget.js" data-motivo-lang="es" async></script>
 * Optional: data-motivo-open="1" opens the chat at once.
 *
 * Vanilla JS, no dependencies. Everything it draws lives in a shadow root, so the host
 * page's styles and the widget's never mix. It talks to the Motivo server the script was
 * loaded from: JSON over fetch (CORS), the chat's secret in the X-Motivo-Chat-Token header
 * (no cookies), and a server-sent event stream read with fetch for the agent's lines. All
 * words come from the server, in the visitor's language (/chat/api/config).
 */
(function () {
  "use strict";
  if (window.__motivoChat) return;
  window.__motivoChat = true;

  var script = document.currentScript || document.querySelector('script[src*="/chat/widget.js"]');
  if (!script) return;
  var BASE = script.src.replace(/\/chat\/widget\.js(\?.*)?$/, "");
  var LANG = (script.getAttribute("data-motivo-lang") || navigator.language || "es").slice(0, 2).toLowerCase();
  var OPEN_AT_START = script.getAttribute("data-motivo-open") === "1";
  var KEY = "motivo-chat:" + BASE;
  var TOKEN_HEADER = "X-Motivo-Chat-Token";

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:999px;",
    "background:#2b59c3;color:#fff;padding:12px 18px;font-size:15px;font-weight:600;cursor:pointer;",
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f0b429;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:360px;max-width:calc(100vw - 24px);",
    "height:520px;max-height:calc(100vh - 40px);display:flex;flex-direction:column;background:#fff;color:#1d2733;",
    "border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.28);overflow:hidden;font-size:14px;line-height:1.4}",
    ".head{display:flex;align-items:center;justify-content:space-between;background:#2b59c3;color:#fff;padding:12px 14px}",
    ".head h2{margin:0;font-size:16px}",
    ".x{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}",
    ".body{flex:1;overflow:auto;padding:14px;display:flex;flex-direction:column;gap:10px}",
    "form{display:flex;flex-direction:column;gap:8px}",
    "label{font-size:13px;font-weight:600}",
    "input,textarea{width:100%;border:1px solid #b8c4d0;border-radius:6px;padding:8px;font-size:14px;color:#1d2733;background:#fff}",
    "textarea{resize:vertical;min-height:60px}",
    "button.primary{background:#2b59c3;color:#fff;border:0;border-radius:6px;padding:9px 14px;font-size:14px;font-weight:600;cursor:pointer}",
    "button.primary[disabled]{opacity:.6;cursor:default}",
    "button.link{background:none;border:0;color:#2b59c3;text-decoration:underline;cursor:pointer;padding:0;font-size:13px}",
    ".check{display:flex;gap:6px;align-items:center;font-weight:400}",
    ".check input{width:auto}",
    ".muted{color:#5b6b7b;font-size:13px;margin:0}",
    ".err{color:#a61b1b;font-size:13px;margin:0}",
    ".status{font-size:13px;color:#334;background:#eef4f9;border-radius:6px;padding:6px 8px;margin:0}",
    ".lines{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}",
    ".line{max-width:85%;padding:7px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}",
    ".line .who{display:block;font-size:11px;font-weight:700;opacity:.75;margin-bottom:2px}",
    ".from-customer{align-self:flex-end;background:#2b59c3;color:#fff;border-bottom-right-radius:2px}",
    ".from-agent{align-self:flex-start;background:#eef1f4;color:#1d2733;border-bottom-left-radius:2px}",
    ".compose{border-top:1px solid #dde3ea;padding:10px;display:flex;gap:8px;align-items:flex-end}",
    ".compose textarea{min-height:40px;height:40px;flex:1}",
    ".foot{display:flex;justify-content:space-between;align-items:center;padding:0 12px 10px}",
    "[hidden]{display:none!important}",
  ].join("");

  var S = {}; // strings from the server
  var config = null;
  var state = { token: null, session: null, stream: null, seen: {}, lastId: 0, view: null };

  // ------------------------------------------------------------------ small helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function fmt(s, values) {
    return (s || "").replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] == null ? "" : values[k]; });
  }
  function store(name, value) {
    try {
      if (value == null) localStorage.removeItem(KEY + ":" + name);
      else localStorage.setItem(KEY + ":" + name, value);
    } catch (e) { /* storage blocked: the chat lasts as long as the page */ }
  }
  function stored(name) {
    try { return localStorage.getItem(KEY + ":" + name); } catch (e) { return null; }
  }
  function api(method, path, body, token) {
    var headers = {};
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers[TOKEN_HEADER] = token;
    return fetch(BASE + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + LANG, {
      method: method, headers: headers, credentials: "same-origin", cache: "no-store",
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var error = (data && data.error) || { code: "http_" + res.status, message: S.error };
          error.status = res.status;
          throw error;
        }
        return data;
      });
    });
  }

  // ------------------------------------------------------------------ the frame
  var host = el("div", { id: "motivo-chat", "data-motivo-chat": "" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.appendChild(el("style", { text: CSS }));
  var launcher = el("button", { class: "launcher", type: "button", part: "launcher" });
  var panel = el("section", { class: "panel", role: "dialog", hidden: "" });
  var title = el("h2", {});
  var closeBtn = el("button", { class: "x", type: "button", text: "×" });
  var body = el("div", { class: "body" });
  var bottom = el("div", {});
  panel.appendChild(el("div", { class: "head" }, [title, closeBtn]));
  panel.appendChild(body);
  panel.appendChild(bottom);
  root.appendChild(launcher);
  root.appendChild(panel);

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    store("open", "1");
    var first = panel.querySelector("textarea, input");
    if (first) first.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    store("open", null);
  }
  launcher.addEventListener("click", open);
  closeBtn.addEventListener("click", close);

  function clear() {
    body.textContent = "";
    bottom.textContent = "";
  }
  function field(label, input) {
    var id = "m-" + input.name;
    input.id = id;
    var err = el("p", { class: "err", hidden: "", "data-error-for": input.name });
    return el("div", {}, [el("label", { for: id, text: label }), input, err]);
  }
  function showErrors(form, error) {
    form.querySelectorAll("[data-error-for]").forEach(function (p) { p.hidden = true; });
    var general = form.querySelector("[data-error-general]");
    var target = error.field && form.querySelector('[data-error-for="' + error.field + '"]');
    if (!target && error.field === "body") target = form.querySelector('[data-error-for="message"]');
    if (target) { target.textContent = error.message; target.hidden = false; }
    else { general.textContent = error.message || S.error; general.hidden = false; }
  }

  // Who is writing (a signed-in customer, or name and e-mail) and the message box, in
  // both the start and the leave-a-message forms; returns the message box.
  function visitorFields(form, noteClass) {
    if (config.customer) {
      form.appendChild(el("p", { class: noteClass, text: fmt(S.continue_as, { name: config.customer.name }) }));
    } else {
      form.appendChild(field(S.name, el("input", { name: "name", autocomplete: "name", maxlength: "200" })));
      form.appendChild(field(S.email, el("input", { name: "email", type: "email", autocomplete: "email", maxlength: "254" })));
    }
    var message = el("textarea", { name: "message", rows: "3", maxlength: String(config.max_chars) });
    form.appendChild(field(S.message, message));
    return message;
  }
  function prefillForm(form, prefill) {
    ["name", "email", "message"].forEach(function (k) {
      var input = form.querySelector('[name="' + k + '"]');
      if (input && prefill[k]) input.value = prefill[k];
    });
  }

  // ------------------------------------------------------------------ views
  function viewStart(prefill) {
    state.view = "start";
    clear();
    prefill = prefill || {};
    body.appendChild(el("p", { class: "muted", text: S.intro }));
    var form = el("form", { novalidate: "", "data-view": "start" });
    var message = visitorFields(form, "status");
    form.appendChild(el("p", { class: "err", hidden: "", "data-error-general": "" }));
    var submit = el("button", { class: "primary", type: "submit", text: S.start });
    form.appendChild(submit);
    prefillForm(form, prefill);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {
        name: form.querySelector('[name="name"]') ? form.querySelector('[name="name"]').value : "",
        email: form.querySelector('[name="email"]') ? form.querySelector('[name="email"]').value : "",
        message: message.value,
        page_url: location.href.slice(0, 500),
        resume_token: stored("previous") || "",
      };
      submit.disabled = true;
      api("POST", "/chat/api/sessions", data).then(function (res) {
        state.token = res.token;
        store("token", res.token);
        startChat(res);
      }).catch(function (error) {
        submit.disabled = false;
        if (error.code === "unavailable") { config.available = false; viewOffline(data); return; }
        showErrors(form, error);
      });
    });
    body.appendChild(form);
  }

  function viewOffline(prefill) {
    state.view = "offline";
    clear();
    prefill = prefill || {};
    body.appendChild(el("p", { class: "status", text: S.offline_title }));
    body.appendChild(el("p", { class: "muted", text: S.offline_intro }));
    var form = el("form", { novalidate: "", "data-view": "offline" });
    var message = visitorFields(form, "muted");
    var callback = el("input", { type: "checkbox", name: "callback" });
    form.appendChild(el("label", { class: "check" }, [callback, document.createTextNode(S.callback)]));
    var phone = el("input", { name: "phone", type: "tel", autocomplete: "tel", maxlength: "40" });
    var phoneField = field(S.phone, phone);
    phoneField.hidden = true;
    form.appendChild(phoneField);
    callback.addEventListener("change", function () { phoneField.hidden = !callback.checked; });
    form.appendChild(el("p", { class: "err", hidden: "", "data-error-general": "" }));
    var submit = el("button", { class: "primary", type: "submit", text: S.leave });
    form.appendChild(submit);
    prefillForm(form, prefill);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var get = function (k) { var i = form.querySelector('[name="' + k + '"]'); return i ? i.value : ""; };
      submit.disabled = true;
      api("POST", "/chat/api/leave", {
        name: get("name"), email: get("email"), message: message.value,
        callback: callback.checked, phone: callback.checked ? phone.value : "",
      }).then(function (res) {
        clear();
        state.view = "left";
        body.appendChild(el("p", { class: "status", "data-left": "", text: fmt(S.left, { number: res.case_number }) }));
        if (res.callback.requested) {
          body.appendChild(el("p", {
            class: res.callback.booked ? "muted" : "err", "data-callback": "",
            text: res.callback.booked ? S.callback_booked : fmt(S.callback_failed, { reason: res.callback.error }),
          }));
        }
      }).catch(function (error) {
        submit.disabled = false;
        showErrors(form, error);
      });
    });
    body.appendChild(form);
  }

  var lines, statusLine, composer, composeText, composeErr;

  function addLine(line) {
    if (state.seen[line.id]) return;
    state.seen[line.id] = true;
    state.lastId = Math.max(state.lastId, line.id);
    var who = line.from === "customer" ? S.you : line.name;
    var item = el("li", { class: "line from-" + line.from, "data-id": String(line.id) }, [
      el("span", { class: "who", text: who }),
      document.createTextNode(line.body),
    ]);
    lines.appendChild(item);
    body.scrollTop = body.scrollHeight;
  }

  function showSession(session) {
    state.session = session;
    if (session.status === "ended") { endChat(session); return; }
    statusLine.textContent = session.status === "active" && session.agent
      ? fmt(S.joined, { name: session.agent }) : S.waiting;
    statusLine.setAttribute("data-status", session.status);
  }

  function startChat(res) {
    state.view = "chat";
    state.seen = {};
    state.lastId = 0;
    clear();
    statusLine = el("p", { class: "status", role: "status", "data-chat-status": "" });
    lines = el("ol", { class: "lines", "aria-live": "polite" });
    body.appendChild(statusLine);
    body.appendChild(lines);
    composeText = el("textarea", { name: "body", rows: "1", placeholder: S.placeholder, "aria-label": S.placeholder, maxlength: String(config.max_chars) });
    var send = el("button", { class: "primary", type: "submit", text: S.send });
    composer = el("form", { class: "compose", "data-compose": "" }, [composeText, send]);
    composeErr = el("p", { class: "err", hidden: "" });
    var endBtn = el("button", { class: "link", type: "button", text: S.end, "data-end": "" });
    bottom.appendChild(composer);
    bottom.appendChild(el("div", { class: "foot" }, [composeErr, endBtn]));
    composeText.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit(); }
    });
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = composeText.value.trim();
      if (!text) return;
      send.disabled = true;
      api("POST", "/chat/api/messages", { body: text }, state.token).then(function (r) {
        composeText.value = "";
        composeErr.hidden = true;
        addLine(r.message);
      }).catch(function (error) {
        composeErr.textContent = error.message || S.error;
        composeErr.hidden = false;
        if (error.code === "ended" || error.status === 404) endChat(state.session);
      }).then(function () { send.disabled = false; composeText.focus(); });
    });
    endBtn.addEventListener("click", function () {
      api("POST", "/chat/api/end", {}, state.token).then(function (r) { endChat(r.session); });
    });
    (res.messages || []).forEach(addLine);
    showSession(res.session);
    if (state.view === "chat") openStream(res.stream_url);
  }

  function endChat(session) {
    if (state.view === "ended") return;
    if (state.stream) { state.stream.abort(); state.stream = null; }
    if (state.token) { store("previous", state.token); store("token", null); }
    state.token = null;
    state.view = "ended";
    if (composer) composer.hidden = true;
    bottom.textContent = "";
    var done = el("p", { class: "status", "data-chat-ended": "", text: fmt(S.ended, { number: session ? session.case_number : "" }) });
    body.appendChild(done);
    var again = el("button", { class: "primary", type: "button", text: S.new_chat });
    again.addEventListener("click", function () { refreshConfig().then(showHome); });
    bottom.appendChild(el("div", { class: "foot" }, [again]));
    body.scrollTop = body.scrollHeight;
  }

  // ------------------------------------------------------------------ the stream
  function openStream(url) {
    var controller = new AbortController();
    state.stream = controller;
    var token = state.token;
    function handle(raw) {
      var event = "message", data = "", id = null;
      raw.split("\n").forEach(function (line) {
        if (!line || line.charAt(0) === ":") return;
        var i = line.indexOf(":");
        var name = i < 0 ? line : line.slice(0, i);
        var value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (name === "event") event = value;
        else if (name === "data") data += (data ? "\n" : "") + value;
        else if (name === "id") id = value;
      });
      if (!data) return;
      var payload = JSON.parse(data);
      if (event === "message") addLine(payload);
      else if (event === "session") showSession(payload);
      else if (event === "ready" && statusLine.getAttribute("data-reconnecting")) {
        statusLine.removeAttribute("data-reconnecting");
        showSession(state.session);
      }
    }
    function connect() {
      if (controller.signal.aborted || state.token !== token) return;
      var headers = {};
      headers[TOKEN_HEADER] = token;
      fetch(url + "?after=" + state.lastId, { headers: headers, signal: controller.signal, cache: "no-store", credentials: "omit" })
        .then(function (res) {
          if (res.status === 404) { endChat(state.session); return; }
          if (!res.ok || !res.body) throw new Error("stream " + res.status);
          var reader = res.body.getReader();
          var decoder = new TextDecoder();
          var buffer = "";
          function pump() {
            return reader.read().then(function (chunk) {
              if (chunk.done) return;
              buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
              var at;
              while ((at = buffer.indexOf("\n\n")) >= 0) {
                handle(buffer.slice(0, at));
                buffer = buffer.slice(at + 2);
              }
              return pump();
            });
          }
          return pump();
        })
        .catch(function () {
          if (controller.signal.aborted) return;
          statusLine.textContent = S.reconnecting;
          statusLine.setAttribute("data-reconnecting", "1");
        })
        .then(function () {
          if (!controller.signal.aborted && state.view === "chat") setTimeout(connect, 1000);
        });
    }
    connect();
  }

  // ------------------------------------------------------------------ start-up
  function refreshConfig() {
    return api("GET", "/chat/api/config").then(function (c) {
      config = c;
      S = c.strings;
      launcher.textContent = S.launcher;
      title.textContent = S.title;
      closeBtn.setAttribute("aria-label", S.close);
      panel.setAttribute("aria-label", S.title);
      host.setAttribute("lang", c.language);
    });
  }
  function showHome() {
    if (config.available) viewStart(); else viewOffline();
  }

  function boot() {
    document.body.appendChild(host);
    launcher.hidden = true;
    refreshConfig().then(function () {
      launcher.hidden = false;
      var token = stored("token");
      var resume = token
        ? api("GET", "/chat/api/session", null, token).then(function (res) {
            if (res.session.status === "ended") { store("previous", token); store("token", null); return false; }
            state.token = token;
            startChat(res);
            return true;
          }).catch(function () { store("token", null); return false; })
        : Promise.resolve(false);
      return resume.then(function (resumed) {
        if (!resumed) showHome();
        if (OPEN_AT_START || stored("open")) open();
      });
    }).catch(function () { /* the server is unreachable: no widget */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
