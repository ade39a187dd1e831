"""Borrowed arrays: views that compiled hot loops can pass around without reference counting.

Numba counts references to every array that crosses a compiled function call: two atomic
operations per array per call. A network activation takes six arrays, so for a small network the
counting cost more than the arithmetic (an XOR-sized activation: 150 ns counted, 48 ns borrowed).
A borrowed view carries no owner record (a null meminfo), so numba's counting becomes a null check.

A borrowed view must not outlive the array it views: borrow at the top of a compiled function,
from arrays that function holds for its whole run, and never return or store the view. A named
tuple of arrays stays the same named tuple, fields read by name; but a `prange` loop cannot use one
borrowed outside it (numba's parfor lowering rebuilds a named tuple from the class called to make
it, here `borrow`): borrow it inside the loop.

`NEAT_BORROW=0` in the environment turns borrowing off: `borrow` then returns its argument in
compiled code too, and numba counts references as usual (to rule borrowing out when a compiled
function misbehaves, or to measure what it saves). numba's on-disk cache does not see the switch:
point NUMBA_CACHE_DIR at another folder while it is off.
"""

import os

from numba.core import cgutils, types
from numba.extending import intrinsic, overload

BORROW_ENV = "NEAT_BORROW"
BORROWING = os.environ.get(BORROW_ENV, "1") != "0"
"""Whether compiled code borrows (NEAT_BORROW is not "0" when this module loads)."""


def borrow(arrays):
    """The same array, or tuple of arrays, as views without reference counting; in plain Python,
    `arrays` itself."""
    return arrays


def _is_borrowable(typ) -> bool:
    if isinstance(typ, types.Array):
        return True
    return isinstance(typ, types.BaseTuple) and all(
        isinstance(t, types.Array) for t in typ)  # type: ignore[attr-defined]  # iterable subclasses


def _unowned_array(context, builder, typ, value):
    view = context.make_array(typ)(context, builder, value=value)
    view.meminfo = cgutils.get_null_value(view.meminfo.type)
    return view._getvalue()


@intrinsic
def _unowned_view(typingctx, arrays):
    if not _is_borrowable(arrays):
        return None

    def codegen(context, builder, signature, args):
        if isinstance(arrays, types.Array):
            return _unowned_array(context, builder, arrays, args[0])
        views = args[0]
        for i, typ in enumerate(arrays):
            element = builder.extract_value(args[0], i)
            views = builder.insert_value(views, _unowned_array(context, builder, typ, element), i)
        return views

    return arrays(arrays), codegen


@overload(borrow)
def _borrow_compiled(arrays):
    if not _is_borrowable(arrays):
        return None
    if BORROWING:
        return lambda arrays: _unowned_view(arrays)
    return lambda arrays: arrays
