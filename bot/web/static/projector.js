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
  const stop = (text) => {
    source.close();
    const note = document.createElement("p");
    note.className = "note live-off";
    note.textContent = text;
    main.prepend(note);
  };
  // Another screen opened the link: the server ends the oldest of a few streams.
  source.addEventListener("replaced", () => stop(status.dataset.replaced));
  source.addEventListener("error", () => {
    // Refused or gone for good: say so on the screen; a dropped connection the browser
    // retries by itself is not this.
    if (source.readyState === EventSource.CLOSED) stop(status.dataset.stopped);
  });
})();
