"""Every text a learner or instructor reads from a check, in one catalogue.

This is the English source. Translations are gettext PO catalogues
(``autograder/locale/<lang>/LC_MESSAGES/messages.po``, see :mod:`autograder.learner.i18n`),
chosen by the notebook's language; :func:`use_catalogue` replaces the English
texts themselves. The checks only ever refer to message keys.
Templates use ``str.format`` fields; keys ending in ``_hidden`` are the
variants used by hidden checks, which never reveal expected values.
"""

import string
import unicodedata

CATALOGUE = {
    # outcome labels
    "label_not_attempted": "Not attempted",
    "label_incorrect": "Incorrect",
    "label_correct": "Correct",
    "label_hint": "Hint",
    # how a label joins its text ("Incorrect: ..."), and how a line joins several parts ("a; b")
    "label_separator": ": ",
    "joiner": "; ",
    # the learner's feedback page: its header and each exercise's verdict (scores.Result.verdict)
    "feedback_learner": "Learner",
    "feedback_score": "Score",
    "feedback_exercise": "Exercise",
    "feedback_points": "Points",
    "feedback_verdict": "Verdict",
    "verdict_correct": "correct",
    "verdict_incorrect": "incorrect",
    "verdict_not_attempted": "not attempted",
    "verdict_interrupted": "interrupted",
    "verdict_not_run": "not run",
    "verdict_no_evidence": "no evidence",
    "verdict_overridden": "overridden",
    "verdict_review": "waits for review",
    "verdict_ungraded": "ungraded",
    # the rest of the feedback page (nbgrader's feedback template's own words)
    "feedback_answer": "Your answer",
    "feedback_task": "Your task",
    "feedback_check": "Check cell",
    "feedback_comments": "Comments",
    "feedback_top": "(Top)",
    "feedback_in_prompt": "In [{count}]:",
    "feedback_out_prompt": "Out[{count}]:",
    # a submission flagged for interference (grading/interference.py): its feedback page says so
    "review_notice": (
        "A person will review this submission: the lines below reach into the grading machinery or the "
        "interpreter, which no answer of this course needs. Until then, checks that rest on what only "
        "your kernel can tell score 0."
    ),
    # a late submission's notice on its feedback page (grading/late.py)
    "late_notice": "submitted {late} after the due date ({due} UTC)",
    "late_penalty": "late penalty {penalty}",
    "duration_days": "{count} d",
    "duration_hours": "{count} h",
    "duration_minutes": "{count} min",
    "duration_seconds": "{count} s",
    # the instructor's pages (grading/report.py, grades.csv's status column, course grade's summary),
    # in the class's instructor language (course grade --language)
    "status_graded": "graded",
    "status_late": "late",
    "status_timeout": "timeout",
    "status_crashed": "crashed",
    "status_unreadable": "unreadable",
    "status_tampered": "tampered",
    "status_review": "review",
    "status_missing": "missing",
    "status_count": "{count} {status}",
    "status_with_reasons": "{status} ({reasons})",
    "list_separator": ", ",
    "reason_attempted_nothing": "attempted nothing: all {count} exercises not attempted",
    "reason_low_score": "low score: {score} of {max_score} (under {share})",
    "report_title": "Class report",
    "report_intro": (
        "Generated {generated}. Scores include manual overrides and late penalties from the gradebook. "
        "Feedback links open each learner's feedback page."
    ),
    "report_nothing_graded": "No chapter has been graded yet.",
    "report_counts": "{counts}.",
    "report_counts_mean": "{counts}; mean score {mean} / {max_score}.",
    "report_workers": "Executed on Dask workers: {workers}.",
    "report_histogram_alt": "histogram of {chapter} scores",
    "report_histogram_title": "{chapter}: scores out of {max_score} ({count} learners)",
    "report_axis_score": "score",
    "report_axis_learners": "learners",
    "report_exercises": "Exercises",
    "report_pass_rate": "Pass rate",
    "report_mean_score": "Mean score",
    "report_top_messages": "Most frequent failure messages",
    "report_flagged_title": "Learners who need a look",
    "report_flagged_intro": "A problem while grading, nothing attempted, or a score under {share} of {max_score} points.",
    "report_status": "Status",
    "report_reason": "Reason",
    "report_feedback": "Feedback",
    "report_feedback_link": "feedback",
    "report_no_feedback": "none",
    "report_none_flagged": "None: every submission was graded normally, and every learner scored at least that.",
    "summary_learner": "learner",
    "summary_chapter": "chapter",
    "summary_score": "score",
    "summary_status": "status",
    "summary_executed": "{count} executed in {seconds} s with {jobs} workers",
    "summary_references": "reference runs of the solutions: {runs}",
    "summary_reference_failed": "{name} failed",
    "summary_reference_cached": "{name} cached",
    "summary_reference_seconds": "{name} {seconds} s",
    "summary_rejected": "not graded: {name}: {reason}",
    "summary_workers": "graded on {count} Dask worker(s): {workers} (per submission: {file})",
    "summary_gradebook": "gradebook: {url}",
    "summary_isolation_off": "isolation: OFF for {names} (see docs/threat-model.md)",
    "summary_wrote": "wrote:",
    # not attempted
    "not_defined": "{name} is not defined yet: write your answer in the cell above and run it.",
    "not_implemented": (
        "{name} still raises NotImplementedError: replace `raise NotImplementedError()` "
        "in the cell above with your answer, then run that cell and this one again."
    ),
    # shown by an answer cell that still holds its stub (autograder/learner/session.py)
    "stub_answer": (
        "replace `raise NotImplementedError()` in this cell with your answer, run it, "
        "then run the check below."
    ),
    # what was found vs. expected
    "not_a_tensor": "{name} is a {found}; a torch.Tensor was expected.",
    "not_callable": "{name} is a {found}; a function was expected.",
    "not_a_module": "{name} is a {found}; an instance of a torch.nn.Module subclass was expected.",
    "shape": "{name} has shape {found}; expected shape {expected}.",
    "shape_hidden": "{name} has shape {found}, which is not the shape this check expects.",
    "dtype": "{name} has dtype {found}; expected dtype {expected}.",
    "dtype_hidden": "{name} has dtype {found}, which is not the dtype this check expects.",
    "device": "{name} is on device {found}; expected it on {expected}.",
    "requires_grad_true": "{name} has requires_grad=False; autograd must track it (requires_grad=True).",
    "requires_grad_false": "{name} has requires_grad=True; it should not be tracked by autograd.",
    "grad_fn_missing": "{name} has no grad_fn: it was not produced by an operation autograd recorded.",
    "grad_fn_unexpected": "{name} has grad_fn={found}; a tensor outside the autograd graph was expected.",
    "grad_fn_wrong": "{name} has grad_fn={found}; expected a {expected}.",
    "values": "{name} has the right shape and dtype, but not the expected values: the first difference is at index {index}, which holds {found}.",
    "value": "{name} is {found!r}, which is not the expected answer.",
    "type": "{name} is a {found}; expected a {expected}.",
    "not_filled": "{name} should hold {expected} everywhere; at index {index} it holds {found}.",
    "result_of": "the result of {call}",
    "raised": "calling {call} raised {error}.",
    "mutated": "calling {call} changed its argument #{position} in place.",
    "param_count": "{name} has {found} trainable parameters; expected {expected}.",
    "param_count_hidden": "{name} has {found} trainable parameters, which is not the expected number.",
    "param_tensors": "{name} has {found} parameter tensors; expected {expected}.",
    "condition": "{name}: {problem}",
    "compared_changed": (
        "{name}: this check compares it with {other}, but {other} is no longer the {expected} that the "
        "notebook gave it: leave the notebook's own names as they are."
    ),
    "accuracy": "classifies fewer than {share} of the inputs correctly.",
    "no_values": "{name} is on the {device} device, which holds no values to check.",
    "too_large": "{name} is too large for this check to read its values.",
    "no_raise": "calling {call} returned normally; it should raise {error}.",
    "after_state": "after calling {call}, its argument #{position} is not in the expected state.",
    "after_training": "after calling {call}, the module passed as argument #{position} is not in {mode} mode.",
    "after_not_leaf": "after calling {call}, the parameters of argument #{position} are no longer trainable leaf tensors.",
    # how messages name things: an argument of a checked function, a mode, a kind of value, an input
    "argument_label": "{name}'s argument #{position}",
    "mode_training": "training",
    "mode_evaluation": "evaluation",
    "type_number": "Python number",
    "tensor_of_shape": "<tensor of shape {shape}>",
    "input_of_shape": "<input of shape {shape}>",
    "inputs_count": "<{count} inputs>",
    # progress
    "progress_summary": "{done} of {total} exercises correct in this session (run each check cell to update):",
    "progress_unknown": "Open this notebook in JupyterLab to see your progress here.",
    # the Validate button's summary (autograder/learner/lab_validate.py)
    "validate_summary": "{passed} of {total} checks pass; these do not yet:",
    "validate_failed": "Validate could not check this notebook: {error}",
    "progress_title": "Your progress",
    "progress_text": "Run the cell below at any time: it lists every exercise of this chapter as correct, incorrect or not attempted, from the checks you have run since the kernel started.",
    # a plot in a language whose script no installed font draws (learner/notebook_text.py)
    "plot_font_missing": (
        "Plots keep their English words: no font for this language is installed. Install one "
        "(Debian, Ubuntu: `apt-get install fonts-noto-cjk`), then restart the kernel."
    ),
    # hints: likely causes
    "hint_transposed": "the shape is the expected one reversed: transposed, or arguments swapped?",
    "hint_missing_batch": "one leading dimension is missing: is it the batch dimension? .unsqueeze(0) makes one example a batch of one.",
    "hint_extra_dim": "there is an extra dimension of size 1: .squeeze() or .view() can remove it.",
    "hint_same_numel": "the number of elements is right: .view() or .reshape() can change the shape.",
    "hint_dtype_arg": "most tensor factories (torch.zeros, torch.ones, new_ones, ...) take a dtype= argument.",
    "hint_float_vs_double": "torch.float is float32 and torch.double is float64; NumPy arrays default to float64.",
    "hint_to_device": "move it with .to(device).",
    "hint_requires_grad_true": "create it with requires_grad=True, or call .requires_grad_() on it.",
    "hint_requires_grad_false": "use .detach(), or compute it inside `with torch.no_grad():`.",
    "hint_no_grad_fn": "was it computed inside torch.no_grad(), or from a detached tensor?",
    "hint_twice": "every value is exactly twice the expected one: did gradients accumulate over two backward() calls without zeroing .grad?",
    "hint_negated": "every value has the opposite sign: is a subtraction the wrong way round?",
    "hint_in_place": "methods ending in an underscore (add_, mul_, zero_) change a tensor in place; use the version without the underscore, or work on a .clone().",
    "hint_mutated_requires_grad": "requires_grad_() switched tracking on for the caller's own tensor; track a copy instead (x.detach().clone().requires_grad_()).",
    "hint_mutated_grad": "backward() left a .grad on the caller's own tensor; compute the gradient on a copy that you track instead.",
    "hint_train_mode": "call model.train() first: an earlier evaluation may have switched it to model.eval().",
    "hint_no_grad_update": "update parameters in place inside `with torch.no_grad():` (p -= lr * p.grad), so they stay leaves.",
    "hint_item": ".item() turns a one-element tensor into a Python number.",
    # correct
    "correct": "{text}. Well done.",
    "correct_part": "{name}: {summary}",
    "answer_failed": (
        "the cell that defines {name} raised an error the last time it ran ({error}), so {name} may "
        "hold an older attempt: fix that cell, run it, then run this check again."
    ),
    "summary_tensor": "a tensor of shape {shape}, dtype {dtype}",
    "summary_function": "returns the expected results on {count} input(s)",
    "summary_module": "a module with {count} trainable parameters",
    "summary_value": "{value!r}",
    "summary_ok": "looks right",
}


