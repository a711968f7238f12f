/*
 * Motivo chat console (staff): the live list of chats on /chat/ and the chat pane, on the
 * console and on a case page. Streams are server-sent events read with fetch (the session
 * cookie goes along, also to the realtime server on another port); actions are POSTs with
 * the page's CSRF token. Every text from people is set with textContent.
 */
(function () {
  "use strict";

  function labels() {
    var node = document.getElementById("chat-labels");
    return node ? JSON.parse(node.textContent) : { status: {}, error: "Error", reconnecting: "…" };
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function post(url, data) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) throw (json && json.error) || { message: labels().error };
        return json;
      });
    });
  }

  // A server-sent event stream read with fetch; reconnects until closed.
  function stream(url, onEvent, onState) {
    var controller = new AbortController();
    var lastId = 0;
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
      if (id && /^\d+$/.test(id)) lastId = Math.max(lastId, +id);
      if (data) onEvent(event, JSON.parse(data));
    }
    function connect() {
      if (controller.signal.aborted) return;
      var sep = url.indexOf("?") < 0 ? "?" : "&";
      fetch(url + sep + "after=" + lastId, { credentials: "include", signal: controller.signal, cache: "no-store" })
        .then(function (res) {
          if (res.status === 403 || res.status === 404) { controller.abort(); return; }
          if (!res.ok || !res.body) throw new Error("stream " + res.status);
          if (onState) onState("open");
          var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
          function pump() {
            return reader.read().then(function (chunk) {
              if (chunk.done) return;
              buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
              var at;
              while ((at = buffer.indexOf("\n\n")) >= 0) { handle(buffer.slice(0, at)); buffer = buffer.slice(at + 2); }
              return pump();
            });
          }
          return pump();
        })
        .catch(function () { if (!controller.signal.aborted && onState) onState("lost"); })
        .then(function () { if (!controller.signal.aborted) setTimeout(connect, 1000); });
    }
    connect();
    return controller;
  }

  // ------------------------------------------------------------------ one chat pane
  function initPane(pane) {
    if (pane.__chat) return pane.__chat;
    var L = labels();
    var lines = pane.querySelector("[data-chat-lines]");
    var statusPill = pane.querySelector("[data-chat-status]");
    var agentName = pane.querySelector("[data-chat-agent]");
    var takeBtn = pane.querySelector("[data-chat-take]");
    var endBtn = pane.querySelector("[data-chat-end]");
    var form = pane.querySelector("[data-chat-send]");
    var text = form.querySelector("textarea");
    var error = pane.querySelector("[data-chat-error]");
    var ended = pane.querySelector("[data-chat-ended]");
    var seen = {};
    lines.querySelectorAll("[data-id]").forEach(function (li) { seen[li.getAttribute("data-id")] = true; });

    function showError(err) {
      error.textContent = (err && err.message) || L.error;
      error.hidden = false;
    }
    function addLine(line) {
      if (seen[line.id]) return;
      seen[line.id] = true;
      var li = document.createElement("li");
      li.className = "chat-line from-" + line.from;
      li.setAttribute("data-id", line.id);
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = line.name;
      var body = document.createElement("span");
      body.className = "text";
      body.textContent = line.body;
      li.appendChild(who);
      li.appendChild(body);
      lines.appendChild(li);
      lines.scrollTop = lines.scrollHeight;
    }
    function showSession(s) {
      pane.setAttribute("data-status", s.status);
      statusPill.textContent = L.status[s.status] || s.status;
      statusPill.className = "pill chat-status-" + s.status;
      agentName.textContent = s.agent || "";
      takeBtn.hidden = s.status !== "waiting";
      endBtn.hidden = s.status === "ended";
      form.hidden = s.status === "ended";
      ended.hidden = s.status !== "ended";
      if (s.status === "ended" && controller) controller.abort();
    }
    var controller = stream(pane.getAttribute("data-stream"), function (event, data) {
      if (event === "message") addLine(data);
      else if (event === "session") showSession(data);
    }, function (state) {
      if (state === "lost") showError({ message: L.reconnecting });
      else error.hidden = true;
    });

    takeBtn.addEventListener("click", function () {
      post(pane.getAttribute("data-take-url")).then(function (r) { error.hidden = true; showSession(r.session); text.focus(); }, showError);
    });
    endBtn.addEventListener("click", function () {
      post(pane.getAttribute("data-end-url")).then(function (r) { showSession(r.session); }, showError);
    });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = text.value.trim();
      if (!body) return;
      var button = form.querySelector("button");
      button.disabled = true;
      post(pane.getAttribute("data-send-url"), { body: body }).then(function (r) {
        text.value = "";
        error.hidden = true;
        addLine(r.message);
      }, showError).then(function () { button.disabled = false; text.focus(); });
    });
    pane.__chat = { close: function () { controller.abort(); } };
    return pane.__chat;
  }

  // ------------------------------------------------------------------ the console
  function initConsole(root) {
    var stage = root.querySelector("[data-chat-stage]");
    var empty = root.querySelector("[data-empty]");
    var current = null;
    var baseTitle = document.title;
    document.addEventListener("visibilitychange", function () { if (!document.hidden) document.title = baseTitle; });

    function item(s) {
      var li = document.createElement("li");
      li.setAttribute("data-session-id", s.id);
      var a = document.createElement("a");
      a.href = "#chat-" + s.id;
      a.setAttribute("data-pane-url", s.pane_url);
      [["name", "strong"], ["subject", "span"], ["agent", "span"]].forEach(function (f) {
        var n = document.createElement(f[1]);
        n.setAttribute("data-f", f[0]);
        if (f[1] === "span") n.className = "small muted";
        a.appendChild(n);
      });
      li.appendChild(a);
      return li;
    }
    function recount() {
      var total = 0;
      ["waiting", "active"].forEach(function (name) {
        var n = root.querySelectorAll('[data-list="' + name + '"] li').length;
        total += n;
        root.querySelector('[data-count="' + name + '"]').textContent = "(" + n + ")";
      });
      empty.hidden = total > 0;
    }
    function upsert(s) {
      var li = root.querySelector('[data-session-id="' + s.id + '"]');
      if (s.status === "ended") { if (li) li.remove(); recount(); return; }
      var isNew = !li;
      if (!li) li = item(s);
      li.setAttribute("data-status", s.status);
      li.querySelector('[data-f="name"]').textContent = s.name;
      li.querySelector('[data-f="subject"]').textContent = s.subject.length > 60 ? s.subject.slice(0, 59) + "…" : s.subject;
      li.querySelector('[data-f="agent"]').textContent = s.agent || "";
      var list = root.querySelector('[data-list="' + s.status + '"]');
      if (li.parentNode !== list) list.appendChild(li);
      if (isNew) {
        li.classList.add("chat-new");
        setTimeout(function () { li.classList.remove("chat-new"); }, 4000);
        if (s.status === "waiting" && document.hidden) document.title = "● " + labels().new_chat + " · " + baseTitle;
      }
      recount();
    }
    function openPane(link) {
      root.querySelectorAll(".chat-sessions li").forEach(function (li) { li.removeAttribute("aria-current"); });
      link.parentNode.setAttribute("aria-current", "true");
      if (current) current.close();
      fetch(link.getAttribute("data-pane-url"), { credentials: "same-origin" })
        .then(function (res) { return res.text(); })
        .then(function (html) {
          stage.innerHTML = html; // our own server-rendered, escaped partial
          var pane = stage.querySelector("[data-chat-pane]");
          current = initPane(pane);
          pane.querySelector("[data-chat-lines]").scrollTop = 1e9;
        });
    }
    root.addEventListener("click", function (event) {
      var link = event.target.closest("[data-pane-url]");
      if (!link) return;
      event.preventDefault();
      openPane(link);
    });
    stream(root.getAttribute("data-stream"), function (event, data) {
      if (event === "session") upsert(data);
    });
  }

  function boot() {
    document.querySelectorAll("[data-chat-console]").forEach(initConsole);
    document.querySelectorAll("[data-chat-pane]").forEach(initPane);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
