"""Small shared helpers with no SLO logic: durations, exact figures, status-code ranges, paths."""