def message(key, **fields):
    """Return the catalogue text for ``key`` (in the current language) filled with ``fields``."""
    from .i18n import translate_message

    return fill(translate_message(key, CATALOGUE[key]), fields)


_FORMATTER = string.Formatter()


def is_wide(char):
    """Whether ``char`` is a wide (CJK) character or punctuation mark: 张, 。, ：."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def fill(template, fields):
    """``template.format(**fields)``, without the space a Chinese template keeps beside a field
    ("{name} 的 dtype") where the field's value is itself Chinese at that edge: a space belongs
    between Chinese and code ("x 的 dtype"), never between two Chinese characters
    ("zeros_long(5, 3) 的结果的 dtype")."""
    out, edges = "", []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        out += literal
        if field is None:
            continue
        value, _ = _FORMATTER.get_field(field, (), fields)
        value = _FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec or "")
        edges.append((len(out), len(out) + len(value)))
        out += value
    for start, end in reversed(edges):
        if out[end:end + 1] == " " and 0 < end < len(out) - 1 and is_wide(out[end - 1]) and is_wide(out[end + 1]):
            out = out[:end] + out[end + 1:]
        if start > 1 and out[start - 1] == " " and start < len(out) and is_wide(out[start - 2]) and is_wide(out[start]):
            out = out[:start - 1] + out[start:]
    return out


def use_catalogue(catalogue):
    """Replace the active messages, e.g. with a translated catalogue."""
    missing = set(CATALOGUE) - set(catalogue)
    if missing:
        raise ValueError(f"catalogue lacks keys: {sorted(missing)}")
    CATALOGUE.clear()
    CATALOGUE.update(catalogue)
