"""Where SLI data comes from: embedded counters, request exports (parquet), backfill output,
Prometheus. `select.evaluations_from` picks one by name."""

SOURCES = ("embedded", "parquet", "backfill", "prometheus")
