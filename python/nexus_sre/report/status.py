"""How statuses read in every human format: a symbol and a word, never colour alone."""

from __future__ import annotations

STATUS_SYMBOL = {"healthy": "✅", "at-risk": "⚠️", "violated": "❌", "no-data": "⚪"}
STATUS_LABEL = {
    "healthy": "met",
    "at-risk": "at risk",
    "violated": "violated",
    "no-data": "no data",
}
SERVICE_LABEL = {
    "healthy": "healthy",
    "at-risk": "at risk",
    "violated": "violated",
    "no-data": "no data",
}
TYPE_SYMBOL = {"critical": "🔴", "warning": "🟠", "info": "🔵"}
# Plain Unicode symbols for HTML: they render with ordinary fonts (no emoji font needed).
HTML_SYMBOL = {"healthy": "✔", "at-risk": "▲", "violated": "✖", "no-data": "○"}
