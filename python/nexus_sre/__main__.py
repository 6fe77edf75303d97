"""`python -m nexus_sre`: the same as the `nexus-sre` command."""

import sys

from .cli import main

sys.exit(main())
