"""Recording middleware for ASGI and WSGI services, /metrics apps and the browser error
intake. See docs/embedding.md."""

from __future__ import annotations

from .asgi import SLOMiddleware, metrics_app
from .beacon import ErrorBeacon, IntakeLimits, TokenBucket, parse_beacon, record_error
from .intake import BrowserErrorIntake, error_intake_route, error_intake_wsgi
from .rules import DEFAULT_SKIP_PATHS, SKIP_RECORDING, RecordingRules, default_classifier
from .wsgi import WSGISLOMiddleware, flask_route_resolver, metrics_wsgi_app

__all__ = [
    "DEFAULT_SKIP_PATHS",
    "SKIP_RECORDING",
    "BrowserErrorIntake",
    "ErrorBeacon",
    "IntakeLimits",
    "RecordingRules",
    "SLOMiddleware",
    "TokenBucket",
    "WSGISLOMiddleware",
    "default_classifier",
    "error_intake_route",
    "error_intake_wsgi",
    "flask_route_resolver",
    "metrics_app",
    "metrics_wsgi_app",
    "parse_beacon",
    "record_error",
]
