"""Judges: a check's verdict from a spec (what is expected) and evidence (what was found).

Specs and evidence are plain data (see :mod:`autograder.learner.evidence`). A judge
raises :class:`NotAttempted` or :class:`Incorrect` for the first thing that is
wrong and otherwise returns the confirming line (``None`` for hidden or quiet
checks). The same judges run in JupyterLab, right after a check probed the
learner's objects in-kernel, and in the grading process, on evidence that the
learner's kernel reported: a verdict never depends on where it was computed.
"""

import math

import torch

from .call_text import localized
from .i18n import translate_check_text as _text
from .messages import message
from .outcomes import Incorrect, NotAttempted, correct_label, labelled

UNSET = "__unset__"

# Bound once: in JupyterLab a learner's monkeypatch of torch must not change a verdict either.
_isclose = torch.isclose
_as_tensor = torch.as_tensor
_tensor = torch.tensor

# (rtol, atol) per dtype, close to torch.testing's defaults.
_TOLERANCES = {
    torch.float16: (1e-3, 1e-3),
    torch.bfloat16: (1.6e-2, 1e-3),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex64: (1.3e-6, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}
_DTYPES = {str(d): d for d in vars(torch).values() if isinstance(d, torch.dtype)}


class MalformedEvidence(Exception):
    """Evidence that does not have the shape a probe produces: it earns nothing."""


def dtype_of(name):
    if isinstance(name, torch.dtype):
        return name
    try:
        return _DTYPES[name]
    except (KeyError, TypeError):
        raise MalformedEvidence(f"unknown dtype {name!r}") from None


# ---------------------------------------------------------------- evidence rebuilt as values

class TensorFacts:
    """What is known of a tensor: enough for every comparison a check makes."""

    def __init__(self, facts):
        try:
            self.plain = bool(facts["plain"])
            self.type = str(facts["type"])
            self.shape = tuple(int(d) for d in facts["shape"])
            self.dtype = dtype_of(facts["dtype"])
            self.device = str(facts["device"])
            self.requires_grad = bool(facts["requires_grad"])
            self.is_leaf = bool(facts["is_leaf"])
            self.grad_fn = facts["grad_fn"]
            self.values = facts["values"]
        except (KeyError, TypeError, ValueError) as error:
            raise MalformedEvidence(f"tensor facts: {error}") from None
        if self.grad_fn is not None and not isinstance(self.grad_fn, str):
            raise MalformedEvidence("tensor facts: grad_fn")
        if self.values is not None and (type(self.values) is not torch.Tensor or self.values.dtype != self.dtype
                                        or tuple(self.values.shape) != self.shape):
            raise MalformedEvidence("tensor facts: values do not match shape and dtype")

    def numel(self):
        return math.prod(self.shape)


class Opaque:
    """A value the evidence only names by type (a module, a function, another object)."""

    def __init__(self, facts):
        self.type = str(facts.get("type", "object"))
        self.facts = facts


def rebuild(facts):
    """Plain Python values from evidence facts; tensors become :class:`TensorFacts`."""
    if not isinstance(facts, dict):
        raise MalformedEvidence("facts must be a dict")
    kind = facts.get("kind")
    if kind == "tensor":
        return TensorFacts(facts)
    if kind == "none":
        return None
    if kind == "number":
        value = facts.get("value")
        if isinstance(value, str) and value in ("nan", "inf", "-inf"):
            return float(value)
        if type(value) not in (bool, int, float):
            raise MalformedEvidence("number facts")
        return {"bool": bool, "int": int, "float": float}.get(facts.get("type"), type(value))(value)
    if kind == "str":
        return str(facts.get("value", ""))
    if kind == "seq":
        items = [rebuild(item) for item in facts.get("items", [])]
        maker = {"tuple": tuple, "list": list, "set": set, "frozenset": frozenset, "torch.Size": torch.Size}
        try:
            return maker.get(facts.get("type"), list)(items)
        except TypeError:  # unhashable items in a set: keep them as a list
            return items
    if kind == "dict":
        keys = [rebuild(k) for k in facts.get("keys", [])]
        values = [rebuild(v) for v in facts.get("values", [])]
        try:
            return dict(zip(keys, values))
        except TypeError:
            return Opaque({"type": "dict"})
    if kind in ("module", "callable", "other"):
        return Opaque(facts)
    raise MalformedEvidence(f"unknown kind of facts {kind!r}")


def expected_facts(value):
    """Expected values as the judges want them (the reference side's counterpart of rebuild)."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu").clone()
    return value


def type_label(value):
    if isinstance(value, (TensorFacts, torch.Tensor)):
        return "torch.Tensor"
    if isinstance(value, Opaque):
        return value.type
    return type(value).__qualname__ if not type(value).__module__.startswith("torch") \
        else f"torch.{type(value).__qualname__}"


def shape_text(size):
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
    if found.is_floating_point == expected.is_floating_point and found.is_floating_point:
        return message("hint_float_vs_double")
    return message("hint_dtype_arg")


def first_mismatch(found, expected, atol=None):
    """Index of the first differing element of two same-shape CPU tensors, or None."""
    if found.dtype.is_floating_point or found.dtype.is_complex:
        rtol, default_atol = _TOLERANCES.get(found.dtype, (1e-5, 1e-8))
        target = expected.to(found.dtype)
        close = _isclose(found, target, rtol=rtol, atol=default_atol if atol is None else atol,
                              equal_nan=True)
    else:
        close = found == expected.to(found.dtype)
    if bool(close.all()):
        return None
    return tuple((~close).nonzero()[0].tolist())


def _values_hint(found, expected):
    if expected.numel() == 0 or not found.dtype.is_floating_point:
        return None
    expected = expected.to(found.dtype)
    if bool((expected != 0).any()):
        if first_mismatch(found, expected * 2) is None:
            return message("hint_twice")
        if first_mismatch(found, -expected) is None:
            return message("hint_negated")
    return None


def _element(tensor, index):
    value = tensor[index] if index else tensor
    return round(value.item(), 4) if value.dtype.is_floating_point else value.item()


def compare_tensor(label, found, expected=None, *, shape=None, dtype=None, device=None, requires_grad=None,
                   grad_fn=UNSET, fill=None, hidden=False):
    """Raise Incorrect for the first property of ``found`` (TensorFacts) that is wrong."""
    if not isinstance(found, TensorFacts):
        raise Incorrect(message("not_a_tensor", name=label, found=type_label(found)))
    if not found.plain:  # a subclass could lie about its values via __torch_function__
        raise Incorrect(message("not_a_tensor", name=label, found=found.type))
    if expected is not None and not isinstance(expected, torch.Tensor):
        expected = _as_tensor(expected)
    if expected is not None:
        shape = expected.shape if shape is None else shape
        dtype = expected.dtype if dtype is None else dtype
    dtype = None if dtype is None else dtype_of(dtype)
    if shape is not None and tuple(found.shape) != tuple(shape):
        key = "shape_hidden" if hidden else "shape"
        raise Incorrect(message(key, name=label, found=shape_text(found.shape), expected=shape_text(shape)),
                        _shape_hint(found.shape, shape))
    if dtype is not None and found.dtype != dtype:
        key = "dtype_hidden" if hidden else "dtype"
        raise Incorrect(message(key, name=label, found=found.dtype, expected=dtype),
                        _dtype_hint(found.dtype, dtype))
    if device is not None and found.device != torch.device(device).type:
        raise Incorrect(message("device", name=label, found=found.device,
                                expected=torch.device(device).type), message("hint_to_device"))
    if requires_grad is True and not found.requires_grad:
        raise Incorrect(message("requires_grad_true", name=label), message("hint_requires_grad_true"))
    if requires_grad is False and found.requires_grad:
        raise Incorrect(message("requires_grad_false", name=label), message("hint_requires_grad_false"))
    if grad_fn != UNSET:
        _compare_grad_fn(label, found.grad_fn, grad_fn)
    if fill is None and expected is None:
        return
    values = found.values
    if values is None:
        if found.device == "meta":
            raise Incorrect(message("no_values", name=label, device=found.device), message("hint_to_device"))
        raise Incorrect(message("too_large", name=label))
    if fill is not None:
        index = first_mismatch(values, _tensor(fill).expand(values.shape))
        if index is not None:
            raise Incorrect(message("not_filled", name=label, expected=fill, index=index,
                                    found=_element(values, index)))
    if expected is not None:
        index = first_mismatch(values, expected)
        if index is not None:
            raise Incorrect(message("values", name=label, index=index, found=_element(values, index)),
                            _values_hint(values, expected))


def _compare_grad_fn(label, found, expected):
    if expected is None or expected is False:
        if found is not None:
            raise Incorrect(message("grad_fn_unexpected", name=label, found=found),
                            message("hint_requires_grad_false"))
        return
    if found is None:
        raise Incorrect(message("grad_fn_missing", name=label), message("hint_no_grad_fn"))
    if isinstance(expected, str) and found != expected:
        raise Incorrect(message("grad_fn_wrong", name=label, found=found, expected=expected))


# ---------------------------------------------------------------- plain values

def value_text(value):
    """``repr`` of a rebuilt value, with tensors shown briefly."""
    if isinstance(value, TensorFacts):
        return message("tensor_of_shape", shape=shape_text(value.shape))
    if isinstance(value, Opaque):
        return f"<{value.type}>"
    if isinstance(value, torch.Size):
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(value_text(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{inner}]"
    return repr(value)


class _Shown:
    """Shows a rebuilt value in a message (``{found!r}``) as :func:`value_text` writes it."""

    def __init__(self, value):
        self.text = value_text(value)

    def __repr__(self):
        return self.text


def _equal(found, expected):
    if isinstance(found, (TensorFacts, Opaque)) or isinstance(expected, torch.Tensor):
        return False
    try:
        return bool(found == expected)
    except Exception:
        return False


def compare_value(label, found, expected, *, tol=1e-6, hidden=False, requires_grad=None, grad_fn=UNSET):
    """Raise Incorrect unless ``found`` (rebuilt evidence) matches ``expected``."""
    if isinstance(expected, torch.Tensor):
        compare_tensor(label, found, expected, hidden=hidden, requires_grad=requires_grad, grad_fn=grad_fn)
        return
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if isinstance(found, TensorFacts):
            raise Incorrect(message("type", name=label, found="torch.Tensor", expected=message("type_number")),
                            message("hint_item") if found.numel() == 1 else None)
        if not isinstance(found, (int, float)) or isinstance(found, bool):
            raise Incorrect(message("type", name=label, found=type_label(found), expected=message("type_number")))
        both_nan = math.isnan(found) and math.isnan(expected)   # as tensors are compared: NaN where NaN is due
        if not both_nan and not math.isclose(found, expected, rel_tol=tol, abs_tol=tol):
            raise Incorrect(message("value", name=label, found=found))
        return
    if isinstance(expected, tuple) and isinstance(found, list):
        found = tuple(found)
    if not _equal(found, expected):
        if type(found) is not type(expected) and not (isinstance(found, tuple) and isinstance(expected, tuple)):
            raise Incorrect(message("type", name=label, found=type_label(found), expected=type_label(expected)))
        raise Incorrect(message("value", name=label, found=_Shown(found)))


# ---------------------------------------------------------------- the judges

def error_sentence(error):
    """A learner's error text inside a message's sentence, without its own final full stop
    ("... instead." would end "... instead..")."""
    return str(error).rstrip().removesuffix(".")


def _require(condition, what):
    if not condition:
        raise MalformedEvidence(what)


def _not_found(spec, evidence):
    missing = str(evidence.get("missing") or spec["name"])
    if "." in missing:
        raise Incorrect(message("not_defined", name=missing))
    raise NotAttempted(message("not_defined", name=missing))


def _confirm(spec, summary):
    """What a passed check confirms: ``(name, summary)``, or None when it passes silently."""
    if spec.get("hidden") or spec.get("quiet"):
        return None
    return (spec["name"], str(summary))


def format_correct(parts, *, styled=False):
    """One "Correct" line for a cell's passed checks: ``[(name, summary), ...]``; ``styled``: its label
    marked as the failures' are (see :func:`autograder.learner.outcomes.correct_label`)."""
    grouped = {}
    for name, summary in parts:
        grouped.setdefault(name, [])
        if summary not in grouped[name]:
            grouped[name].append(summary)
    joiner = message("joiner")
    text = joiner.join(message("correct_part", name=name, summary=joiner.join(s)) for name, s in grouped.items())
    if styled:
        return correct_label() + message("label_separator") + message("correct", text=text)
    return labelled("label_correct", message("correct", text=text))


def judge_tensor(spec, evidence):
    if not evidence.get("defined"):
        _not_found(spec, evidence)
    found = rebuild(evidence.get("facts"))
    compare_tensor(spec["name"], found, spec.get("expected"), shape=spec.get("shape"), dtype=spec.get("dtype"),
                   device=spec.get("device"), requires_grad=spec.get("requires_grad"),
                   grad_fn=spec.get("grad_fn", UNSET), fill=spec.get("fill"), hidden=spec.get("hidden", False))
    return _confirm(spec, message("summary_tensor", shape=shape_text(found.shape), dtype=found.dtype))


def judge_value(spec, evidence):
    if not evidence.get("defined"):
        _not_found(spec, evidence)
    found = rebuild(evidence.get("facts"))
    compare_value(spec["name"], found, spec["expected"], tol=spec.get("tol", 1e-6), hidden=spec.get("hidden", False))
    return _confirm(spec, message("summary_value", value=_Shown(found)))


def _judge_after(spec, case, call, report):
    after = case.get("after") or {}
    states = report.get("after")
    _require(states is None or isinstance(states, list), "after-call states")
    for position, want in sorted(after.items()):
        _require(states is not None and position < len(states), "after-call state missing")
        state = states[position]
        label = message("argument_label", name=spec["name"], position=position + 1)
        problem = _text(case.get("problem")) or message("after_state", call=call, position=position + 1)
        hint = _text(case.get("hint"))
        if want.get("training") is not None:
            _require(isinstance(state, dict) and state.get("kind") == "module", "module state")
            if bool(state.get("training")) != want["training"]:
                raise Incorrect(message("after_training", call=call, position=position + 1,
                                        mode=message("mode_training" if want["training"] else "mode_evaluation")),
                                message("hint_train_mode"))
        if want.get("params") is not None:
            _require(isinstance(state, dict) and isinstance(state.get("params"), list), "module parameters")
            params = [TensorFacts(p) for p in state["params"]]
            if len(params) != len(want["params"]):
                raise Incorrect(message("condition", name=label, problem=problem), hint)
            for param, expected in zip(params, want["params"]):
                if not (param.is_leaf and param.requires_grad):
                    raise Incorrect(message("after_not_leaf", call=call, position=position + 1),
                                    message("hint_no_grad_update"))
                if (param.shape != tuple(expected.shape) or param.values is None
                        or first_mismatch(param.values, expected, atol=want.get("atol")) is not None):
                    raise Incorrect(message("condition", name=label, problem=problem), hint)
        if want.get("tensor") is not None:
            compare_tensor(label, rebuild(state), want["tensor"])


def _kept(found, expected):
    """Where two same-shape, same-dtype CPU tensors hold the same value (NaN where NaN was)."""
    return _isclose(found, expected, rtol=0, atol=0, equal_nan=True)


def same_values(found, expected):
    """Whether two CPU tensors hold the same values exactly (NaN where NaN was)."""
    if found.shape != expected.shape or found.dtype != expected.dtype:
        return False
    return bool(_kept(found, expected).all())


def _state_change(before, after):
    """The hint key for how a tensor argument's state ``after`` a call differs from the input ``before``
    (both :func:`autograder.learner.evidence.arg_state`), or None."""
    _require(isinstance(after, dict) and isinstance(before, dict), "argument state")
    was, now = TensorFacts(before["tensor"]), TensorFacts(after["tensor"])
    if (now.shape != was.shape or now.dtype != was.dtype
            or (was.values is not None and (now.values is None or not same_values(now.values, was.values)))):
        return "hint_in_place"
    if now.requires_grad != was.requires_grad:
        return "hint_mutated_requires_grad"
    grad_was, grad_now = before.get("grad"), after.get("grad")
    if (grad_was is None) != (grad_now is None):
        return "hint_mutated_grad"
    if grad_was is not None:
        grad_was, grad_now = TensorFacts(grad_was), TensorFacts(grad_now)
        if grad_now.values is None or grad_was.values is None or not same_values(grad_now.values, grad_was.values):
            return "hint_mutated_grad"
    return None


def _argument_changed(inputs, states):
    """``(position, hint key)`` of the first tensor argument a call changed, judged from the states the
    kernel reported after the call against the inputs the check sent; None when all are unchanged."""
    _require(isinstance(states, list) and len(states) == len(inputs), "argument states")
    for position, (before, after) in enumerate(zip(inputs, states)):
        if before is not None:
            hint = _state_change(before, after)
            if hint:
                return position + 1, hint
    return None


def judge_function(spec, evidence):
    if not evidence.get("defined"):
        _not_found(spec, evidence)
    if not evidence.get("callable"):
        raise Incorrect(message("not_callable", name=spec["name"], found=evidence.get("type", "object")))
    reports = evidence.get("cases")
    _require(isinstance(reports, list), "function cases")
    hidden = spec.get("hidden", False)
    for index, case in enumerate(spec["cases"]):
        _require(index < len(reports) and isinstance(reports[index], dict), f"case {index + 1} missing")
        report, call = reports[index], localized(case["call"])
        if report.get("not_implemented"):
            raise NotAttempted(message("not_implemented", name=spec["name"]))
        raises = case.get("raises")
        if report.get("raised"):
            error = str(report["raised"])
            if raises and error.split(":", 1)[0] == raises:
                continue
            raise Incorrect(message("raised", call=call, error=error_sentence(error)))
        if raises:
            raise Incorrect(message("no_raise", call=call, error=raises))
        found = rebuild(report.get("result"))
        compare_value(message("result_of", call=call), found, case["expected"], hidden=hidden,
                      requires_grad=spec.get("requires_grad"), grad_fn=spec.get("grad_fn", UNSET))
        if spec.get("check_mutation", True) and case.get("inputs"):
            changed = _argument_changed(case["inputs"], report.get("states"))
            if changed:
                raise Incorrect(message("mutated", call=call, position=changed[0]), message(changed[1]))
        _judge_after(spec, case, call, report)
    return _confirm(spec, message("summary_function", count=len(spec["cases"])))


def judge_module(spec, evidence):
    if not evidence.get("defined"):
        _not_found(spec, evidence)
    name, hidden = spec["name"], spec.get("hidden", False)
    module = evidence.get("module")
    if module is None:
        raise Incorrect(message("not_a_module", name=name, found=evidence.get("type", "object")))
    _require(isinstance(module, dict) and module.get("kind") == "module", "module facts")
    count, tensors = int(module.get("n_params", -1)), int(module.get("n_param_tensors", -1))
    if spec.get("n_param_tensors") is not None and tensors != spec["n_param_tensors"]:
        raise Incorrect(message("param_tensors", name=name, found=tensors, expected=spec["n_param_tensors"]))
    if spec.get("n_params") is not None and count != spec["n_params"]:
        key = "param_count_hidden" if hidden else "param_count"
        raise Incorrect(message(key, name=name, found=count, expected=spec["n_params"]))
    if spec.get("input_shape") is not None:
        report = evidence.get("output")
        _require(isinstance(report, dict), "module output")
        call = f"{name}({message('input_of_shape', shape=shape_text(spec['input_shape']))})"
        if report.get("not_implemented"):
            raise NotAttempted(message("not_implemented", name=name))
        if report.get("raised"):
            raise Incorrect(message("raised", call=call, error=error_sentence(report["raised"])))
        if spec.get("output_shape") is not None:
            compare_tensor(message("result_of", call=call), rebuild(report.get("result")),
                           shape=spec["output_shape"], hidden=hidden)
    if spec.get("accuracy"):
        _judge_accuracy(spec, evidence.get("predictions"))
    return _confirm(spec, _text(spec.get("summary")) or message("summary_module", count=count))


def _judge_accuracy(spec, report):
    """Enough right answers: the argmax of the module's outputs against labels only the grader holds."""
    want, name = spec["accuracy"], spec["name"]
    labels = want["labels"]
    _require(isinstance(report, dict), "module predictions")
    call = f"{name}({message('inputs_count', count=labels.shape[0])})"
    if report.get("raised"):
        raise Incorrect(message("raised", call=call, error=error_sentence(report["raised"])))
    found, label = rebuild(report.get("result")), message("result_of", call=call)
    compare_tensor(label, found)
    if len(found.shape) != 2 or found.shape[0] != labels.shape[0]:
        raise Incorrect(message("shape_hidden", name=label, found=shape_text(found.shape)))
    if found.values is None or not found.values.dtype.is_floating_point:
        raise Incorrect(message("dtype_hidden", name=label, found=found.dtype))
    right = (found.values.argmax(1) == labels).float().mean().item()
    if right < want["min"]:
        raise Incorrect(message("condition", name=name, problem=_text(want["problem"]) or message(
            "accuracy", share=f"{want['min']:.0%}")), _text(want.get("hint")))


def _outline_text(outline):
    """``torch.Tensor (3, 4) torch.int64`` for an outline (see evidence.outline)."""
    if not isinstance(outline, dict) or outline.get("shape") is None:
        return str((outline or {}).get("type", "object"))
    return f"{outline['type']} {shape_text(outline['shape'])} {outline['dtype']}"


def judge_that(spec, evidence):
    if not evidence.get("defined"):
        _not_found(spec, evidence)
    if evidence.get("not_implemented"):
        raise NotAttempted(message("not_implemented", name=spec["name"]))
    if evidence.get("result") is not True:
        raise Incorrect(message("condition", name=spec["name"], problem=_text(spec["problem"])),
                        _text(spec.get("hint")))
    outlines = evidence.get("compared") or {}
    for other, want in (spec.get("compared") or {}).items():   # the grader judges what the rule compared with
        if not isinstance(outlines, dict) or outlines.get(other) != want:
            raise Incorrect(message("compared_changed", name=spec["name"], other=other, expected=_outline_text(want)))
    return _confirm(spec, _text(spec.get("summary")) or message("summary_ok"))


def judge_view(spec, evidence):
    """Memory sharing, from values: while the source held the check's pattern, the answer must hold the
    reference run's values (grading); in JupyterLab, with no reference, it must have changed everywhere."""
    if not evidence.get("defined"):
        _not_found(spec, evidence)
    name = spec["name"]
    if spec.get("call") is not None:
        if not evidence.get("callable"):
            raise Incorrect(message("not_callable", name=name, found=evidence.get("type", "object")))
        if evidence.get("not_implemented"):
            raise NotAttempted(message("not_implemented", name=name))
        if evidence.get("raised"):
            raise Incorrect(message("raised", call=localized(spec["call"]),
                                    error=error_sentence(evidence["raised"])))
    if evidence.get("source") != spec["source"]:   # the source rebound to something else
        raise Incorrect(message("compared_changed", name=name, other=spec["of"] or "?",
                                expected=_outline_text(spec["source"])))
    problem = Incorrect(message("condition", name=name, problem=_text(spec["problem"])), _text(spec.get("hint")))
    before, after = rebuild(evidence.get("before")), evidence.get("after")
    if not isinstance(before, TensorFacts) or not before.plain or before.values is None or after is None:
        raise problem
    after = rebuild(after)
    _require(isinstance(after, TensorFacts), "view facts")
    expected = spec.get("expected")
    if after.values is None or after.shape != before.shape:
        raise problem
    if expected is not None:
        if not same_values(after.values, expected):
            raise problem
    elif after.dtype != before.dtype or bool(_kept(after.values, before.values).any()):
        raise problem
    return _confirm(spec, _text(spec.get("summary")) or message("summary_ok"))


JUDGES = {"tensor": judge_tensor, "value": judge_value, "function": judge_function,
          "module": judge_module, "that": judge_that, "view": judge_view}


def judge(spec, evidence):
    """The verdict on one check: raises NotAttempted / Incorrect, or returns what it confirms
    (``(name, summary)``, see :func:`format_correct`; None for a silent check)."""
    if not isinstance(evidence, dict):
        raise MalformedEvidence("evidence must be a dict")
    try:
        return JUDGES[spec["check"]](spec, evidence)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise MalformedEvidence(f"{type(error).__name__}: {error}") from None
