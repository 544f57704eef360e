"""Complex tensors as (real, imaginary) pairs of real tensors, for tracing models into ONNX.

ONNX has no complex type and the torch exporters do not translate most complex operators, yet the models'
``enhance_spec`` works on complex spectra. :class:`CPair` stands in for a complex tensor: it holds two real
tensors and implements the part of the tensor API the models use (indexing, shape ops, arithmetic with real and
complex operands, ``real``/``imag``/``abs``, ``torch.cat``/``stack``/``zeros_like``...). Inside
:class:`complex_as_pairs`, ``torch.complex(re, im)`` returns a :class:`CPair` too, so running a model's own
``enhance_spec`` on a :class:`CPair` spectrum records a purely real graph. Anything not implemented raises
:class:`UnsupportedComplexOp` rather than silently producing a wrong graph; the exporter also checks the result
numerically against the model.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.overrides import TorchFunctionMode


class UnsupportedComplexOp(AttributeError):
    """A complex operation the real-pair emulation does not implement (an AttributeError, so ``hasattr`` works)."""


def _is_pair(x: Any) -> bool:
    return isinstance(x, CPair)


def _parts(x: Any) -> tuple[Any, Any]:
    """(real part, imaginary part or None when the operand is real) of a pair, tensor or python number."""
    if _is_pair(x):
        return x.re, x.im
    if isinstance(x, complex):
        return x.real, x.imag
    if isinstance(x, torch.Tensor) and x.is_complex():
        return x.real, x.imag
    return x, None


def _mul(a: Any, b: Any) -> CPair:
    (ar, ai), (br, bi) = _parts(a), _parts(b)
    if ai is None:
        return CPair(ar * br, ar * bi)
    if bi is None:
        return CPair(ar * br, ai * br)
    return CPair(ar * br - ai * bi, ar * bi + ai * br)


def _add(a: Any, b: Any, sign: float = 1.0) -> CPair:
    (ar, ai), (br, bi) = _parts(a), _parts(b)
    re = ar + br if sign > 0 else ar - br
    if bi is None:
        im = ai
    elif ai is None:
        im = bi if sign > 0 else -bi
    else:
        im = ai + bi if sign > 0 else ai - bi
    return CPair(re, im)


def _div(a: Any, b: Any) -> CPair:
    (br, bi) = _parts(b)
    if bi is None:
        ar, ai = _parts(a)
        return CPair(ar / br, ai / br) if ai is not None else CPair(ar / br, torch.zeros_like(ar / br))
    num = _mul(a, CPair(br, -bi))
    den = br * br + bi * bi
    return CPair(num.re / den, num.im / den)


def _as_pair(x: Any) -> CPair:
    if _is_pair(x):
        return x
    if isinstance(x, torch.Tensor) and x.is_complex():
        return CPair(x.real, x.imag)
    return CPair(x, torch.zeros_like(x))


_BINARY = {
    "__mul__": lambda a, b: _mul(a, b),
    "__rmul__": lambda a, b: _mul(b, a),
    "mul": lambda a, b: _mul(a, b),
    "multiply": lambda a, b: _mul(a, b),
    "__add__": lambda a, b: _add(a, b),
    "__radd__": lambda a, b: _add(b, a),
    "add": lambda a, b: _add(a, b),
    "__sub__": lambda a, b: _add(a, b, -1.0),
    "__rsub__": lambda a, b: _add(b, a, -1.0),
    "sub": lambda a, b: _add(a, b, -1.0),
    "__truediv__": lambda a, b: _div(a, b),
    "div": lambda a, b: _div(a, b),
    "__rtruediv__": lambda a, b: _div(b, a),
}

# shape / indexing operations applied to both parts alike (method name -> same call on re and im)
_SHAPE_METHODS = {
    "reshape",
    "view",
    "transpose",
    "permute",
    "unsqueeze",
    "squeeze",
    "flatten",
    "expand",
    "contiguous",
    "clone",
    "narrow",
    "select",
    "repeat",
    "repeat_interleave",
    "flip",
    "roll",
    "unfold",
    "movedim",
    "detach",
    "__getitem__",
    "to",
}


class CPair:
    """A complex tensor as two real tensors of equal shape (see the module docstring)."""

    __slots__ = ("re", "im")

    def __init__(self, re: torch.Tensor, im: torch.Tensor):
        self.re, self.im = re, im

    # ------------------------------------------------------------ attributes
    @property
    def real(self) -> torch.Tensor:
        return self.re

    @property
    def imag(self) -> torch.Tensor:
        return self.im

    @property
    def shape(self) -> torch.Size:
        return self.re.shape

    @property
    def ndim(self) -> int:
        return self.re.ndim

    @property
    def device(self) -> torch.device:
        return self.re.device

    @property
    def dtype(self) -> torch.dtype:
        return torch.complex128 if self.re.dtype == torch.float64 else torch.complex64

    def dim(self) -> int:
        return self.re.dim()

    def size(self, d: int | None = None):
        return self.re.size() if d is None else self.re.size(d)

    def numel(self) -> int:
        return self.re.numel()

    def is_complex(self) -> bool:
        return True

    def __len__(self) -> int:
        return len(self.re)

    # ------------------------------------------------------------ shape ops and indexing
    def _both(self, name: str, *args, **kwargs) -> CPair:
        return CPair(getattr(self.re, name)(*args, **kwargs), getattr(self.im, name)(*args, **kwargs))

    def __getattr__(self, name: str):
        if name in _SHAPE_METHODS:
            return lambda *a, **k: self._both(name, *a, **k)
        raise UnsupportedComplexOp(f"complex tensor method {name!r} is not supported by the ONNX export")

    def __getitem__(self, idx) -> CPair:
        return CPair(self.re[idx], self.im[idx])

    # ------------------------------------------------------------ arithmetic
    def __mul__(self, o):
        return _mul(self, o)

    def __rmul__(self, o):
        return _mul(o, self)

    def __add__(self, o):
        return _add(self, o)

    def __radd__(self, o):
        return _add(o, self)

    def __sub__(self, o):
        return _add(self, o, -1.0)

    def __rsub__(self, o):
        return _add(o, self, -1.0)

    def __truediv__(self, o):
        return _div(self, o)

    def __rtruediv__(self, o):
        return _div(o, self)

    def __neg__(self):
        return CPair(-self.re, -self.im)

    def __matmul__(self, o):
        if _is_pair(o):
            return CPair(self.re @ o.re - self.im @ o.im, self.re @ o.im + self.im @ o.re)
        return CPair(self.re @ o, self.im @ o)

    def __rmatmul__(self, o):
        return CPair(o @ self.re, o @ self.im)

    def abs(self) -> torch.Tensor:
        return torch.sqrt(self.re.square() + self.im.square())

    def angle(self) -> torch.Tensor:
        return torch.atan2(self.im, self.re)

    def conj(self) -> CPair:
        return CPair(self.re, -self.im)

    def new_zeros(self, *size, **kwargs) -> CPair:
        z = self.re.new_zeros(*size)
        return CPair(z, z.clone())

    def sum(self, *args, **kwargs) -> CPair:
        return self._both("sum", *args, **kwargs)

    def mean(self, *args, **kwargs) -> CPair:
        return self._both("mean", *args, **kwargs)

    # ------------------------------------------------------------ torch functions
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _BINARY and len(args) == 2 and not kwargs:
            return _BINARY[name](*args)
        if func in (torch.cat, torch.concat, torch.stack):
            seq = [_as_pair(t) for t in args[0]]
            return CPair(func([t.re for t in seq], *args[1:], **kwargs), func([t.im for t in seq], *args[1:], **kwargs))
        if func in (torch.zeros_like,):
            z = torch.zeros_like(args[0].re)
            return CPair(z, z.clone())
        if func is torch.real:
            return args[0].re
        if func is torch.imag:
            return args[0].im
        if func is torch.abs:
            return args[0].abs()
        if func is torch.view_as_real:
            return torch.stack([args[0].re, args[0].im], dim=-1)
        if func is torch.where:
            cond, a, b = args
            a, b = _as_pair(a), _as_pair(b)
            return CPair(torch.where(cond, a.re, b.re), torch.where(cond, a.im, b.im))
        if func in (
            torch.flatten,
            torch.reshape,
            torch.transpose,
            torch.permute,
            torch.unsqueeze,
            torch.squeeze,
            torch.narrow,
            torch.select,
            torch.roll,
            torch.flip,
            torch.movedim,
        ):
            x, *rest = args
            return CPair(func(x.re, *rest, **kwargs), func(x.im, *rest, **kwargs))
        raise UnsupportedComplexOp(
            f"{getattr(func, '__qualname__', func)} on complex tensors is not supported by the ONNX export"
        )


class complex_as_pairs(TorchFunctionMode):  # noqa: N801 - used like a function: ``with complex_as_pairs():``
    """Within this context ``torch.complex(re, im)`` returns a :class:`CPair` instead of a complex tensor."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.complex:
            re, im = args[0], args[1] if len(args) > 1 else kwargs["imag"]
            re, im = torch.broadcast_tensors(re, im)
            return CPair(re, im)
        if func is torch.polar:
            mag, ang = args
            return CPair(mag * torch.cos(ang), mag * torch.sin(ang))
        return func(*args, **kwargs)


def to_pair(x: Any) -> CPair:
    """A complex torch tensor (or a :class:`CPair`, or a real tensor) as a :class:`CPair`."""
    return _as_pair(x)
