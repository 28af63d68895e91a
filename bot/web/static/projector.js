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
  source.addEventListener("error", () => {
    // Refused (too many screens on one link) or gone for good: say so on the screen; a
    // dropped connection the browser retries by itself is not this.
    if (source.readyState !== EventSource.CLOSED) return;
    const note = document.createElement("p");
    note.className = "note live-off";
    note.textContent = status.dataset.stopped;
    main.prepend(note);
  });
})();
