"""The check library: every check, every outcome, every message kind."""

import pytest
import torch

from autograder import (Incorrect, NotAttempted, check_function, check_module, check_tensor, check_that,
                        check_value, check_view, message, use_catalogue)
from autograder.learner import i18n
from autograder.learner.judge import format_correct
from autograder.learner.messages import CATALOGUE, fill


def fails(kind, call, *parts):
    """Run ``call``; assert it raises ``kind`` whose text contains every part; return the exception."""
    with pytest.raises(kind) as info:
        call()
    text = str(info.value)
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    return info.value


# ---------------------------------------------------------------- outcomes

def test_undefined_name_is_not_attempted_and_says_which_cell_to_run():
    error = fails(NotAttempted, lambda: check_tensor("x", shape=(2,), namespace={}),
                  "x is not defined yet", "cell above")
    assert isinstance(error, AssertionError), "nbgrader scores only AssertionErrors as failed checks"


def test_name_is_found_in_the_callers_globals_without_passing_a_namespace(capsys):
    global answer_in_globals
    answer_in_globals = torch.zeros(2)
    check_tensor("answer_in_globals", shape=(2,))
    assert "Correct: answer_in_globals" in capsys.readouterr().out


def test_correct_answer_prints_one_confirming_line(capsys):
    check_tensor("x", shape=(5, 3), dtype=torch.long, fill=0, namespace={"x": torch.zeros(5, 3, dtype=torch.long)})
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["Correct: x: a tensor of shape (5, 3), dtype torch.int64. Well done."]


def test_failures_render_as_a_few_lines_not_a_traceback():
    error = fails(Incorrect, lambda: check_tensor("x", dtype=torch.long, namespace={"x": torch.zeros(2)}))
    lines = error._render_traceback_()
    assert 1 <= len(lines) <= 3
    assert "Incorrect: x has dtype torch.float32" in lines[0]
    assert lines[1].startswith("Hint: ")


def test_not_attempted_renders_with_its_own_label():
    error = fails(NotAttempted, lambda: check_value("y", 1, namespace={}))
    assert error._render_traceback_()[0].split("Not attempted: ")[1].startswith("y is not defined")


def test_a_rule_that_draws_random_numbers_leaves_the_learners_stream_where_it_was(capsys):
    """A later cell draws the same numbers whether or not a check cell ran before it (chapter 05's rule
    builds a model and iterates a DataLoader: its solution's stored outputs changed with it)."""
    def builds_a_model(model):
        torch.nn.Linear(64, 10)
        return len(list(torch.utils.data.DataLoader(range(4), batch_size=2))) == 2

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check_that("model", builds_a_model, "is not a model.", namespace={"model": object()})
    assert "Correct: model" in capsys.readouterr().out
    assert torch.equal(torch.rand(3), expected)


# ---------------------------------------------------------------- tensors

@pytest.mark.parametrize("found, expected_shape, hint", [
    (torch.zeros(3, 5), (5, 3), "transposed"),
    (torch.zeros(3, 32, 32), (1, 3, 32, 32), "unsqueeze(0)"),
    (torch.zeros(1, 5), (5,), "extra dimension of size 1"),
    (torch.zeros(2, 8), (4, 4), ".view()"),
])
def test_wrong_shape_names_found_and_expected_and_a_likely_cause(found, expected_shape, hint):
    fails(Incorrect, lambda: check_tensor("x", shape=expected_shape, namespace={"x": found}),
          f"x has shape {tuple(found.shape)}", f"expected shape {expected_shape}", hint)


def test_hidden_shape_check_does_not_reveal_the_expected_shape():
    error = fails(Incorrect, lambda: check_tensor("x", shape=(5, 3), hidden=True, namespace={"x": torch.zeros(4)}),
                  "shape (4,)")
    assert "(5, 3)" not in str(error)


def test_wrong_dtype_suggests_the_dtype_argument():
    fails(Incorrect, lambda: check_tensor("x", dtype=torch.long, namespace={"x": torch.zeros(2)}),
          "dtype torch.float32", "expected dtype torch.int64", "dtype= argument")


