"""Write a large SLO config (many small services) for measuring config validation cost."""

from __future__ import annotations

import sys


def big_config(services: int) -> str:
    parts = ['version: "1.0"\nservices:\n']
    for i in range(services):
        parts.append(
            f"  - name: svc-{i}\n    tier: tier-2\n    owner: team-{i % 97}\n    slos:\n"
            f"      - id: avail-{i}\n        target: 99.5\n        sli: {{type: availability}}\n"
        )
    return "".join(parts)


if __name__ == "__main__":
    sys.stdout.write(big_config(int(sys.argv[1])))
