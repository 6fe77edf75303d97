"""Datadog as a monitoring backend: SLIs read from Datadog metrics (`source`, `reader`),
SLOs, burn-rate monitors and a dashboard exported and applied (`export`, `dashboard`,
`apply`), and the embedded counters sent to Datadog (`sender`). Only `queries` and
`settings` import without the `datadog-api-client` package (the `datadog` extra)."""
