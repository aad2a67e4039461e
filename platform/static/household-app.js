// The enumerator's offline form (household survey, seed 002). The page carries the round's
// questionnaire and the enumerator's questionnaire slots as JSON; answers are queued in localStorage,
// each with its own submission key, and sent to the sync endpoint whenever the phone is online. The
// server stores each key once, so sending again after a lost reply never doubles an answer.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("household-data").textContent);
  var storeKey = "household-queue:" + data.sync_url;
  var form = document.getElementById("answer-form");
  var serialSelect = document.getElementById("serial");
  var pendingOut = document.getElementById("pending");
  var statusOut = document.getElementById("sync-status");

  // Serials whose questionnaire the server has stored: the page kept on the phone may predate them.
  var sentKey = "household-sent:" + data.sync_url;

  function read(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function queue() { return read(storeKey); }
  // A serial waiting on the phone or already sent is not offered again: one questionnaire per serial.
  function offer(items) {
    var taken = {};
    items.concat(read(sentKey)).forEach(function (item) { taken[item.serial] = true; });
    Array.prototype.forEach.call(serialSelect.options, function (option) {
      if (option.value) { option.hidden = option.disabled = !!taken[option.value]; }
    });
  }
  function save(items) {
    localStorage.setItem(storeKey, JSON.stringify(items));
    pendingOut.textContent = String(items.length);
    offer(items);
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function answersOf(formElement) {
    var answers = {};
    new FormData(formElement).forEach(function (value, name) {
      if (name.indexOf("q_") !== 0 || value === "") { return; }
      (answers[name] = answers[name] || []).push(String(value));
    });
    return answers;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var serial = serialSelect.value;
    if (!serial) { statusOut.textContent = data.texts.choose_serial; return; }
    var items = queue();
    items.push({ serial: serial, submission_key: newKey(), answers: answersOf(form) });
    save(items);
    form.reset();
    statusOut.textContent = data.texts.queued;
    sync();
  });

  var syncing = false;
  function sync() {
    var items = queue();
    if (syncing || !items.length || !navigator.onLine) { return; }
    syncing = true;
    fetch(data.sync_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf_token },
      body: JSON.stringify(items)
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (reply) {
      var done = {};
      var problems = [];
      var sent = read(sentKey);
      reply.results.forEach(function (result, index) {
        if (result.status === "stored" || result.status === "already_stored") {
          done[items[index].submission_key] = true;
          sent.push({ serial: items[index].serial });
        } else {
          var reasons = Object.keys(result.errors || {}).map(function (k) { return result.errors[k]; });
          problems.push(items[index].serial + ": " + reasons.join(" "));
        }
      });
      localStorage.setItem(sentKey, JSON.stringify(sent));
      // Keep what came in meanwhile and what the server refused (shown, to be corrected).
      save(queue().filter(function (item) { return !done[item.submission_key]; }));
      statusOut.textContent = problems.length ? problems.join("; ") : data.texts.synced;
    }).catch(function () {
      statusOut.textContent = data.texts.offline;
    }).then(function () { syncing = false; });
  }

  window.addEventListener("online", sync);
  setInterval(sync, 30000);
  save(queue());
  sync();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(data.worker_url).catch(function () { /* the page still works online */ });
  }
})();
