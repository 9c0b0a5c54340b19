"""Evidence: what a kernel reports about a learner's objects, as plain data.

Everything here runs where the learner's objects live (the learner's kernel)
and returns only plain data: dicts, lists, strings, numbers, booleans, None and
plain CPU tensors. That data crosses to the grading process in the bounded evidence
format (:mod:`autograder.learner.evidence_codec`); nothing in it is a learner object.
The judges in :mod:`autograder.learner.judge` decide from evidence alone, so the same
verdict comes out whether a check runs in JupyterLab or in the grader.
"""

import builtins
import math
from types import CodeType as _CodeType

import torch

# The builtins as they were when the checks loaded (the notebook's first cell): the rules and the
# evidence code use these, never a notebook-level name that shadows one.
BUILTINS = dict(vars(builtins))

# Bound once: learner code that reassigns torch.equal etc. does not reach these.
_Tensor = torch.Tensor
_Module = torch.nn.Module
_Size = torch.Size
_no_grad = torch.no_grad
_fork_rng = torch.random.fork_rng
_from_numpy = torch.from_numpy
_copy = torch.Tensor.copy_
_isinstance = isinstance
_callable = callable
_type = type
_PLAIN_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
# The base classes' own conversions: a subclass's __float__ or __int__ is learner code.
_float_value = float.__float__
_int_value = int.__int__
_function_modes, _function_mode_at = torch._C._len_torch_function_stack, torch._C._get_function_stack_at
_dispatch_modes, _dispatch_mode_at = torch._C._len_torch_dispatch_stack, torch._C._get_dispatch_stack_at

MAX_ELEMENTS = 4_000_000     # values of bigger tensors are not reported
MAX_ITEMS = 1000             # items of a list, tuple, set or dict
MAX_TEXT = 2000              # characters of a string or an error message


def type_name(value):
    """A readable type name, as code names it: ``torch.Tensor``, ``torch.Linear``, ``int``, ``MyNet``
    (the notebook's own), ``numpy.ndarray`` (another library's, with its package)."""
    if _isinstance(value, _Tensor) and _type(value) in _PLAIN_TENSOR_TYPES:
        return "torch.Tensor"
    kind = _type(value)
    module = getattr(kind, "__module__", "")
    module = module if isinstance(module, str) else ""
    if module.startswith("torch"):
        return f"torch.{kind.__qualname__}"
    if module in ("", "builtins", "__main__") or module.startswith("_"):
        return kind.__qualname__
    return f"{module.split('.')[0]}.{kind.__qualname__}"


def describe_tensor(tensor):
    """Facts of one tensor: type, shape, dtype, device, autograd state and CPU values."""
    plain = _type(tensor) in _PLAIN_TENSOR_TYPES
    facts = {"kind": "tensor", "plain": plain, "type": _type(tensor).__name__,
             "shape": [int(d) for d in _Tensor.size(tensor)], "dtype": str(tensor.dtype),
             "device": tensor.device.type, "requires_grad": bool(tensor.requires_grad),
             "is_leaf": bool(tensor.is_leaf),
             "grad_fn": None if tensor.grad_fn is None else _type(tensor.grad_fn).__name__,
             "values": None}
    if plain and _Tensor.numel(tensor) <= MAX_ELEMENTS and tensor.device.type != "meta":
        with _no_grad():
            try:
                facts["values"] = _Tensor.detach(tensor).to("cpu").clone().contiguous()
            except Exception:   # no data to read (a lazy or exotic tensor): values stay unknown
                facts["values"] = None
    return facts


def describe_module(module, *, with_params=False):
    """Facts of an ``nn.Module``: trainable parameter counts, training mode, parameters."""
    params = list(_Module.parameters(module))   # the class's method: an instance attribute cannot fake it
    trainable = [p for p in params if p.requires_grad]
    facts = {"kind": "module", "type": type_name(module), "training": bool(module.training),
             "n_param_tensors": len(trainable), "n_params": int(sum(p.numel() for p in trainable))}
    if with_params:
        facts["params"] = [describe_tensor(p) for p in params]
    return facts


