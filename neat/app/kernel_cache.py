"""Whether numba's on-disk cache holds a module's compiled kernels yet: on a first run (a fresh clone
or install, or after `make clean-cache`) numba compiles them before the first generation, once."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from numba import config as numba_config
from numba.core.dispatcher import Dispatcher

FIRST_COMPILE_NOTICE = ("First run: numba compiles the kernels before generation 0 (about 20-40 s, "
                        "once; later runs load them from its cache).")


def kernels_cached(module: ModuleType) -> bool:
    """False when `module` defines kernels (numba dispatchers that are not inlined) and numba's
    on-disk cache holds none of them; True otherwise, also when the cache cannot be found."""
    kernels = [v for v in vars(module).values() if isinstance(v, Dispatcher)
               and v.py_func.__module__ == module.__name__ and v.targetoptions.get("inline")
               != "always"]
    if not kernels or not module.__file__:
        return True
    source = Path(module.__file__)
    pattern = f"{source.stem}.*.nbi"
    cache_dir: str = numba_config.CACHE_DIR  # type: ignore[attr-defined]  # set at run time
    if cache_dir:
        return next(Path(cache_dir).rglob(pattern), None) is not None
    if not os.access(source.parent, os.W_OK):
        return True  # numba keeps this cache elsewhere (a user-wide folder)
    return next((source.parent / "__pycache__").glob(pattern), None) is not None
