"""`python -m neat ...` runs the `neat` command."""

import sys

from neat.cli import main

sys.exit(main())
