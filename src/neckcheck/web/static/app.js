// Small enhancements only: the pages work without this file.
(function () {
  "use strict";
  // The browser's time zone (its name, so that times are placed right across a change of
  // daylight-saving time; else its current offset in minutes).
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  var tz = document.querySelector("[data-timezone]");
  if (tz && !tz.value) {
    tz.value = zone || String(-new Date().getTimezoneOffset());
  }
  var profileZone = document.querySelector("[data-time-zone]");
  if (profileZone && !profileZone.value && zone) { profileZone.placeholder = zone; }
  // Bring the error summary into view for keyboard and screen-reader users.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // A spasm going on: its timer ticks. The page says how long it had lasted when the server
  // sent it (data-elapsed, in seconds); the time since then is added, so a phone whose clock
  // is off still shows the right time. Worded as neckcheck.text.format_elapsed words it.
  var timers = document.querySelectorAll("[data-elapsed]");
  if (timers.length && window.performance) {
    var loaded = performance.now();
    var words = function (seconds) {
      var minutes = Math.floor(Math.max(seconds, 0) / 60);
      if (minutes < 1) { return "under a minute"; }
      if (minutes < 60) { return minutes + " min"; }
      var hours = Math.floor(minutes / 60);
      if (hours < 48) { return hours + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : ""); }
      return Math.floor(hours / 24) + " days" + (hours % 24 ? " " + (hours % 24) + " h" : "");
    };
    var tick = function () {
      var passed = (performance.now() - loaded) / 1000;
      for (var i = 0; i < timers.length; i++) {
        var seconds = Number(timers[i].getAttribute("data-elapsed")) + passed;
        var time = timers[i].querySelector("time");
        if (time && !isNaN(seconds)) {
          var minutes = Math.floor(Math.max(seconds, 0) / 60);
          time.textContent = words(seconds);
          time.setAttribute("datetime", "PT" + Math.floor(minutes / 60) + "H" + (minutes % 60) + "M");
        }
      }
    };
    setInterval(tick, 10000);
    document.addEventListener("visibilitychange", tick);
  }
})();
