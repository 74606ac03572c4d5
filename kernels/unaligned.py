"""Unaligned 8-byte loads and stores on byte arrays, for kernels that walk strings a word at a time.

Why: numba has no unaligned load; assembling a word from eight byte loads is not combined
into one by LLVM here, and hashing or comparing a 50-byte string byte by byte costs three
times as much.  The caller guarantees ``i + 8 <= len(data)``.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["load8", "store8"]


@intrinsic
def load8(typingctx, data, i):  # noqa: ANN001, ANN201 - numba intrinsic
    """``data[i:i + 8]`` as a little-endian uint64 (``data``: a uint8 array)."""
    sig = types.uint64(data, types.intp)

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        array = context.make_array(signature.args[0])(context, builder, args[0])
        at = context.cast(builder, args[1], signature.args[1], types.intp)
        ptr = builder.bitcast(builder.gep(array.data, [at]), ir.IntType(64).as_pointer())
        return builder.load(ptr, align=1)

    return sig, codegen


@intrinsic
def store8(typingctx, data, i, value):  # noqa: ANN001, ANN201 - numba intrinsic
    """Write ``value`` (uint64) little-endian at ``data[i:i + 8]`` (``data``: a uint8 array)."""
    sig = types.void(data, types.intp, types.uint64)

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        array = context.make_array(signature.args[0])(context, builder, args[0])
        at = context.cast(builder, args[1], signature.args[1], types.intp)
        v = context.cast(builder, args[2], signature.args[2], types.uint64)
        ptr = builder.bitcast(builder.gep(array.data, [at]), ir.IntType(64).as_pointer())
        builder.store(v, ptr, align=1)
        return context.get_dummy_value()

    return sig, codegen
