"""What an SLO needs derived from its model, and its evaluation: per-bucket good/total series
-> budget, burn rates, fired alerts (`evaluate`), as plain data (`evaluation`)."""
