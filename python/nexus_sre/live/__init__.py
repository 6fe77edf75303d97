"""The live side: `SLOManager` (the seed's façade) and what it is made of: the SLO registry,
window readings from the embedded counters or Prometheus, budget figures, the firing rules,
the alert book with typed alerts, and the periodic evaluation."""
