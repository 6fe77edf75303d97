from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nexus_sre.config import load_config_text
from nexus_sre.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
version: "1.0"
services:
  - name: api
    tier: tier-1
    slos:
      - id: avail
        target: 99.5
        sli:
          type: availability
"""


def issues_of(text: str, **options: object) -> list[str]:
    """Every message (as the user reads it) for a config that must fail."""
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(text), "cfg.yaml", **options)
    return [str(i) for i in info.value.issues]


@pytest.fixture
def root() -> Path:
    return ROOT