def test_float_width_mismatch_explains_float_and_double():
    fails(Incorrect, lambda: check_tensor("x", dtype=torch.float32, namespace={"x": torch.zeros(2).double()}),
          "torch.float64", "float32")


def test_not_a_tensor_names_the_type_found():
    fails(Incorrect, lambda: check_tensor("x", shape=(2,), namespace={"x": [1, 2]}), "x is a list", "torch.Tensor")


def test_wrong_device_suggests_to_device():
    fails(Incorrect, lambda: check_tensor("x", device="meta", namespace={"x": torch.zeros(2)}),
          "on device cpu", ".to(device)")


def test_requires_grad_both_ways():
    fails(Incorrect, lambda: check_tensor("w", requires_grad=True, namespace={"w": torch.zeros(2)}),
          "requires_grad=False", "requires_grad=True")
    fails(Incorrect, lambda: check_tensor("w", requires_grad=False,
                                          namespace={"w": torch.zeros(2, requires_grad=True)}),
          "requires_grad=True", ".detach()")


def test_grad_fn_missing_unexpected_and_wrong_kind():
    leaf = torch.ones(2, requires_grad=True)
    fails(Incorrect, lambda: check_tensor("y", grad_fn=True, namespace={"y": leaf}), "no grad_fn", "no_grad")
    fails(Incorrect, lambda: check_tensor("y", grad_fn=None, namespace={"y": leaf * 2}),
          "grad_fn=MulBackward0")
    fails(Incorrect, lambda: check_tensor("y", grad_fn="AddBackward0", namespace={"y": leaf * 2}),
          "grad_fn=MulBackward0", "expected a AddBackward0")
    check_tensor("y", grad_fn="AddBackward0", namespace={"y": leaf + 2})


def test_wrong_values_give_the_first_differing_index_but_not_the_expected_value():
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    found = torch.tensor([[1.0, 2.0], [3.0, 40.0]])
    error = fails(Incorrect, lambda: check_tensor("x", expected, namespace={"x": found}),
                  "index (1, 1)", "holds 40.0")
    assert "4.0" not in str(error).replace("40.0", "")


def test_values_within_the_dtype_tolerance_pass_and_just_outside_fail():
    expected = torch.tensor([1.0, 2.0])
    check_tensor("x", expected, namespace={"x": expected + 1e-7})
    fails(Incorrect, lambda: check_tensor("x", expected, namespace={"x": expected + 1e-3}), "values")
    check_tensor("h", expected.half(), namespace={"h": (expected + 5e-4).half()})
    fails(Incorrect, lambda: check_tensor("i", torch.tensor([1, 2]), namespace={"i": torch.tensor([1, 3])}))


def test_values_twice_the_expected_point_at_accumulated_gradients():
    fails(Incorrect, lambda: check_tensor("g", torch.full((2, 2), 4.5), namespace={"g": torch.full((2, 2), 9.0)}),
          "twice", "zeroing .grad")


def test_negated_values_point_at_a_sign_error():
    fails(Incorrect, lambda: check_tensor("g", torch.tensor([1.0, -2.0]), namespace={"g": torch.tensor([-1.0, 2.0])}),
          "opposite sign")


def test_fill_reports_where_the_value_differs():
    fails(Incorrect, lambda: check_tensor("z", fill=0, namespace={"z": torch.tensor([0, 0, 7])}),
          "should hold 0 everywhere", "index (2,)", "holds 7")


def test_monkeypatched_torch_cannot_make_a_wrong_tensor_pass(monkeypatch):
    monkeypatch.setattr(torch, "isclose", lambda *a, **k: torch.ones(2, dtype=torch.bool))
    monkeypatch.setattr(torch, "allclose", lambda *a, **k: True)
    fails(Incorrect, lambda: check_tensor("x", torch.tensor([1.0, 2.0]), namespace={"x": torch.tensor([5.0, 6.0])}))


