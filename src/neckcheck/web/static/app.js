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
})();