def describe(value, *, depth=0):
    """Facts of any value, recursively for containers (bounded)."""
    if _isinstance(value, _Tensor):
        return describe_tensor(value)
    if value is None:
        return {"kind": "none"}
    kind = _type(value)
    if kind is bool:
        return {"kind": "number", "type": "bool", "value": value}
    if _isinstance(value, (int, float)):   # a subclass is a number too: numpy.float64 is a float
        number = _int_value(value) if _isinstance(value, int) else _float_value(value)
        facts = {"kind": "number", "type": _type(number).__name__,
                 "value": number if math.isfinite(number) else repr(number)}
        if kind is not _type(number):
            facts["class"] = type_name(value)   # what it was, for a check where exactly int or float matters
        return facts
    if kind is str:
        return {"kind": "str", "type": "str", "value": value[:MAX_TEXT]}
    if _isinstance(value, _Module):
        return describe_module(value)
    if kind in (tuple, list, set, frozenset, _Size) and depth < 4:
        items = list(value)[:MAX_ITEMS]
        if kind in (set, frozenset):
            items = sorted(items, key=repr)
        return {"kind": "seq", "type": "torch.Size" if kind is _Size else kind.__name__,
                "items": [describe(item, depth=depth + 1) for item in items]}
    if kind is dict and depth < 4:
        keys = list(value)[:MAX_ITEMS]
        return {"kind": "dict", "type": "dict", "keys": [describe(k, depth=depth + 1) for k in keys],
                "values": [describe(value[k], depth=depth + 1) for k in keys]}
    if _callable(value):
        return {"kind": "callable", "type": type_name(value)}
    return {"kind": "other", "type": type_name(value)}


def active_modes():
    """The torch function and dispatch modes active now, by type name: none in honest work (a mode
    could change what the evidence code reads, so the grader treats any as interference)."""
    modes = [_function_mode_at(i) for i in range(_function_modes())]
    modes += [_dispatch_mode_at(i) for i in range(_dispatch_modes())]
    names = []
    for mode in modes:
        try:
            names.append(str(_type(mode).__qualname__)[:100])
        except Exception:
            names.append("?")
    return names


def error_text(error):
    return f"{type(error).__name__}: {error}"[:MAX_TEXT]


# ---------------------------------------------------------------- state around a call

def arg_state(value):
    """What a call may change in a tensor argument, as values the judge compares with the input it
    knows: the tensor's facts (values, requires_grad) and its ``.grad``'s; None for other arguments."""
    if not _isinstance(value, _Tensor):
        return None
    grad = value.grad
    return {"tensor": describe_tensor(value), "grad": None if grad is None else describe_tensor(grad)}


def fresh(value):
    """A private copy of a tensor argument, so each case starts from the same input."""
    if _isinstance(value, _Tensor):
        copy = _Tensor.detach(value).clone()
        return copy.requires_grad_(value.requires_grad) if value.is_leaf else copy
    return value


def rebuild_tensor(data, requires_grad, grad, parameter):
    """Unpickle a leaf tensor with its ``.grad`` (plain pickling drops it; inputs need it)."""
    tensor = torch.nn.Parameter(data, requires_grad) if parameter else data.requires_grad_(requires_grad)
    tensor.grad = grad
    return tensor


def describe_after(value):
    """The state of an argument after a call: a module's parameters, or a tensor."""
    if _isinstance(value, _Module):
        return describe_module(value, with_params=True)
    return describe(value)


# ---------------------------------------------------------------- probes

def lookup(name, namespace):
    """``{"defined": False}`` or the value of ``name`` (dotted: ``net.fc.weight``)."""
    head, *attrs = name.split(".")
    if head not in namespace:
        return False, None, head
    value = namespace[head]
    for index, attr in enumerate(attrs):
        try:
            value = getattr(value, attr)
        except Exception:
            return False, None, ".".join([head, *attrs[:index + 1]])
    return True, value, None


def probe_value(name, namespace):
    """Evidence for check_tensor / check_value: the facts of the value called ``name``."""
    found, value, missing = lookup(name, namespace)
    if not found:
        return {"defined": False, "missing": missing}
    return {"defined": True, "facts": describe(value)}


def call_case(function, args, after, states=False):
    """Call ``function`` on private copies of ``args``; report result, error and, with ``states``,
    each argument's state after the call (:func:`arg_state`), which the judge compares with the input."""
    args = tuple(fresh(a) for a in args)
    report = {"result": None, "raised": None, "not_implemented": False, "states": None, "after": None}
    try:
        result = function(*args)
    except NotImplementedError:
        report["not_implemented"] = True
        return report
    except Exception as error:  # a learner bug, reported as data
        report["raised"] = error_text(error)
        return report
    report["result"] = describe(result)
    if states:
        report["states"] = [arg_state(a) for a in args]
    if after:
        report["after"] = [describe_after(a) if want else None for a, want in zip(args, after)]
    return report


def probe_function(name, namespace, cases, states=False):
    """Evidence for check_function: ``cases`` is a list of ``(args, after_flags)``; ``states``: report
    the tensor arguments' states after each call (for "argument unchanged")."""
    found, function, missing = lookup(name, namespace)
    if not found:
        return {"defined": False, "missing": missing}
    if not _callable(function):
        return {"defined": True, "callable": False, "type": type_name(function)}
    reports = []
    for args, after in cases:
        report = call_case(function, args, after, states)
        reports.append(report)
        if report["not_implemented"] or report["raised"]:
            break
    return {"defined": True, "callable": True, "cases": reports}


