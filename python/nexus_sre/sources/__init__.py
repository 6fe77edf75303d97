"""Where SLI data comes from: embedded counters, request exports (parquet), backfill output,
Prometheus, Datadog. `select.evaluations_from` picks one by name."""

SOURCES = ("embedded", "parquet", "backfill", "prometheus", "datadog")
