// Recompute as soon as an answer changes: the server renders the scores again (same pipeline as
// every door), this script only swaps them in. Without it, the Recompute button does the same.
"use strict";
(function () {
  var form = document.getElementById("answers");
  var scores = document.getElementById("scores");
  if (!form || !scores || !window.fetch) return;
  form.addEventListener("change", function () {
    fetch(form.action || window.location.href, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "X-Bonemet-Partial": "scores" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      scores.innerHTML = html;
      scores.setAttribute("data-updated", String(Date.now()));
    }).catch(function () { /* the Recompute button still works */ });
  });
})();
