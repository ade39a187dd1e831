"""`python -m neat ...` runs the `neat` command (Ctrl-C while it loads ends with one line)."""

import _signal  # the C module: importing the `signal` wrapper takes long enough to be interrupted
import os
import sys


def _interrupted_while_loading(signum: int, frame: object) -> None:
    # A KeyboardInterrupt raised inside an extension module's import can surface as another error
    # with a traceback; nothing has been written yet, so leave at once.
    os.write(2, b"\nneat: interrupted\n")
    os._exit(130)


_signal.signal(_signal.SIGINT, _interrupted_while_loading)
from neat.app.cli import main  # noqa: E402  (imported once Ctrl-C is handled)

sys.exit(main())
