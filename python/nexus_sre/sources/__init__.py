"""Where SLI data comes from: embedded counters, Parquet files, Prometheus."""
