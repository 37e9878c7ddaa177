/* Copy buttons (`<button data-copy="text" data-copied="label" hidden>`): shown only when this
   script runs; without it the text stays selectable in one click (CSS user-select). */
(function () {
  "use strict";
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallback(text); });
    }
    return fallback(text);
  }
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var status = button.parentNode.querySelector(".copy-status");
      copy(button.getAttribute("data-copy")).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
      }, function () {
        if (status) { status.textContent = ""; }
      });
    });
  });
}());