def test_dotted_names_reach_attributes():
    class Holder:
        weight = torch.zeros(3)
    check_tensor("m.weight", shape=(3,), namespace={"m": Holder()})
    fails(Incorrect, lambda: check_tensor("m.bias", shape=(3,), namespace={"m": Holder()}), "m.bias")


# ---------------------------------------------------------------- values

def test_check_value_numbers_with_tolerance():
    check_value("n", 0.3, namespace={"n": 0.1 + 0.2})
    fails(Incorrect, lambda: check_value("n", 28, namespace={"n": 27}), "n is 27", "not the expected answer")


def test_check_value_rejects_a_one_element_tensor_and_suggests_item():
    fails(Incorrect, lambda: check_value("m", 79.0, namespace={"m": torch.tensor(79.0)}),
          "is a torch.Tensor", ".item()")


def test_check_value_other_types():
    check_value("s", torch.Size([2, 3]), namespace={"s": torch.Size([2, 3])})
    check_value("t", (2, 3), namespace={"t": [2, 3]})
    fails(Incorrect, lambda: check_value("flag", True, namespace={"flag": "yes"}), "is a str", "expected a bool")
    fails(Incorrect, lambda: check_value("flag", True, namespace={"flag": False}), "flag is False")


# ---------------------------------------------------------------- functions

def test_check_function_passes_correct_functions(capsys):
    check_function("double", [((torch.tensor([1.0]),), torch.tensor([2.0]))],
                   namespace={"double": lambda x: x * 2})
    assert "Correct: double" in capsys.readouterr().out


def test_function_still_raising_not_implemented_is_not_attempted():
    def stub(x):
        raise NotImplementedError()
    fails(NotAttempted, lambda: check_function("f", [((1,), 2)], namespace={"f": stub}),
          "still raises NotImplementedError")


def test_function_that_mutates_its_input_is_reported_with_the_in_place_hint():
    fails(Incorrect, lambda: check_function("f", [((torch.tensor([1.0]),), torch.tensor([2.0]))],
                                            namespace={"f": lambda x: x.mul_(2)}),
          "changed its argument #1 in place", "underscore")


def test_function_that_leaves_grad_on_its_input_counts_as_mutation():
    def grad_of_square(x):
        x.requires_grad_(True)
        (x * x).sum().backward()
        return x.grad
    fails(Incorrect, lambda: check_function("f", [((torch.tensor([3.0]),), torch.tensor([6.0]))],
                                            namespace={"f": grad_of_square}), "changed its argument")


def test_function_crash_is_reported_as_incorrect_with_the_error():
    fails(Incorrect, lambda: check_function("f", [((torch.zeros(2),), torch.zeros(2))],
                                            namespace={"f": lambda x: x @ torch.zeros(3)}),
          "raised RuntimeError")


def test_function_wrong_result_names_the_call_but_hidden_hides_inputs():
    f = {"f": lambda x: x + 1}
    fails(Incorrect, lambda: check_function("f", [((torch.tensor([1.0]),), torch.tensor([3.0]))], namespace=f),
          "the result of f(tensor([1.0]))")
    error = fails(Incorrect, lambda: check_function("f", [((torch.tensor([1.0]),), torch.tensor([3.0]))],
                                                    hidden=True, namespace=f))
    assert "[1.0]" not in str(error)


def test_check_function_requires_a_callable():
    fails(Incorrect, lambda: check_function("f", [((1,), 1)], namespace={"f": 3}), "f is a int", "function")


# ---------------------------------------------------------------- modules

def test_check_module_counts_parameters_and_checks_the_output_shape():
    net = torch.nn.Linear(4, 2)
    check_module("net", input_shape=(1, 4), output_shape=(1, 2), n_params=10, namespace={"net": net})
    fails(Incorrect, lambda: check_module("net", n_params=12, namespace={"net": net}), "10 trainable", "12")
    fails(Incorrect, lambda: check_module("net", n_params=12, hidden=True, namespace={"net": net}), "10 trainable")
    fails(Incorrect, lambda: check_module("net", input_shape=(1, 4), output_shape=(1, 3), namespace={"net": net}),
          "shape (1, 2)")
    fails(Incorrect, lambda: check_module("net", n_param_tensors=4, namespace={"net": net}), "2 parameter tensors")
    fails(Incorrect, lambda: check_module("net", namespace={"net": "Linear"}), "nn.Module")


