// The Mini App's login: Telegram passes its signed launch data in the URL fragment
// (#tgWebAppData=…); it is posted to the server, which checks Telegram's signature and
// starts a session. No script of Telegram's is loaded.
"use strict";
(async () => {
  const status = document.getElementById("login-status");
  const launch = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData");
  if (!launch) {
    status.textContent = status.dataset.outside;
    return;
  }
  history.replaceState(null, "", location.pathname); // the launch data leaves the address
  try {
    const answer = await fetch("/app/login", {
      method: "POST",
      body: new URLSearchParams({ init_data: launch }),
      credentials: "same-origin",
    });
    if (answer.ok) {
      location.replace("/dashboard");
      return;
    }
  } catch (error) {
    // a network error: the same message as a refusal
  }
  status.textContent = status.dataset.failed;
})();
