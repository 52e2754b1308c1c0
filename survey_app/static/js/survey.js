/* The survey form, enhanced. Without this script the form works as plain HTML; with it:
   - answers are kept on this device (localStorage) until the server has stored them, so a lost connection or a
     closed tab loses nothing; they are cleared once a submission is stored or refused as already received;
   - after a failed send the same nonce is sent again, so an answer that did arrive is never stored twice;
   - progress is shown in questions (as the page counts them), unanswered questions are marked where they are and
     listed once above the form before anything is sent, the button says "sending…";
   - the page is sent with fetch, and the thank-you page replaces the form in history (Back cannot resend);
   - the language switch is a plain GET to the question the reader was on, and the answers follow from this
     device's storage.
   Nothing here leaves the device except the form itself, sent to the page's own address. */
(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form || !window.fetch || !window.FormData) return;
  var KEY = "eit-answers:" + location.pathname;
  var MAX_AGE = 24 * 3600 * 1000; // answers kept longer than a day are dropped, unsent
  var status = document.getElementById("send-status");
  var progress = document.getElementById("progress");
  var button = form.querySelector("button.send");
  var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset.q"));
  var sending = false;

  function load() {
    try {
      var kept = JSON.parse(localStorage.getItem(KEY) || "null");
      if (kept && Date.now() - kept.saved < MAX_AGE) return kept;
      localStorage.removeItem(KEY);
    } catch (e) { /* storage unavailable or unreadable: nothing kept */ }
    return null;
  }
  function save(extra) {
    var kept = load() || {};
    var data = { saved: Date.now(), fields: {}, nonce: kept.nonce || null };
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "nonce") data.fields[name] = value;
    });
    if (extra && extra.nonce) data.nonce = extra.nonce;
    if (extra && extra.clear) data.nonce = null;
    try { localStorage.setItem(KEY, JSON.stringify(data)); } catch (e) { /* full or disabled */ }
  }
  function forget() {
    try { localStorage.removeItem(KEY); } catch (e) { /* nothing to do */ }
  }
  function restore() {
    var kept = load();
    if (!kept) return;
    Object.keys(kept.fields).forEach(function (name) {
      var value = kept.fields[name];
      var field = form.elements[name];
      if (!field) return;
      if (field.tagName === "TEXTAREA") { if (!field.value) field.value = value; return; }
      var option = form.querySelector("input[name='" + name + "'][value='" + value + "']");
      if (option) option.checked = true;
    });
    // A send that may have arrived: send its nonce again, so the server refuses a second copy.
    if (kept.nonce) form.elements.nonce.value = kept.nonce;
    var notice = document.getElementById("kept");
    if (kept.nonce && notice) { notice.hidden = false; }
  }
  function answered(group) { return !!group.querySelector("input:checked"); }
  function outerOf(group) { return group.parentNode.closest ? group.parentNode.closest("fieldset.group") : null; }
  // Questions as the page counts them (intro, part headings): an item's sub-questions are parts of one question.
  var questions = [];
  groups.forEach(function (group) {
    var key = outerOf(group) || group;
    var last = questions[questions.length - 1];
    if (last && last.key === key) last.parts.push(group); else questions.push({ key: key, parts: [group] });
  });
  function showProgress() {
    var done = questions.filter(function (q) { return q.parts.every(answered); }).length;
    progress.textContent = progress.getAttribute("data-text").replace("{done}", done).replace("{total}", questions.length);
    progress.hidden = false;
  }
  // Mark (or clear) one unanswered group the way the server does: a message tied to it, its options invalid.
  function mark(group, on) {
    var id = group.getAttribute("data-q") + "-error";
    var message = document.getElementById(id);
    var inputs = group.querySelectorAll("input");
    if (on && !message) {
      message = document.createElement("p");
      message.className = "field-error"; message.id = id;
      message.textContent = form.getAttribute("data-required");
      group.insertBefore(message, group.querySelector(".opts"));
    } else if (!on && message) { message.parentNode.removeChild(message); }
    group.classList.toggle("invalid", on);
    if (on) group.setAttribute("aria-describedby", id); else group.removeAttribute("aria-describedby");
    Array.prototype.forEach.call(inputs, function (input) {
      if (on) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    });
  }
  // Where the reader is: the question last answered or focused (the switch is at the top of the page, so the
  // window has usually moved there), else the first question whose bottom is below the top of the window.
  var place = "";
  form.addEventListener("focusin", function (event) {
    var group = event.target.closest ? event.target.closest("fieldset.q") : null;
    if (group) place = "#" + group.id;
  });
  function here() {
    if (place) return place;
    for (var i = 0; i < groups.length; i++) {
      if (groups[i].getBoundingClientRect().bottom > 0) return "#" + groups[i].id;
    }
    return "";
  }
  function missingLines() {
    var lines = [], seen = {};
    groups.forEach(function (group) {
      mark(group, !answered(group));
      if (answered(group)) return;
      var outer = outerOf(group);
      var legend = (outer || group).querySelector("legend").textContent.trim();
      var key = outer ? legend : group.getAttribute("data-q");
      var input = group.querySelector("input");
      if (!seen[key]) {
        seen[key] = { anchor: input.id, text: legend.length > 72 ? legend.slice(0, 71) + "…" : legend, parts: [] };
        lines.push(seen[key]);
      }
      if (outer) seen[key].parts.push(group.getAttribute("data-part"));
    });
    return lines;
  }
  function showMissing(lines) {
    var old = document.getElementById("error-summary");
    if (old) old.parentNode.removeChild(old);
    var box = document.createElement("div");
    box.className = "error-summary"; box.id = "error-summary"; box.tabIndex = -1;
    box.setAttribute("role", "alert");
    var title = document.createElement("h2");
    title.textContent = form.getAttribute("data-check");
    var list = document.createElement("ul");
    lines.forEach(function (line) {
      var problem = line.parts.length ? form.getAttribute("data-missing-parts").replace("{parts}", line.parts.join(", "))
        : form.getAttribute("data-missing");
      var a = document.createElement("a");
      a.href = "#" + line.anchor;
      a.textContent = line.text + " (" + problem + ")";
      var li = document.createElement("li");
      li.appendChild(a); list.appendChild(li);
    });
    box.appendChild(title); box.appendChild(list);
    form.parentNode.insertBefore(box, form);
    box.focus();
  }
  function busy(on) {
    sending = on;
    button.disabled = on;
    if (on) { button.setAttribute("data-label", button.textContent); button.textContent = button.getAttribute("data-sending"); }
    else if (button.getAttribute("data-label")) { button.textContent = button.getAttribute("data-label"); }
  }
  function replacePage(html) {
    document.open(); document.write(html); document.close();
  }

  form.addEventListener("change", function (event) {
    save(); showProgress();
    var group = event.target.closest ? event.target.closest("fieldset.q") : null;
    if (group && group.classList.contains("invalid") && answered(group)) mark(group, false);
  });
  form.addEventListener("input", function () { save(); });
  document.getElementById("forget").addEventListener("click", function () {
    forget();
    location.replace(location.pathname + "?new=1");
  });
  // The language switch: keep the answers here, then load the other language with a plain GET at the question
  // the reader was on.
  Array.prototype.forEach.call(document.querySelectorAll("button[name='lang']"), function (switcher) {
    switcher.addEventListener("click", function (event) {
      event.preventDefault();
      save();
      location.replace(location.pathname + "?lang=" + switcher.value + here());
    });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    status.textContent = "";
    var lines = missingLines();
    if (lines.length) { showMissing(lines); return; }
    save({ nonce: form.elements.nonce.value });
    busy(true);
    fetch(location.pathname, { method: "POST", body: new FormData(form), redirect: "manual", credentials: "same-origin" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 303) {
          forget();
          location.replace(form.getAttribute("data-thanks"));
          return;
        }
        if (response.status === 429) { busy(false); status.textContent = status.getAttribute("data-busy"); return; }
        return response.text().then(function (html) {
          // 409: received before, or the link was used: nothing to resend. Otherwise nothing was stored, so the
          // page that comes back (with a fresh nonce where needed) is the one to send from.
          if (response.status === 409) forget(); else save({ nonce: null, clear: true });
          replacePage(html);
        });
      })
      .catch(function () {
        busy(false);
        status.textContent = status.getAttribute("data-offline");
      });
  });
  window.addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });
  restore();
  showProgress();
})();
