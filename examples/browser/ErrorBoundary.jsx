/*
 * A React error boundary that reports render errors to the nexus-sre error intake
 * (like the toolkit's original ErrorBoundary), then shows a fallback.
 *
 *   <ErrorBoundary name="Checkout" fallback={<p>Something went wrong.</p>}>
 *     <Checkout />
 *   </ErrorBoundary>
 *
 * Uses window.nexusReportError from nexus-errors.js when the page loads it, else
 * posts the beacon itself. Plain JSX: compile it with your app's build.
 */
import React from "react";

function postBeacon(endpoint, beacon) {
  const body = JSON.stringify(beacon);
  const blob = new Blob([body], { type: "application/json" });
  try {
    if (navigator.sendBeacon && navigator.sendBeacon(endpoint, blob)) return;
  } catch (e) {
    // fall through to fetch
  }
  fetch(endpoint, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json" },
    keepalive: true,
    credentials: "same-origin",
  }).catch(() => {});
}

export default class ErrorBoundary extends React.Component {
  constructor(props) {
    super(props);
    this.state = { hasError: false };
  }

  static getDerivedStateFromError() {
    return { hasError: true };
  }

  componentDidCatch(error, info) {
    const component = this.props.name || "ErrorBoundary";
    const message = (error && error.message) || String(error);
    const stack = [error && error.stack, info && info.componentStack].filter(Boolean).join("\n");
    if (typeof window.nexusReportError === "function") {
      window.nexusReportError(message, stack, component);
      return;
    }
    postBeacon(this.props.endpoint || "/errors", {
      message: message.slice(0, 2000),
      stack: stack.slice(0, 12000),
      component: component.slice(0, 200),
      url: window.location.href.slice(0, 2000),
      timestamp: Date.now(),
    });
  }

  render() {
    if (this.state.hasError) {
      return this.props.fallback || null;
    }
    return this.props.children;
  }
}