def test_check_module_reports_a_forward_that_crashes():
    fails(Incorrect, lambda: check_module("net", input_shape=(1, 5), namespace={"net": torch.nn.Linear(4, 2)}),
          "raised RuntimeError")


# ---------------------------------------------------------------- anything else

def test_check_that_uses_the_given_problem_and_hint():
    fails(Incorrect, lambda: check_that("acc", lambda a: a >= 0.95, "is below 95% on the test set.",
                                        hint="train longer", namespace={"acc": 0.5}),
          "acc: is below 95%", "Hint: train longer")
    check_that("acc", lambda a: a >= 0.95, "unused", namespace={"acc": 0.97})


def test_check_view_tells_a_view_from_a_copy_and_leaves_the_source_as_it_was(capsys):
    import numpy as np

    readings = np.array([[0.5, 10.0], [1.5, float("nan")]])
    check_view("shared", "is a copy.", of="readings", summary="shares memory",
               namespace={"readings": readings, "shared": torch.from_numpy(readings).T})
    assert "Correct: shared: shares memory" in capsys.readouterr().out
    assert np.array_equal(readings, [[0.5, 10.0], [1.5, float("nan")]], equal_nan=True)
    fails(Incorrect, lambda: check_view("shared", "is a copy.", of="readings", hint="wrap it",
                                        namespace={"readings": readings, "shared": torch.tensor(readings).T}),
          "shared: is a copy.", "Hint: wrap it")
    fails(Incorrect, lambda: check_view("pairs", "returns a copy.", args=(torch.arange(4),),
                                        namespace={"pairs": lambda t: torch.cat([t[:2], t[2:]]).view(-1, 2)}),
          "pairs: returns a copy.")

    def stub(t):
        raise NotImplementedError()
    fails(NotAttempted, lambda: check_view("pairs", "unused", args=(torch.arange(4),), namespace={"pairs": stub}))


def test_hidden_checks_pass_silently(capsys):
    check_that("acc", lambda a: True, "unused", hidden=True, namespace={"acc": 1})
    check_tensor("x", shape=(1,), hidden=True, namespace={"x": torch.zeros(1)})
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- the catalogue

def test_every_message_comes_from_the_catalogue_and_can_be_replaced():
    original = dict(CATALOGUE)
    try:
        use_catalogue({key: f"[{key}] {text}" for key, text in original.items()})
        fails(NotAttempted, lambda: check_tensor("x", namespace={}), "[label_not_attempted]", "[not_defined]")
    finally:
        use_catalogue(original)
    assert message("not_defined", name="q").startswith("q is not defined")


def test_a_catalogue_missing_keys_is_refused():
    with pytest.raises(ValueError, match="lacks keys"):
        use_catalogue({"correct": "ok"})


def test_mutation_hints_name_what_changed():
    def tracks_input(x):
        return x.requires_grad_(True) * 1
    fails(Incorrect, lambda: check_function("f", [((torch.tensor([3.0]),), torch.tensor([3.0]))],
                                            check_mutation=True, namespace={"f": tracks_input}),
          "switched tracking on")

    def grad_left_behind(x):
        y = (x * x).sum()
        y.backward()
        return x.grad.clone()
    fails(Incorrect, lambda: check_function("f", [((torch.tensor([3.0], requires_grad=True),), torch.tensor([6.0]))],
                                            namespace={"f": grad_left_behind}), "left a .grad")


def test_calls_are_described_readably():
    error = fails(Incorrect, lambda: check_function("f", [((torch.tensor([0.1]), abs), 0.0)],
                                                    namespace={"f": lambda x, g: 1.0}))
    assert "f(tensor([0.1]), abs)" in str(error)


