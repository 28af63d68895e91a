// The projector page's live numbers: server-sent events carry the page's main part, as
// the server renders it, whenever it changes. Without this script a reload shows the same.
"use strict";
(() => {
  const main = document.getElementById("main");
  const status = document.getElementById("status");
  if (!main || !window.EventSource) return;
  const source = new EventSource(location.pathname.replace(/\/$/, "") + "/events");
  let first = true; // the stream opens with what the page already shows: not news
  source.addEventListener("update", (event) => {
    main.innerHTML = event.data;
    if (!first) status.textContent = status.dataset.updated;
    first = false;
  });
  source.addEventListener("closed", (event) => {
    main.innerHTML = event.data;
    source.close();
  });
})();
