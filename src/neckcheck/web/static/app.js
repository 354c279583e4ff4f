// Small enhancements only: the pages work without this file.
(function () {
  "use strict";
  // Tell the server the browser's time zone, so times are stored as the person meant them.
  var tz = document.querySelector("[data-timezone]");
  if (tz && !tz.value) {
    tz.value = String(-new Date().getTimezoneOffset());
  }
  // Hide "when did it stop?" while "it is still going on" is ticked.
  var ongoing = document.querySelector("[data-ongoing]");
  var ended = document.querySelector("[data-ended]");
  if (ongoing && ended) {
    var sync = function () { ended.hidden = ongoing.checked; };
    ongoing.addEventListener("change", sync);
    sync();
  }
  // Bring the error summary into view for keyboard and screen-reader users.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
