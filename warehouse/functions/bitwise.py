"""Bitwise operators on integers: ``&``, ``|``, ``#`` (xor), ``~`` (not), ``<<``, ``>>``
(``atttypmod >> 16`` in redshift_connector's column metadata query).  The result has the
wider argument's integer type; NULL in, NULL out."""

from __future__ import annotations

import numpy as np

from warehouse import types as T
from warehouse.functions.base import and_valid, as_vec, is_scalar, make
from warehouse.functions.coercion import common_supertype
from warehouse.functions.core import coerce, no_function, register
from warehouse.vector import Scalar

_OPS = {
    "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
    "shift_left": np.left_shift,
    "shift_right": np.right_shift,
}


def _resolve(name, args):
    args = list(args)
    if name == "bitwise_not":
        if len(args) != 1 or not (args[0].type.is_integer or args[0].type.is_null):
            raise no_function(name, args)
        t = args[0].type if args[0].type.is_integer else T.INTEGER
        return [coerce(args[0], t)], t
    if len(args) != 2 or not all(a.type.is_integer or a.type.is_null for a in args):
        raise no_function(name, args)
    t = args[0].type if name.startswith("shift") and args[0].type.is_integer else common_supertype([a.type for a in args])
    if not t.is_integer:
        t = T.INTEGER
    return [coerce(a, t if not name.startswith("shift") or i == 0 else T.INTEGER) for i, a in enumerate(args)], t


def _impl(call, args, n):
    t = call.type
    if all(is_scalar(a) for a in args):
        vals = [a.value for a in args]
        if any(v is None for v in vals):
            return Scalar(t, None)
        if call.fn == "bitwise_not":
            return Scalar(t, int(~np.array(vals[0], dtype=t.numpy_dtype)))
        return Scalar(t, int(_OPS[call.fn](np.array(vals[0], dtype=t.numpy_dtype), vals[1])))
    vs = [as_vec(a) for a in args]
    if call.fn == "bitwise_not":
        return make(t, ~vs[0].data, vs[0].valid)
    data = _OPS[call.fn](vs[0].data.astype(t.numpy_dtype), vs[1].data)
    return make(t, data.astype(t.numpy_dtype), and_valid(vs[0].valid, vs[1].valid))


register([*_OPS, "bitwise_not"], _resolve, _impl)