def test_arguments_are_described_as_a_learner_wrote_them_never_by_an_object_dump():
    """Issue 24: "train_one_epoch(Sequential, <torch.utils.data.dataloader.DataLoader object at 0x7fe4...>,
    SGD ( Parameter Group 0 dampening: 0 ..." becomes what the learner wrote."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(8, 4)), batch_size=128)

    class Opaque:
        pass

    class Tall:
        def __repr__(self):
            return "Tall(\n  1,\n)"

    args = (model, loader, torch.optim.SGD(model.parameters(), lr=0.1), torch.nn.CrossEntropyLoss(),
            torch.zeros(3, 4), Opaque(), Tall(), 3)
    error = fails(Incorrect, lambda: check_function("train", [(args, 0.0)], namespace={"train": lambda *a: 1.0}))
    assert ("train(Sequential, DataLoader(batch_size=128), SGD(lr=0.1), CrossEntropyLoss, "
            "<tensor of shape (3, 4)>, Opaque, Tall, 3)") in str(error), str(error)
    assert " at 0x" not in str(error) and "Parameter Group" not in str(error)


def test_a_call_is_named_in_every_language_and_judged_in_the_learners():
    from autograder.learner.call_text import call_texts, localized

    texts = call_texts("f", (torch.zeros(4, 2), torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)))
    assert texts["en"] == "f(<tensor of shape (4, 2)>, SGD(lr=0.5))"
    assert texts["zh"] == "f(<形状为 (4, 2) 的张量>, SGD(lr=0.5))"
    with i18n.speaking("zh"):
        assert localized(texts) == texts["zh"] and localized("g(1)") == "g(1)"


def test_a_chinese_template_drops_the_space_beside_a_chinese_field_only():
    """ "{name} 的 dtype": a space between Chinese and code ("x 的 dtype"), none between two Chinese
    characters ("zeros_long(5, 3) 的结果的 dtype", not "的结果 的 dtype")."""
    with i18n.speaking("zh"):
        label = message("result_of", call="zeros_long(5, 3)")
        shown = message("dtype", name=label, found=torch.float32, expected=torch.int64)
        plain = message("dtype", name="x", found=torch.float32, expected=torch.int64)
        joined = message("argument_label", name="train_step", position=1)
        state = message("shape", name=joined, found="(2,)", expected="(3,)")
    assert shown.startswith("zeros_long(5, 3) 的结果的 dtype 是 torch.float32"), shown
    assert plain.startswith("x 的 dtype 是 torch.float32"), plain
    assert state.startswith("train_step 的第 1 个实参的形状是 (2,)"), state
    assert fill("{a} 的 {b}", {"a": "'你 好'", "b": "值"}) == "'你 好' 的值"   # a space inside a value stays


def test_labels_and_joins_follow_the_language():
    with i18n.speaking("zh"):
        failure = Incorrect("问题", "提示")
        correct = format_correct([("x", "形状为 (2,) 的张量"), ("y", "1"), ("x", "正确")])
    assert str(failure) == "不正确：问题\n提示：提示"
    assert correct == "正确：x：形状为 (2,) 的张量；正确；y：1。做得好！"


def test_tensor_subclasses_cannot_lie_about_their_values():
    class Liar(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return torch.ones(2, dtype=torch.bool) if func is torch.isclose else super().__torch_function__(
                func, types, args, kwargs or {})
    liar = torch.tensor([9.0, 9.0]).as_subclass(Liar)
    fails(Incorrect, lambda: check_tensor("x", torch.tensor([1.0, 2.0]), namespace={"x": liar}), "x is a Liar")
    check_tensor("p", shape=(2,), namespace={"p": torch.nn.Parameter(torch.zeros(2))})


def test_quiet_checks_pass_silently_but_still_show_expected_shapes_on_failure(capsys):
    check_tensor("x", shape=(1,), quiet=True, namespace={"x": torch.zeros(1)})
    assert capsys.readouterr().out == ""
    fails(Incorrect, lambda: check_tensor("x", shape=(5, 3), quiet=True, namespace={"x": torch.zeros(4)}),
          "expected shape (5, 3)")
