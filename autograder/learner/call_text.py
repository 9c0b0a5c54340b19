"""How a check names a call in its messages: its arguments as a learner wrote them.

``train_one_epoch(Sequential, DataLoader(batch_size=128), SGD(lr=0.1), CrossEntropyLoss)``, never
an object's default ``repr`` (``<... object at 0x7f...>``) or a multi-line one (an optimizer prints
every setting of every parameter group). A call is named where the check runs (in the reference
kernel, when grading) and judged later, maybe for a submission in another language, so
:func:`call_texts` names it once in every language and :func:`localized` picks one.
"""

import torch

from . import i18n
from .messages import message

MAX_REPR = 60   # a longer repr is replaced by the type's name


def describe_arg(arg):
    """One argument, as short code or a few words: ``tensor([1.0, 2.0])``, ``SGD(lr=0.1)``, ``Sequential``."""
    if isinstance(arg, torch.Tensor):
        if arg.numel() > 6:
            return message("tensor_of_shape", shape=str(tuple(arg.shape)))
        values = arg.detach().cpu()
        if values.dtype.is_floating_point:
            values = values.double().round(decimals=4)
        return f"tensor({values.tolist()})"
    if isinstance(arg, torch.nn.Module):
        return type(arg).__name__
    if isinstance(arg, torch.optim.Optimizer):
        lr = arg.param_groups[0].get("lr") if arg.param_groups else None
        return f"{type(arg).__name__}(lr={lr:g})" if isinstance(lr, (int, float)) else type(arg).__name__
    if isinstance(arg, torch.utils.data.DataLoader):
        return f"DataLoader(batch_size={arg.batch_size})" if arg.batch_size else "DataLoader"
    if callable(arg):
        return getattr(arg, "__name__", type(arg).__name__)
    text = repr(arg)
    if "\n" in text or " at 0x" in text or len(text) > MAX_REPR:
        return type(arg).__name__
    return text


def call_text(name, args, hidden=False):
    """``name(args...)`` in the current language; a hidden check shows ``…`` for each argument."""
    shown = ("…" for _ in args) if hidden else (describe_arg(arg) for arg in args)
    return f"{name}({', '.join(shown)})"


def call_texts(name, args, hidden=False):
    """``{language: call text}`` for every language of the course."""
    texts = {}
    for language in i18n.LANGUAGES:
        with i18n.speaking(language):
            texts[language] = call_text(name, args, hidden)
    return texts


def localized(call):
    """A call's text in the current language (a plain string is the same in every language)."""
    if isinstance(call, dict):
        return str(call.get(i18n.current_language()) or call.get(i18n.SOURCE_LANGUAGE) or "")
    return str(call)
