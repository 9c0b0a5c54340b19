"""PyTorch-aware checks for learner answers.

Each check looks a name up in the notebook's namespace and ends in one of
three outcomes: :class:`NotAttempted`, :class:`Incorrect` (both raise) or a
printed confirmation. The functions and classes the checks rely on are bound
here at import time, so that an answer which later monkeypatches ``torch``
cannot change how the checks compare.
"""

import math
import sys

import torch

from .messages import message
from .outcomes import Incorrect, NotAttempted, report_correct

# Bound once: learner code that reassigns torch.isclose etc. does not reach these.
_Tensor = torch.Tensor
_Module = torch.nn.Module
_isclose = torch.isclose
_tensor = torch.tensor
_as_tensor = torch.as_tensor
_equal = torch.equal
_no_grad = torch.no_grad
_Generator = torch.Generator
_randn = torch.randn
_isinstance = isinstance
_callable = callable

_PLAIN_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
_UNSET = object()

# (rtol, atol) per dtype, close to torch.testing's defaults.
_TOLERANCES = {
    torch.float16: (1e-3, 1e-3),
    torch.bfloat16: (1.6e-2, 1e-3),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex64: (1.3e-6, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}


# ---------------------------------------------------------------- lookup

def _caller_namespace():
    """The globals of the first frame outside this package (the notebook's)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}


def _lookup(name, namespace):
    """Resolve ``name`` (may be dotted: ``net.conv1.weight``) or raise NotAttempted."""
    if namespace is None:
        namespace = _caller_namespace()
    head, *attrs = name.split(".")
    if head not in namespace:
        raise NotAttempted(message("not_defined", name=head))
    value = namespace[head]
    for attr in attrs:
        try:
            value = getattr(value, attr)
        except AttributeError:
            raise Incorrect(message("not_defined", name=name)) from None
    return value


def _type_name(value):
    if _isinstance(value, _Tensor):
        return "torch.Tensor"
    kind = type(value)
    return f"torch.{kind.__qualname__}" if kind.__module__.startswith("torch") else kind.__qualname__


def _shape(size):
    return str(tuple(size))


# ---------------------------------------------------------------- tensors

def _shape_hint(found, expected):
    found, expected = tuple(found), tuple(expected)
    if len(found) > 1 and found == expected[::-1]:
        return message("hint_transposed")
    if len(expected) == len(found) + 1 and expected[1:] == found:
        return message("hint_missing_batch")
    if len(found) == len(expected) + 1 and 1 in found and tuple(d for d in found if d != 1) == tuple(
        d for d in expected if d != 1
    ):
        return message("hint_extra_dim")
    if math.prod(found) == math.prod(expected):
        return message("hint_same_numel")
    return None


def _dtype_hint(found, expected):
    if found.is_floating_point == expected.is_floating_point:
        return message("hint_float_vs_double") if found.is_floating_point else message("hint_dtype_arg")
    return message("hint_dtype_arg")


def _first_mismatch(found, expected):
    """Index of the first differing element of two same-shape CPU tensors, or None."""
    if found.dtype.is_floating_point or found.dtype.is_complex:
        rtol, atol = _TOLERANCES.get(found.dtype, (1e-5, 1e-8))
        target = expected.to(found.dtype)
        close = _isclose(found, target, rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = found == expected.to(found.dtype)
    if bool(close.all()):
        return None
    index = (~close).nonzero()[0].tolist()
    return tuple(index)


def _values_hint(found, expected):
    if expected.numel() == 0 or not found.dtype.is_floating_point:
        return None
    expected = expected.to(found.dtype)
    if bool((expected != 0).any()):
        if _first_mismatch(found, expected * 2) is None:
            return message("hint_twice")
        if _first_mismatch(found, -expected) is None:
            return message("hint_negated")
    return None


def _element(tensor, index):
    value = tensor[index] if index else tensor
    return round(value.item(), 4) if value.dtype.is_floating_point else value.item()


def _compare_tensor(label, found, expected=None, *, shape=None, dtype=None, device=None,
                    requires_grad=None, grad_fn=_UNSET, fill=None, hidden=False):
    """Raise Incorrect for the first property of ``found`` that is wrong."""
    if not _isinstance(found, _Tensor):
        raise Incorrect(message("not_a_tensor", name=label, found=_type_name(found)))
    if type(found) not in _PLAIN_TENSOR_TYPES:  # a subclass could lie about its values via __torch_function__
        raise Incorrect(message("not_a_tensor", name=label, found=type(found).__name__))
    if expected is not None and not _isinstance(expected, _Tensor):
        expected = _as_tensor(expected)
    if expected is not None:
        shape = expected.shape if shape is None else shape
        dtype = expected.dtype if dtype is None else dtype
    if shape is not None and tuple(found.shape) != tuple(shape):
        key = "shape_hidden" if hidden else "shape"
        raise Incorrect(message(key, name=label, found=_shape(found.shape), expected=_shape(shape)),
                        _shape_hint(found.shape, shape))
    if dtype is not None and found.dtype != dtype:
        key = "dtype_hidden" if hidden else "dtype"
        raise Incorrect(message(key, name=label, found=found.dtype, expected=dtype),
                        _dtype_hint(found.dtype, dtype))
    if device is not None and found.device.type != torch.device(device).type:
        raise Incorrect(message("device", name=label, found=found.device.type,
                                expected=torch.device(device).type), message("hint_to_device"))
    if requires_grad is True and not found.requires_grad:
        raise Incorrect(message("requires_grad_true", name=label), message("hint_requires_grad_true"))
    if requires_grad is False and found.requires_grad:
        raise Incorrect(message("requires_grad_false", name=label), message("hint_requires_grad_false"))
    if grad_fn is not _UNSET:
        _compare_grad_fn(label, found.grad_fn, grad_fn)
    cpu = found.detach().cpu()
    if fill is not None:
        index = _first_mismatch(cpu, _tensor(fill).expand(cpu.shape))
        if index is not None:
            raise Incorrect(message("not_filled", name=label, expected=fill, index=index,
                                    found=_element(cpu, index)))
    if expected is not None:
        want = expected.detach().cpu()
        index = _first_mismatch(cpu, want)
        if index is not None:
            raise Incorrect(message("values", name=label, index=index, found=_element(cpu, index)),
                            _values_hint(cpu, want))


def _compare_grad_fn(label, found, expected):
    if expected is None or expected is False:
        if found is not None:
            raise Incorrect(message("grad_fn_unexpected", name=label, found=type(found).__name__),
                            message("hint_requires_grad_false"))
        return
    if found is None:
        raise Incorrect(message("grad_fn_missing", name=label), message("hint_no_grad_fn"))
    if _isinstance(expected, str) and type(found).__name__ != expected:
        raise Incorrect(message("grad_fn_wrong", name=label, found=type(found).__name__, expected=expected))


def check_tensor(name, expected=None, *, shape=None, dtype=None, device=None, requires_grad=None,
                 grad_fn=_UNSET, fill=None, hidden=False, quiet=False, namespace=None):
    """Check the tensor called ``name`` in the notebook.

    ``expected`` (a tensor or nested list) fixes shape, dtype and values unless
    given separately; ``fill`` asks for one value everywhere; ``grad_fn`` is
    ``None``/``False`` (outside the graph), ``True`` (any) or a class name such
    as ``"MulBackward0"``. ``hidden=True`` never prints expected shapes or
    dtypes and passes silently; ``quiet=True`` only passes silently (for a
    check that is one step of a longer one). No check prints expected values.
    """
    found = _lookup(name, namespace)
    _compare_tensor(name, found, expected, shape=shape, dtype=dtype, device=device,
                    requires_grad=requires_grad, grad_fn=grad_fn, fill=fill, hidden=hidden)
    if not (hidden or quiet):
        report_correct(name, message("summary_tensor", shape=_shape(found.shape), dtype=found.dtype))


# ---------------------------------------------------------------- plain values

def _compare_value(label, found, expected, *, tol=1e-6, hidden=False):
    if _isinstance(expected, _Tensor):
        _compare_tensor(label, found, expected, hidden=hidden)
        return
    if _isinstance(expected, (int, float)) and not _isinstance(expected, bool):
        if _isinstance(found, _Tensor):
            raise Incorrect(message("type", name=label, found="torch.Tensor", expected="Python number"),
                            message("hint_item") if found.numel() == 1 else None)
        if not _isinstance(found, (int, float)) or _isinstance(found, bool):
            raise Incorrect(message("type", name=label, found=_type_name(found), expected="Python number"))
        if not math.isclose(found, expected, rel_tol=tol, abs_tol=tol):
            raise Incorrect(message("value", name=label, found=found))
        return
    if _isinstance(expected, tuple) and _isinstance(found, list):
        found = tuple(found)
    if found != expected:
        if type(found) is not type(expected) and not (_isinstance(found, tuple) and _isinstance(expected, tuple)):
            raise Incorrect(message("type", name=label, found=_type_name(found), expected=_type_name(expected)))
        raise Incorrect(message("value", name=label, found=found))


def check_value(name, expected, *, tol=1e-6, hidden=False, quiet=False, namespace=None):
    """Check a Python value (number within ``tol``, bool, str, tuple, torch.Size)."""
    found = _lookup(name, namespace)
    _compare_value(name, found, expected, tol=tol, hidden=hidden)
    if not (hidden or quiet):
        report_correct(name, message("summary_value", value=found))


# ---------------------------------------------------------------- functions

def _snapshot(value):
    if _isinstance(value, _Tensor):
        return (value.detach().clone(), value.requires_grad, None if value.grad is None else value.grad.clone())
    return None


def _fresh(value):
    """A private copy of an argument, so each case starts from the same input."""
    if _isinstance(value, _Tensor):
        copy = value.detach().clone()
        return copy.requires_grad_(value.requires_grad) if value.is_leaf else copy
    return value


def _describe(args, hidden):
    if hidden:
        return ", ".join("…" for _ in args)
    return ", ".join(_describe_one(arg) for arg in args)


def _describe_one(arg):
    if _isinstance(arg, _Tensor):
        if arg.numel() > 6:
            return f"<tensor of shape {_shape(arg.shape)}>"
        values = arg.detach().cpu()
        if values.dtype.is_floating_point:
            values = values.double().round(decimals=4)
        return f"tensor({values.tolist()})"
    if _callable(arg):
        return getattr(arg, "__name__", type(arg).__name__)
    return repr(arg)


def _call(name, function, args, hidden):
    call = f"{name}({_describe(args, hidden)})"
    try:
        return call, function(*args)
    except NotImplementedError:
        raise NotAttempted(message("not_implemented", name=name)) from None
    except Exception as error:  # a learner bug: report it in PyTorch terms, not as a traceback
        raise Incorrect(message("raised", call=call, error=f"{type(error).__name__}: {error}")) from None


def _check_not_mutated(call, args, snapshots):
    for position, (arg, snap) in enumerate(zip(args, snapshots)):
        if snap is None:
            continue
        values, requires_grad, grad = snap
        if arg.shape != values.shape or not _equal(arg.detach(), values):
            hint = "hint_in_place"
        elif arg.requires_grad != requires_grad:
            hint = "hint_mutated_requires_grad"
        elif (grad is None) != (arg.grad is None) or (grad is not None and not _equal(grad, arg.grad)):
            hint = "hint_mutated_grad"
        else:
            continue
        raise Incorrect(message("mutated", call=call, arg=f"#{position + 1}"), message(hint))


def check_function(name, cases, *, hidden=False, quiet=False, check_mutation=True, namespace=None):
    """Call the function ``name`` on each ``(args, expected)`` case and compare.

    ``args`` is a tuple of arguments (copied afresh for each call); ``expected``
    a tensor, number or other value. With ``check_mutation`` the call must leave
    tensor arguments (values, requires_grad, .grad) as they were.
    """
    function = _lookup(name, namespace)
    if not _callable(function):
        raise Incorrect(message("not_callable", name=name, found=_type_name(function)))
    for args, expected in cases:
        args = tuple(_fresh(a) for a in args)
        snapshots = [_snapshot(a) for a in args]
        call, result = _call(name, function, args, hidden)
        label = message("result_of", call=call)
        _compare_value(label, result, expected, hidden=hidden)
        if check_mutation:
            _check_not_mutated(call, args, snapshots)
    if not (hidden or quiet):
        report_correct(name, message("summary_function", count=len(cases)))


# ---------------------------------------------------------------- modules

def check_module(name, *, input_shape=None, output_shape=None, n_params=None, n_param_tensors=None,
                 hidden=False, quiet=False, namespace=None):
    """Check an ``nn.Module`` instance: parameter counts and the output shape of a forward pass."""
    module = _lookup(name, namespace)
    if not _isinstance(module, _Module):
        raise Incorrect(message("not_a_module", name=name, found=_type_name(module)))
    params = [p for p in module.parameters() if p.requires_grad]
    if n_param_tensors is not None and len(params) != n_param_tensors:
        raise Incorrect(message("param_tensors", name=name, found=len(params), expected=n_param_tensors))
    count = sum(p.numel() for p in params)
    if n_params is not None and count != n_params:
        key = "param_count_hidden" if hidden else "param_count"
        raise Incorrect(message(key, name=name, found=count, expected=n_params))
    if input_shape is not None:
        first = next(module.parameters(), None)
        sample = _randn(*input_shape, generator=_Generator().manual_seed(0))
        if first is not None:
            sample = sample.to(first.device)
        call = f"{name}(<input of shape {_shape(input_shape)}>)"
        with _no_grad():
            _, output = _call(name, module, (sample,), hidden=True)
        if output_shape is not None:
            _compare_tensor(message("result_of", call=call), output, shape=output_shape, hidden=hidden)
    if not (hidden or quiet):
        report_correct(name, message("summary_module", count=count))


# ---------------------------------------------------------------- anything else

def check_that(name, predicate, problem, *, hint=None, summary=None, hidden=False, quiet=False,
               namespace=None):
    """Pass when ``predicate(value)`` is true for the value called ``name``.

    ``problem`` is the sentence shown when it is false (it must not give the
    answer away). A predicate that raises NotImplementedError means not attempted.
    Like every check, ``hidden=True`` or ``quiet=True`` passes silently.
    """
    value = _lookup(name, namespace)
    try:
        ok = predicate(value)
    except NotImplementedError:
        raise NotAttempted(message("not_implemented", name=name)) from None
    if not ok:
        raise Incorrect(message("condition", name=name, problem=problem), hint)
    if not (hidden or quiet):
        report_correct(name, summary or message("summary_ok"))
