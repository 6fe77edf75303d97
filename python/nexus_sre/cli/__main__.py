"""`python -m nexus_sre.cli`."""

import sys

from . import main

sys.exit(main())
