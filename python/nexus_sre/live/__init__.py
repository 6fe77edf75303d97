"""The live side: `SLOManager` (the seed's façade: registry, recording, budgets, alerts) and
its alert objects."""
