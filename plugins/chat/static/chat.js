/* The chat widget: loads a room's state, subscribes to its hub (EventSource), posts, votes, moderates.
   Every text arrives escaped from the server ("html") or is put in with textContent. */
(function () {
  "use strict";
  var ANNOUNCE_EVERY = 8000; // the live region speaks at most this often: a count, never each message

  function post(url, token, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token || ""},
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { throw new Error(data.message || r.statusText); }
        return data;
      });
    });
  }

  function Chat(root) {
    this.root = root; this.room = root.dataset.room; this.base = root.dataset.stateUrl;
    this.t = JSON.parse(root.dataset.i18n || "{}");
    this.seen = {}; this.pending = 0; this.lastAnnounce = 0; this.retry = 1000; this.source = null;
    this.log = root.querySelector("[data-chat-log]");
    this.questions = root.querySelector("[data-chat-questions]");
    this.announcer = root.querySelector("[data-chat-announce]");
    this.status = root.querySelector("[data-chat-status]");
    this.bind(); this.load();
  }

  Chat.prototype.el = function (sel) { return this.root.querySelector(sel); };

  Chat.prototype.load = function () {
    var self = this;
    fetch(this.base, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.statusText); } return r.json(); })
      .then(function (state) { self.start(state); })
      .catch(function () { self.say(self.t.offline); });
  };

  Chat.prototype.start = function (state) {
    this.state = state; this.access = state.access; this.me = state.me ? state.me.id : null;
    this.token = state.csrf_token; this.votes = {};
    (state.my_votes || []).forEach(function (id) { this.votes[id] = true; }, this);
    this.log.textContent = "";
    state.messages.forEach(function (m) { this.addMessage(m, true); }, this);
    this.renderQuestions(state.questions || []);
    this.applyRoom(this.access);
    this.el("[data-chat-tab=questions]").hidden = !this.access.questions;
    this.el("[data-chat-moderation]").hidden = !this.access.moderate;
    this.subscribe(state.subscribe.url);
    this.scroll(true);
  };

  Chat.prototype.applyRoom = function (room) {
    var open = room.open, write = this.access.write && (open || this.access.moderate);
    this.access.open = open;
    if (room.slow_seconds !== undefined) { this.access.slow_seconds = room.slow_seconds; this.el("[data-chat-slow]").value = room.slow_seconds; }
    this.el("[data-chat-form]").hidden = !write;
    this.el("[data-chat-ask]").hidden = !write || !this.access.questions;
    this.el("[data-chat-signin]").hidden = this.me !== null;
    this.el("[data-chat-toggle-open]").textContent = open ? this.t.close : this.t.open;
    var notes = [];
    if (!open) { notes.push(this.t.closed); }
    if (this.access.slow_seconds) { notes.push(this.t.slow.replace("{s}", this.access.slow_seconds)); }
    this.status.textContent = notes.join(" ");
  };

  Chat.prototype.subscribe = function (url) {
    var self = this;
    if (this.source) { this.source.close(); }
    this.source = new EventSource(url);
    this.source.onopen = function () { self.retry = 1000; };
    this.source.onmessage = function (e) {
      try { self.apply(JSON.parse(e.data)); } catch (err) { /* a frame that is not ours: ignored */ }
    };
    this.source.onerror = function () {
      if (self.source.readyState !== EventSource.CLOSED) { return; } // the browser reconnects by itself
      // Refused (an expired token) or the hub is down: ask the application for a fresh subscription.
      setTimeout(function () {
        fetch(self.base + "/token", {credentials: "same-origin"}).then(function (r) { return r.json(); })
          .then(function (sub) { self.subscribe(sub.url); }).catch(function () { self.say(self.t.offline); });
      }, self.retry);
      self.retry = Math.min(self.retry * 2, 30000);
    };
  };

  Chat.prototype.apply = function (event) {
    if (event.type === "message") { this.addMessage(event, false); }
    else if (event.type === "delete") { this.removeMessage(event.id); }
    else if (event.type === "hide") { this.hideUser(event.user_id, true); }
    else if (event.type === "unhide") { this.load(); }
    else if (event.type === "room") { this.applyRoom(event); this.say(event.open ? this.t.opened : this.t.closed); }
    else if (event.type === "question") { this.upsertQuestion(event.question); }
    else if (event.type === "question_deleted") { delete this.qs[event.id]; this.drawQuestions(); }
  };

  Chat.prototype.addMessage = function (m, quiet) {
    if (this.seen[m.id]) { return; }
    if (m.hidden && !this.access.moderate) { return; }
    this.seen[m.id] = true;
    var li = document.createElement("li"), self = this;
    li.id = "chat-" + this.room + "-m" + m.id; li.dataset.author = m.author_id === null ? "" : m.author_id;
    if (m.source) { li.classList.add("chat-outside"); }
    if (m.hidden) { li.classList.add("chat-hidden"); }
    var who = document.createElement("span"); who.className = "chat-author"; who.textContent = m.author;
    var text = document.createElement("span"); text.className = "chat-text"; text.innerHTML = m.html; // escaped by the server
    li.appendChild(who); li.appendChild(text);
    if (m.hidden) { var note = document.createElement("span"); note.className = "chat-note"; note.textContent = this.t.hidden_user; li.appendChild(note); }
    if (this.access.moderate || (this.me && m.author_id === this.me)) {
      li.appendChild(this.button(this.t["delete"], m.author + ": " + m.text, function () {
        post(self.base + "/messages/" + m.id + "/delete", self.token).then(function () { self.removeMessage(m.id); }).catch(function (e) { self.say(e.message); });
      }));
    }
    if (this.access.moderate && m.author_id !== null && m.author_id !== this.me) {
      li.appendChild(this.button(this.t.hide, m.author, function () {
        post(self.base + "/users/" + m.author_id + "/hide", self.token, {hidden: true}).catch(function (e) { self.say(e.message); });
      }));
    }
    var near = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.log.appendChild(li);
    while (this.log.children.length > 300) { this.log.removeChild(this.log.firstChild); }
    this.scroll(near);
    if (!quiet && m.author_id !== this.me) { this.pending += 1; this.announce(); }
  };

  Chat.prototype.button = function (label, about, action) {
    var b = document.createElement("button"); b.type = "button"; b.className = "chat-action";
    b.textContent = label;
    var hint = document.createElement("span"); hint.className = "visually-hidden"; hint.textContent = " — " + about.slice(0, 60);
    b.appendChild(hint); b.addEventListener("click", action); return b;
  };

  Chat.prototype.removeMessage = function (id) {
    var li = document.getElementById("chat-" + this.room + "-m" + id);
    if (li) { li.remove(); }
  };

  Chat.prototype.hideUser = function (userId, hidden) {
    var items = this.log.querySelectorAll("li[data-author='" + Number(userId) + "']");
    Array.prototype.forEach.call(items, function (li) {
      if (this.access.moderate) { li.classList.toggle("chat-hidden", hidden); } else { li.remove(); }
    }, this);
  };

  Chat.prototype.scroll = function (toEnd) { if (toEnd) { this.log.scrollTop = this.log.scrollHeight; } };

  // A polite count, at most every few seconds, and never while the reader is in the log (they see it).
  Chat.prototype.announce = function () {
    var self = this, wait = this.lastAnnounce + ANNOUNCE_EVERY - Date.now();
    if (this.timer) { return; }
    this.timer = setTimeout(function () {
      self.timer = null;
      if (!self.pending || self.root.contains(document.activeElement) && document.activeElement === self.log) { self.pending = 0; return; }
      self.say(self.pending + " " + (self.pending > 1 ? self.t.new_messages : self.t.new_message));
      self.pending = 0; self.lastAnnounce = Date.now();
    }, Math.max(wait, 1500));
  };

  Chat.prototype.say = function (text) { this.announcer.textContent = text || ""; };

  Chat.prototype.renderQuestions = function (list) {
    this.qs = {};
    list.forEach(function (q) { this.qs[q.id] = q; }, this);
    this.drawQuestions();
  };

  Chat.prototype.upsertQuestion = function (q) { this.qs[q.id] = q; this.drawQuestions(); };

  Chat.prototype.drawQuestions = function () {
    var self = this, list = Object.keys(this.qs).map(function (k) { return self.qs[k]; });
    list.sort(function (a, b) { return (a.answered - b.answered) || (b.votes - a.votes) || (a.id - b.id); });
    this.questions.textContent = "";
    if (!list.length) { var none = document.createElement("li"); none.textContent = this.t.no_questions; this.questions.appendChild(none); return; }
    list.forEach(function (q, index) {
      var li = document.createElement("li");
      if (q.answered) { li.classList.add("chat-answered"); }
      if (!q.answered && index < 5) { li.classList.add("chat-top"); }
      var count = document.createElement("span"); count.className = "chat-votes"; count.textContent = q.votes + " " + self.t.votes;
      var text = document.createElement("span"); text.className = "chat-text"; text.innerHTML = q.html; // escaped by the server
      var who = document.createElement("span"); who.className = "chat-author"; who.textContent = q.author;
      li.appendChild(count); li.appendChild(text); li.appendChild(who);
      if (!q.answered && index < 5 && self.access.moderate) { // the speaker's five
        var top = document.createElement("span"); top.className = "chat-note"; top.textContent = self.t.top; li.appendChild(top);
      }
      if (q.answered) { var done = document.createElement("span"); done.className = "chat-note"; done.textContent = self.t.answered; li.appendChild(done); }
      if (self.me !== null) {
        var mine = !!self.votes[q.id], vote = self.button(mine ? self.t.unvote : self.t.vote, q.text, function () {
          post(self.base + "/questions/" + q.id + "/vote", self.token, {up: !mine}).then(function (data) {
            if (mine) { delete self.votes[q.id]; } else { self.votes[q.id] = true; }
            self.upsertQuestion(data.question);
          }).catch(function (e) { self.say(e.message); });
        });
        vote.setAttribute("aria-pressed", mine ? "true" : "false");
        li.appendChild(vote);
      }
      if (self.access.moderate) {
        li.appendChild(self.button(q.answered ? self.t.mark_open : self.t.mark_answered, q.text, function () {
          post(self.base + "/questions/" + q.id + "/answered", self.token, {answered: !q.answered})
            .then(function (data) { self.upsertQuestion(data.question); }).catch(function (e) { self.say(e.message); });
        }));
      }
      self.questions.appendChild(li);
    });
  };

  Chat.prototype.bind = function () {
    var self = this;
    this.sendForm(this.el("[data-chat-form]"), "/messages", function (data) { self.addMessage(data.message, true); self.scroll(true); });
    this.sendForm(this.el("[data-chat-ask]"), "/questions", function (data) { self.upsertQuestion(data.question); });
    var tabs = this.root.querySelectorAll("[data-chat-tab]");
    Array.prototype.forEach.call(tabs, function (tab) {
      tab.addEventListener("click", function () { self.select(tab.dataset.chatTab); });
      tab.addEventListener("keydown", function (e) {
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
          var other = tab.dataset.chatTab === "messages" ? "questions" : "messages";
          if (!self.el("[data-chat-tab=" + other + "]").hidden) { self.select(other); self.el("[data-chat-tab=" + other + "]").focus(); }
          e.preventDefault();
        }
      });
    });
    this.el("[data-chat-toggle-open]").addEventListener("click", function () {
      post(self.base + "/settings", self.token, {open: !self.access.open}).then(function (room) { self.applyRoom(room); }).catch(function (e) { self.say(e.message); });
    });
    this.el("[data-chat-slow-save]").addEventListener("click", function () {
      post(self.base + "/settings", self.token, {slow_seconds: self.el("[data-chat-slow]").value}).then(function (room) { self.applyRoom(room); }).catch(function (e) { self.say(e.message); });
    });
  };

  Chat.prototype.select = function (name) {
    Array.prototype.forEach.call(this.root.querySelectorAll("[data-chat-tab]"), function (tab) {
      var on = tab.dataset.chatTab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false"); tab.tabIndex = on ? 0 : -1;
    });
    Array.prototype.forEach.call(this.root.querySelectorAll("[data-chat-panel]"), function (panel) {
      panel.hidden = panel.dataset.chatPanel !== name;
    });
  };

  Chat.prototype.sendForm = function (form, path, after) {
    var self = this, error = form.querySelector("[data-chat-error]"), field = form.querySelector("textarea");
    field.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      error.textContent = "";
      post(self.base + path, self.token, {text: field.value}).then(function (data) {
        field.value = ""; after(data);
      }).catch(function (err) { error.textContent = err.message; });
    });
  };

  document.querySelectorAll("[data-chat]").forEach(function (root) { root.chat = new Chat(root); });
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-chat-seek]");
    if (link && window.Amphi && window.Amphi.player) {
      e.preventDefault(); window.Amphi.player.seek(parseFloat(link.dataset.chatSeek));
    }
  });
})();