def probe_module(name, namespace, sample, inputs=None):
    """Evidence for check_module: module facts, its output on ``sample`` and, in evaluation
    mode, on ``inputs`` (each None when not asked for)."""
    found, module, missing = lookup(name, namespace)
    if not found:
        return {"defined": False, "missing": missing}
    if not _isinstance(module, _Module):
        return {"defined": True, "module": None, "type": type_name(module)}
    evidence = {"defined": True, "module": describe_module(module), "output": None}
    if sample is not None:
        first = next(_Module.parameters(module), None)
        if first is not None:
            sample = sample.to(first.device)
        with _no_grad():
            evidence["output"] = call_case(module, (sample,), None)
    if inputs is not None:
        first = next(_Module.parameters(module), None)
        if first is not None:
            inputs = inputs.to(first.device)
        was_training = module.training
        _Module.train(module, False)
        try:
            with _no_grad():
                evidence["predictions"] = call_case(module, (inputs,), None)
        finally:
            _Module.train(module, was_training)
    return evidence


def rule_names(code):
    """Every name a compiled rule (and the functions and comprehensions in it) may read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if _isinstance(const, _CodeType):
            names |= rule_names(const)
    return names


def outline(value):
    """What a rule's compared name is, without its values: type, shape and dtype of a tensor or array."""
    if _isinstance(value, _Tensor):
        return {"type": "torch.Tensor", "shape": [int(d) for d in _Tensor.size(value)], "dtype": str(value.dtype)}
    kind = type_name(value)
    if kind == "numpy.ndarray":
        return {"type": kind, "shape": [int(d) for d in value.shape], "dtype": str(value.dtype)}
    return {"type": kind, "shape": None, "dtype": None}


def probe_that(name, namespace, predicate, compared=()):
    """Evidence for check_that: whether ``predicate(value)`` held, as only the kernel can tell, and the
    outline of each notebook tensor the rule compares with (``compared``), which the grader judges."""
    found, value, missing = lookup(name, namespace)
    if not found:
        return {"defined": False, "missing": missing}
    outlines = {n: outline(namespace[n]) if n in namespace else None for n in compared}
    try:
        # a rule may build a model or iterate a DataLoader: the learner's later cells must draw the
        # same random numbers whether or not the check cell ran
        with _fork_rng():
            held = bool(predicate(value))
        return {"defined": True, "result": held, "raised": None, "not_implemented": False, "compared": outlines}
    except NotImplementedError:
        return {"defined": True, "result": None, "raised": None, "not_implemented": True}
    except Exception as error:
        return {"defined": True, "result": None, "raised": error_text(error), "not_implemented": False}


# ---------------------------------------------------------------- memory sharing, judged from values

def memory_of(value):
    """A tensor on the memory of ``value`` (a plain tensor, or a writable NumPy array), or None."""
    if _isinstance(value, _Tensor):
        return _Tensor.detach(value) if _type(value) in _PLAIN_TENSOR_TYPES else None
    if type_name(value) == "numpy.ndarray" and value.flags.writeable:
        try:
            return _from_numpy(value)
        except Exception:   # a layout torch cannot wrap (negative strides): nothing to write through
            return None
    return None


def _while_holding(source, pattern, read):
    """``read()`` while ``source`` holds ``pattern`` (same shape and dtype), then ``source`` restored;
    None when ``source`` cannot hold it."""
    memory = memory_of(source)
    if (memory is None or pattern is None or tuple(_Tensor.size(memory)) != tuple(pattern.shape)
            or memory.dtype != pattern.dtype):
        return None
    with _no_grad():
        saved = _Tensor.clone(memory)
        try:
            _copy(memory, pattern.to(memory.device))
            return read()
        finally:
            _copy(memory, saved)


def probe_view(name, namespace, pattern, *, of=None, args=None):
    """Evidence for check_view: the facts of the answer (the tensor called ``name``, or what the function
    ``name`` returns on ``args``) before and while its source (the notebook's ``of``, or ``args[0]``) holds
    ``pattern``. A view shows the pattern; a copy keeps its values. The grader compares them with the
    reference run's, so the kernel reports values, never a verdict on sharing."""
    found, value, missing = lookup(name, namespace)
    if not found:
        return {"defined": False, "missing": missing}
    if args is not None:
        if not _callable(value):
            return {"defined": True, "callable": False, "type": type_name(value)}
        args = tuple(fresh(a) for a in args)
        try:
            value = value(*args)
        except NotImplementedError:
            return {"defined": True, "callable": True, "not_implemented": True}
        except Exception as error:  # a learner bug, reported as data
            return {"defined": True, "callable": True, "raised": error_text(error)}
        source = args[0]
    elif of in namespace:
        source = namespace[of]
    else:
        return {"defined": False, "missing": of}
    return {"defined": True, "callable": True, "source": outline(source), "before": describe(value),
            "after": _while_holding(source, pattern, lambda: describe(value))}
