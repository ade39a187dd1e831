"""`python -m neat ...` runs the `neat` command (Ctrl-C while it loads ends with one line)."""

import sys

try:
    from neat.cli import main
except KeyboardInterrupt:
    sys.stderr.write("\nneat: interrupted\n")
    sys.exit(130)

sys.exit(main())
