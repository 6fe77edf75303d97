/*
 * nexus-sre browser error reporter: posts uncaught errors and unhandled promise
 * rejections to the nexus-sre error intake, which counts each one against the
 * frontend's availability SLO and keeps its message in the store's digest.
 *
 *   <script src="/static/nexus-errors.js" data-endpoint="/errors"></script>
 *
 * Same origin: a JSON beacon (navigator.sendBeacon with an application/json Blob,
 * or fetch with keepalive where the browser refuses that type in a beacon).
 * Another origin: a text/plain beacon, which needs the page's origin in the
 * intake's allowed_origins. At most `data-max` (default 10) reports per page.
 * Also exposes window.nexusReportError(message, stack, component) for code that
 * catches errors itself (the React ErrorBoundary in ErrorBoundary.jsx uses it).
 */
(function (global) {
  "use strict";
  var script = document.currentScript;
  var endpoint = (script && script.getAttribute("data-endpoint")) || "/errors";
  var max = Number((script && script.getAttribute("data-max")) || 10);
  var sent = 0;

  function clip(value, limit) {
    return value == null ? undefined : String(value).slice(0, limit);
  }

  function post(body) {
    var target = new URL(endpoint, global.location.href);
    if (target.origin !== global.location.origin) {
      return navigator.sendBeacon && navigator.sendBeacon(target.href, body);
    }
    try {
      var blob = new Blob([body], { type: "application/json" });
      if (navigator.sendBeacon && navigator.sendBeacon(target.href, blob)) return true;
    } catch (e) {
      // Some browsers refuse a non-CORS-safelisted type in a beacon: use fetch below.
    }
    if (global.fetch) {
      global.fetch(target.href, {
        method: "POST",
        body: body,
        headers: { "Content-Type": "application/json" },
        keepalive: true,
        credentials: "same-origin",
      }).catch(function () {});
      return true;
    }
    return false;
  }

  function report(message, stack, component) {
    if (sent >= max) return false;
    sent += 1;
    return post(
      JSON.stringify({
        message: clip(message || "Unknown error", 2000),
        stack: clip(stack, 12000),
        component: clip(component, 200),
        url: clip(global.location.href, 2000),
        timestamp: Date.now(), // information only: the intake records at its own time
      })
    );
  }

  global.addEventListener("error", function (event) {
    report(event.message, event.error && event.error.stack);
  });
  global.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason;
    var message = reason && reason.message ? reason.message : String(reason);
    report("Unhandled rejection: " + message, reason && reason.stack);
  });
  global.nexusReportError = report;
})(window);
