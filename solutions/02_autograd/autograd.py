# %% [markdown]
# # Chapter 2 · Autograd
#
# Training a neural network means nudging its numbers in the direction that lowers a loss, and for
# that you need derivatives. PyTorch's **autograd** computes them for you: while you calculate with
# tensors that ask for it, PyTorch writes down every operation, and afterwards it walks that record
# backwards, applying the chain rule, to get the gradient of a result with respect to each input.
#
# The record is built while your code runs, so it follows whatever your Python does: loops, `if`
# statements and function calls can produce a different graph on every run.
#
# In this chapter you will:
#
# 1. ask PyTorch to track a tensor and read the `grad_fn` that records each operation,
# 2. switch tracking on and off with `requires_grad_`,
# 3. call `backward()` and read gradients from `.grad`, and derive one by hand to see why it is right,
# 4. pass a vector to `backward()` when the result is not a single number (a vector-Jacobian product),
# 5. avoid the classic mistake of gradients that silently add up, and keep a graph with `retain_graph`,
# 6. get gradients as return values with `torch.autograd.grad`, second derivatives included,
# 7. stop tracking with `torch.no_grad()` and `.detach()`, and see why `.detach()` beats `.data`, and
# 8. see a derivative computed by autograd next to the one from calculus.
#
# As in chapter 1, each exercise has an answer cell to complete and a check cell to run after it.

# %%
import torch
import matplotlib.pyplot as plt

from autograder import Case, check_function, check_tensor, check_that, hidden_seed, tr_plot

# %% [markdown]
# ## 1. Tensors that remember where they came from
#
# Create a tensor with `requires_grad=True` and autograd starts following it. Its repr says so.

# %%
x = torch.ones(2, 2, requires_grad=True)
print(x)

# %% [markdown]
# Anything computed from a tracked tensor is tracked too, and carries a `grad_fn`: a reference to the
# backward function of the operation that produced it. For `x + 2` that is `AddBackward0`. Printing
# the `grad_fn` object itself shows its class and where it lives in memory (the address changes from
# run to run).

# %%
y = x + 2
print(y)
print(y.grad_fn)

# %% [markdown]
# Each further operation adds a node to the graph: two multiplications, then a mean that reduces
# the four values to one number.

# %%
z = y * y * 3
out = z.mean()
print(z, out)

# %% [markdown]
# `x` itself has `grad_fn` equal to `None`: you created it, no operation did. Tensors like it are
# called **leaves** of the graph. Every tensor that no recorded operation produced is a leaf, tracked
# or not; `backward()` stores a gradient only in the leaves that require grad, such as `x`. The
# graph can be walked by hand through `grad_fn.next_functions`; `AccumulateGrad` is the node that
# will deposit a gradient into the leaf `x`.

# %%
print(x.grad_fn, x.is_leaf)
print(out.grad_fn.name(), "<-", out.grad_fn.next_functions[0][0].name())
print(y.grad_fn.next_functions[0][0].name())

# %% [markdown]
# ### Exercise 1.1: who has a `grad_fn`?
#
# Read the cell below **without running any code on its tensors**, and predict which of `w`, `c`,
# `h`, `k`, `s` and `g` have a `grad_fn` that is not `None`. Set `tracked` to the **set of their
# names**, for example `{"w", "c"}`.

# %%
w = torch.tensor([1.0, 2.0], requires_grad=True)
c = torch.tensor([3.0, 4.0])
h = w * c
k = c * 2
s = h.sum()
g = h + k

# %% nbgrader={"grade": false, "grade_id": "autograd-which-grad-fn", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
tracked = {"h", "s", "g"}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "autograd-which-grad-fn-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_that("tracked", lambda t: isinstance(t, set) and t <= {"w", "c", "h", "k", "s", "g"},
           'must be a set of names taken from w, c, h, k, s and g, written as strings such as "h".',
           summary="a set of names from the cell above")
# These checks state the rules of the lesson, not the answer: they look at the tensors themselves.
check_that("tracked", lambda t: not any(globals()[n].is_leaf and globals()[n].requires_grad for n in t),
           "includes a tensor that you created yourself: such a leaf has grad_fn None, even with requires_grad=True.",
           hint="a grad_fn records the operation that produced a tensor, and no operation produced a leaf.",
           summary="no leaf tensor in it")
check_that("tracked", lambda t: all(globals()[n].requires_grad for n in t),
           "includes a tensor that autograd does not track: it was created without requires_grad, or computed "
           "only from inputs that do not require grad, so nothing was recorded for it.",
           summary="no untracked tensor in it")
check_that("tracked", lambda t: all(n in t for n in ("w", "c", "h", "k", "s", "g")
                                    if not globals()[n].is_leaf and globals()[n].requires_grad),
           "misses a tensor that has a grad_fn: an operation gets recorded as soon as one of its inputs is tracked.",
           hint="follow w: everything computed from it, even mixed with untracked tensors, is tracked.",
           summary="every recorded result in it")
### BEGIN HIDDEN TESTS
check_that("tracked", lambda t: t == {n for n in ("w", "c", "h", "k", "s", "g") if globals()[n].grad_fn is not None},
           "is not the set of tensors that have a grad_fn.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Switching tracking on later
#
# Tensors you create start with `requires_grad=False` unless you say otherwise. `requires_grad_(...)`
# (note the trailing underscore: it changes the tensor in place) sets the flag on an existing
# **leaf**. A result that already has a `grad_fn` cannot be switched off this way (`.detach()`,
# section 7, gives an untracked copy). Operations done *before* the flag was set are not recorded;
# those done after are.

# %%
torch.manual_seed(0)
a = torch.randn(2, 2)
a = (a * 3) / (a - 1)
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

# %% [markdown]
# ### Exercise 2.1: start tracking an existing tensor
#
# `scale` and `data` were created without tracking. Turn tracking on for `scale` itself with the
# in-place method you just met, then set `scaled` to the sum of the elementwise products
# `scale * data`, computed from the tracked `scale`: a single-number tensor (shape `()`) that
# autograd has recorded. Any way of summing counts (`.sum()`, Python's `sum`, a dot product).

# %%
scale = torch.tensor([0.5, 2.0, -1.0])
data = torch.tensor([4.0, 1.0, 3.0])

# %% nbgrader={"grade": false, "grade_id": "autograd-requires-grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
scale.requires_grad_(True)
scaled = (scale * data).sum()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "autograd-requires-grad-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("scaled", torch.tensor(1.0), requires_grad=True, grad_fn=True)
### BEGIN HIDDEN TESTS
check_that("scale", lambda t: t.requires_grad and t.is_leaf,
           "is not a tracked leaf tensor: call requires_grad_() on it.", hidden=True)
check_tensor("scaled", (scale.detach() * data).sum(), requires_grad=True, grad_fn=True, hidden=True)
check_that("scaled", lambda t: torch.equal(torch.autograd.grad(t, scale, retain_graph=True)[0], data),
           "was not computed as the sum of scale * data from the tracked scale.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Backward: from the result to the gradients
#
# `out` holds a single number, so `out.backward()` needs no argument (it is the same as
# `out.backward(torch.tensor(1.))`). It computes d(out)/dx and stores it in `x.grad`.

# %%
out.backward()
print(x.grad)

# %% [markdown]
# **Why 4.5?** Write $y_i = x_i + 2$ for the four entries. Then
#
# $$\text{out} = \frac{1}{4} \sum_{i=1}^{4} 3\,(x_i + 2)^2,
# \qquad \frac{\partial\,\text{out}}{\partial x_i} = \frac{1}{4}\cdot 3 \cdot 2\,(x_i + 2) = \frac{3}{2}(x_i + 2),$$
#
# and at $x_i = 1$ that is $\frac{3}{2}\cdot 3 = 4.5$. Autograd got there by multiplying the local
# derivatives of the mean ($\frac14$), of `* 3`, of `y * y` ($2y$) and of `+ 2` ($1$): the chain rule,
# one recorded node at a time.
#
# Only leaves keep their gradient: the intermediate `y` has none stored (`y.grad` is `None`; call
# `y.retain_grad()` before `backward()` if you need it).

# %%
print(x.is_leaf, y.is_leaf)

# %% [markdown]
# ### Exercise 3.1: a gradient by hand
#
# Write `by_hand(x)` that returns the gradient of `out = (3 * (x + 2) ** 2).mean()` with respect to
# `x`, using **the formula you derive** (no `backward()` here). It must work for an `x` of any shape:
# the mean divides by the number of elements, `x.numel()`. The hidden checks compare your formula with
# what autograd computes, on inputs you have not seen.

# %% nbgrader={"grade": false, "grade_id": "autograd-by-hand", "locked": false, "schema_version": 3, "solution": true, "task": false}
def by_hand(x):
    ### BEGIN SOLUTION
    return 6 * (x + 2) / x.numel()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "autograd-by-hand-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("by_hand", [
    ((torch.ones(2, 2),), torch.full((2, 2), 4.5)),
    ((torch.tensor([0.0, -2.0]),), torch.tensor([6.0, 0.0])),
])
### BEGIN HIDDEN TESTS
def _autograd_reference(x):
    leaf = x.detach().clone().requires_grad_(True)
    (3 * (leaf + 2) ** 2).mean().backward()
    return leaf.grad

_gen = torch.Generator().manual_seed(hidden_seed(31))
_inputs = [torch.randn(3, generator=_gen), torch.randn(2, 3, 2, generator=_gen), torch.full((5,), 1.0)]
check_function("by_hand", [((_x,), _autograd_reference(_x)) for _x in _inputs], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3.2: a gradient function with no side effects
#
# Write `grad_at(f, x)` that returns the gradient of `f(x)` with respect to `x`, computed by autograd,
# where `f` is any function that turns a tensor into a single number, for instance
# `lambda t: (t ** 2).sum()`.
#
# The catch: the caller's `x` must come out **exactly as it went in**. Turning on its
# `requires_grad`, or leaving a `.grad` on it, counts as changing it. Work on a copy that autograd
# tracks instead (`detach()` gives a tensor outside any graph, `clone()` a copy of its memory).

# %% nbgrader={"grade": false, "grade_id": "autograd-grad-at", "locked": false, "schema_version": 3, "solution": true, "task": false}
def grad_at(f, x):
    ### BEGIN SOLUTION
    leaf = x.detach().clone().requires_grad_(True)
    f(leaf).backward()
    return leaf.grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "autograd-grad-at-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("grad_at", [
    ((lambda t: (t ** 2).sum(), torch.tensor([1.0, -2.0, 3.0])), torch.tensor([2.0, -4.0, 6.0])),
    ((lambda t: (3 * (t + 2) ** 2).mean(), torch.ones(2, 2)), torch.full((2, 2), 4.5)),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(32))
_t = torch.randn(4, generator=_gen)
_p = torch.rand(3, generator=_gen) + 1
check_function("grad_at", [
    ((lambda t: torch.sin(t).sum(), _t), torch.cos(_t)),
    ((lambda t: t.prod(), _p), torch.stack([_p[1] * _p[2], _p[0] * _p[2], _p[0] * _p[1]])),
    ((lambda t: (t ** 3).mean(), torch.tensor([[1.0, 2.0], [-1.0, 0.5]], requires_grad=True)),
     torch.tensor([[0.75, 3.0], [0.75, 0.1875]])),
], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. When the result is a vector: vector-Jacobian products
#
# Here `y` starts as `2 * x` and keeps doubling until its length (its Euclidean norm) passes 1000.
# How many doublings that takes depends on the random draw; with seed 0 it is the count printed below.
#
# The loop test reads `y.data`: the same numbers as `y`, as a tensor that autograd does not track, so
# computing the norm for the `while` test adds nothing to the graph. (Comparing `y.norm()` would
# work too, but it would record a norm node that is never used.) `.data` is an old way to step
# outside the graph; section 7 shows why `y.detach()` is the safer one to use in your own code.

# %%
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
y = x * 2
doublings = 1
while y.data.norm() < 1000:
    y = y * 2
    doublings += 1
print(y)
print("y = x * 2 **", doublings)

# %% [markdown]
# `y` has three entries, so "the gradient of `y`" would be a 3x3 **Jacobian** matrix
# $J_{ij} = \partial y_i / \partial x_j$, and `y.backward()` on its own refuses to guess what you
# want. What autograd computes efficiently is a **vector-Jacobian product**: give `backward` a vector
# `v` of the same shape as `y` and it adds $J^\top v$ to `x.grad` (which starts as `None`, so after
# one call it holds exactly $J^\top v$). That is the gradient of the
# single number $\sum_i v_i\, y_i$, a weighted sum of the outputs.
#
# Here $y = 2^{k} x$ with $k$ the number of doublings, so $J = 2^{k} I$ and `x.grad` is `v`
# multiplied by $2^{k}$: the weights of `v` come back, scaled by how strongly `y` depends on `x`.

# %%
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)
print(torch.equal(x.grad, v * 2 ** doublings))

# %% [markdown]
# ### Exercise 4.1: a vector-Jacobian product
#
# Write `vjp(f, x, v)` that returns $J^\top v$, where $J$ is the Jacobian of `f` at `x` (`f` turns a
# tensor into a tensor of the same shape as `v`), computed by autograd with `backward` and a vector
# as above, and leave the caller's `x` unchanged, as in exercise 3.2.

# %% nbgrader={"grade": false, "grade_id": "autograd-vjp", "locked": false, "schema_version": 3, "solution": true, "task": false}
def vjp(f, x, v):
    ### BEGIN SOLUTION
    leaf = x.detach().clone().requires_grad_(True)
    f(leaf).backward(v)
    return leaf.grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "autograd-vjp-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("vjp", [
    ((lambda t: t * 1024, torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.1, 1.0, 0.0001])),
     torch.tensor([102.4, 1024.0, 0.1024])),
    ((lambda t: t ** 2, torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 1.0, 1.0])),
     torch.tensor([2.0, 4.0, 6.0])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(41))
_m = torch.randn(2, 3, generator=_gen)
_v2 = torch.randn(2, generator=_gen)
_x3 = torch.randn(3, generator=_gen)
check_function("vjp", [
    ((lambda t: t.cumsum(0), torch.tensor([3.0, 1.0, 4.0, 1.0]), torch.tensor([1.0, 0.0, 2.0, -1.0])),
     torch.tensor([2.0, 1.0, 1.0, -1.0])),
    ((lambda t: _m @ t, torch.tensor([1.0, 1.0, 1.0], requires_grad=True), _v2), _m.T @ _v2),
    ((lambda t: t ** 2, torch.tensor([-1.0, 0.5]), torch.tensor([3.0, 3.0])), torch.tensor([-6.0, 3.0])),
    ((lambda t: torch.exp(t), _x3, _x3.flip(0)), torch.exp(_x3) * _x3.flip(0)),
], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Gradients add up
#
# `backward()` does not overwrite `.grad`, it **adds** to it. That is deliberate (it lets you sum
# gradients over several pieces of a batch), but it means that stale gradients must be cleared
# before the next computation.
#
# There is a second rule: to save memory, `backward()` frees the intermediate values the graph kept
# for it, so by default a graph can be walked backwards only once.

# %%
x = torch.ones(2, 2, requires_grad=True)
out = (3 * (x + 2) ** 2).mean()
out.backward()
try:
    out.backward()
except RuntimeError as error:
    print("RuntimeError:", str(error).split(" (")[0])

# %% [markdown]
# `retain_graph=True` keeps the graph alive for another pass. Walk it twice and the two gradients of
# 4.5 add up to 9:

# %%
x = torch.ones(2, 2, requires_grad=True)
out = (3 * (x + 2) ** 2).mean()
out.backward(retain_graph=True)
print(x.grad)
out.backward()
print(x.grad)

# %% [markdown]
# Clear a gradient with `x.grad.zero_()` (in place) or by setting `x.grad = None` (what
# `optimizer.zero_grad()` does by default in later chapters). After that, a new backward pass starts
# from nothing again.

# %%
x.grad.zero_()
out = (3 * (x + 2) ** 2).mean()
out.backward()
print(x.grad)

# %% [markdown]
# ### Exercise 5.1: find and fix an accumulation bug
#
# A colleague wrote `checked_grad_draft(f, x)`: it runs backward once to make sure the gradient has no
# `nan` or `inf`, then runs it again to return it. Run the cell and compare with the 4.5 above.

# %%
def checked_grad_draft(f, x):
    x = x.detach().clone().requires_grad_(True)
    value = f(x)
    value.backward(retain_graph=True)
    if not torch.isfinite(x.grad).all():
        raise ValueError("the gradient is not finite")
    value.backward()
    return x.grad


print(checked_grad_draft(lambda t: (3 * (t + 2) ** 2).mean(), torch.ones(2, 2)))

# %% [markdown]
# Write the corrected `checked_grad(f, x)`: it still refuses a gradient that is not finite (raise a
# `ValueError`), but returns the true gradient of `f(x)` with respect to `x`, and leaves the caller's
# `x` unchanged.

# %% nbgrader={"grade": false, "grade_id": "autograd-zero-grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def checked_grad(f, x):
    ### BEGIN SOLUTION
    leaf = x.detach().clone().requires_grad_(True)
    f(leaf).backward()
    if not torch.isfinite(leaf.grad).all():
        raise ValueError(f"non-finite gradient: {leaf.grad}")
    return leaf.grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "autograd-zero-grad-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("checked_grad", [
    ((lambda t: (3 * (t + 2) ** 2).mean(), torch.ones(2, 2)), torch.full((2, 2), 4.5)),
    ((lambda t: (t ** 2).sum(), torch.tensor([1.0, -2.0, 3.0])), torch.tensor([2.0, -4.0, 6.0])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(51))
_c, _x = torch.randn(3, generator=_gen), torch.randn(3, generator=_gen)
check_function("checked_grad", [
    ((lambda t: (t * _c).sum(), torch.tensor([5.0, 5.0, 5.0], requires_grad=True)), _c),
    ((lambda t: (t ** 3).sum(), _x), 3 * _x ** 2),
    ((lambda t: torch.exp(t).sum(), torch.tensor([0.0, 1.0])), torch.exp(torch.tensor([0.0, 1.0]))),
    Case((lambda t: t.sqrt().sum(), torch.tensor([0.0, 4.0])), raises=ValueError),
], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Gradients as return values: `torch.autograd.grad`
#
# `backward()` deposits gradients in the `.grad` of every leaf it reaches, where they add up.
# `torch.autograd.grad(outputs, inputs)` computes the same gradients but **returns** them, a tuple
# with one tensor per input, and leaves every `.grad` untouched: there is nothing to zero and nothing
# accumulates. Use it when a gradient is a value you want to compute with, rather than something an
# optimizer reads later. The rules you know still hold: the inputs must require grad, the graph is
# freed unless you pass `retain_graph=True`, and a non-scalar output needs its vector, passed as
# `grad_outputs=`.

# %%
x = torch.ones(2, 2, requires_grad=True)
out = (3 * (x + 2) ** 2).mean()
(grad_x,) = torch.autograd.grad(out, x)
print(grad_x)
print(x.grad)

# %% [markdown]
# A returned gradient is a tensor like any other, so it can be differentiated again, provided the
# backward pass itself was recorded: that is what `create_graph=True` asks for. `t ** 3` acts on each
# element separately, so the gradient of its sum is the derivative at every point, $3t^2$ (the
# Jacobian is diagonal, as in section 4); the gradient of the sum of *that* is the second derivative,
# $6t$. Without `create_graph=True` the first gradient would have no `grad_fn`, and the second call
# would fail because nothing that requires grad is left to differentiate.

# %%
t = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
(slope,) = torch.autograd.grad((t ** 3).sum(), t, create_graph=True)
print(slope)
(curvature,) = torch.autograd.grad(slope.sum(), t)
print(curvature)

# %% [markdown]
# ### Exercise 6.1: a second derivative
#
# Write `second_derivative(f, x)` that returns the second derivative of `f` at every element of `x`,
# where `f` acts elementwise (each output element depends only on the matching input, like
# `torch.sin` or `lambda t: t ** 3`). Compute it with `torch.autograd.grad`, and leave the caller's
# `x` unchanged.

# %% nbgrader={"grade": false, "grade_id": "autograd-second-derivative", "locked": false, "schema_version": 3, "solution": true, "task": false}
def second_derivative(f, x):
    ### BEGIN SOLUTION
    leaf = x.detach().requires_grad_(True)
    (slope,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    (curvature,) = torch.autograd.grad(slope.sum(), leaf)
    return curvature
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "autograd-second-derivative-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("second_derivative", [
    ((lambda t: t ** 3, torch.tensor([0.0, 1.0, 2.0])), torch.tensor([0.0, 6.0, 12.0])),
    ((torch.sin, torch.tensor([0.0, 1.0])), torch.tensor([0.0, -0.841471])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(65))
_x = torch.randn(5, generator=_gen)
check_function("second_derivative", [
    ((torch.exp, _x), torch.exp(_x)),
    ((lambda t: t ** 4, _x.view(5, 1)), 12 * _x.view(5, 1) ** 2),
    ((torch.cos, _x.clone().requires_grad_(True)), -torch.cos(_x)),
    ((lambda t: t * torch.sin(t), _x), 2 * torch.cos(_x) - _x * torch.sin(_x)),
], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Turning tracking off: `no_grad` and `detach`
#
# Recording every operation costs memory and time. When you only want numbers, for example when
# measuring a trained model on test data, wrap the code in `with torch.no_grad():`. Inside the block,
# results are not tracked even when their inputs are.

# %%
torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)

# %% [markdown]
# `.detach()` does the same for one tensor: it returns a tensor with the same values (it even shares
# their memory) that is cut off from the graph, with `requires_grad=False` and no `grad_fn`.

# %%
y = x * 2
frozen = y.detach()
print(y.grad_fn is None, frozen.grad_fn is None, frozen.requires_grad)
print(torch.equal(frozen, y), frozen.data_ptr() == y.data_ptr())

# %% [markdown]
# **Why `.detach()` and not `.data`.** `y.data` (section 4) also gives the values outside the graph,
# in shared memory. The two differ when the values are then changed in place. Every tensor has a
# version counter that each in-place change bumps, and autograd notes the version of every tensor
# it saves for the backward pass: a change made through `.detach()` bumps the shared counter, and
# `backward()` refuses to compute with the stale value. A change made through `.data`
# is invisible to autograd, and `backward()` silently returns a wrong gradient. `sigmoid` saves its
# output $s$ for the backward pass (its derivative is $s(1 - s)$), which shows the difference:

# %%
w = torch.tensor([0.0, 2.0], requires_grad=True)
print(torch.sigmoid(w.detach()) * (1 - torch.sigmoid(w.detach())))  # the true gradient

s = torch.sigmoid(w)
s.data.zero_()
s.sum().backward()
print(w.grad)  # computed from the zeroed s: wrong, and nothing said so

w.grad = None
s = torch.sigmoid(w)
s.detach().zero_()
try:
    s.sum().backward()
except RuntimeError as error:
    print("RuntimeError:", str(error).split(":")[0])

# %% [markdown]
# So in your own code, step outside the graph with `.detach()` or `torch.no_grad()`. `.data` remains
# in older code, often, as in section 4, only to read values, where it does no harm.

# %% [markdown]
# ### Exercise 7.1: an evaluation step
#
# A linear model predicts `inputs @ weight`. During training `weight` requires grad; to **evaluate**
# it you only need the number. Write `evaluate(weight, inputs, targets)` that returns the mean squared
# error, `((inputs @ weight - targets) ** 2).mean()`, as a tensor that autograd does **not** track
# (compute it inside `torch.no_grad()`, so that no graph is built at all), without changing any
# argument.

# %% nbgrader={"grade": false, "grade_id": "autograd-no-grad-eval", "locked": false, "schema_version": 3, "solution": true, "task": false}
def evaluate(weight, inputs, targets):
    ### BEGIN SOLUTION
    with torch.no_grad():  # evaluation only: record nothing
        return ((inputs @ weight - targets) ** 2).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "autograd-no-grad-eval-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_weight = torch.tensor([1.0, -1.0], requires_grad=True)
_inputs = torch.tensor([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]])
_targets = torch.tensor([1.0, 0.0, -2.0])


def _records_nothing(fn):
    """Whether fn, called on the inputs above, saves no tensor for a backward pass (builds no graph)."""
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        fn(_weight, _inputs, _targets)
    return not saved


check_function("evaluate", [((_weight, _inputs, _targets), torch.tensor(2.0 / 3.0))])
check_that("evaluate", lambda fn: not fn(_weight, _inputs, _targets).requires_grad,
           "returns a tensor that autograd still tracks (requires_grad=True); an evaluation step needs no graph.",
           hint="do the computation inside `with torch.no_grad():`.", summary="its result is outside the graph",
           inputs={"_weight": _weight, "_inputs": _inputs, "_targets": _targets})
check_that("evaluate", _records_nothing,
           "builds a graph for backward (autograd saved tensors for it) and then throws it away; an "
           "evaluation step should record nothing.",
           hint="detaching the result comes too late: compute it inside `with torch.no_grad():`.",
           summary="records nothing for backward", inputs={"_weight": _weight, "_inputs": _inputs, "_targets": _targets})
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(62))
_w = torch.randn(4, generator=_gen).requires_grad_(True)
_xs = torch.randn(6, 4, generator=_gen)
_ys = torch.randn(6, generator=_gen)
check_function("evaluate", [((_w, _xs, _ys), ((_xs @ _w.detach() - _ys) ** 2).mean())], hidden=True)
check_that("evaluate", lambda fn: fn(_w, _xs, _ys).grad_fn is None and _w.grad is None,
           "returns a tensor that autograd still tracks.", hidden=True, inputs={"_w": _w, "_xs": _xs, "_ys": _ys})
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Seeing a derivative
#
# Autograd works the same way on a GPU. Below, 121 points between -6 and 6 go to `device`, and
# $f(x) = x \sin x$ is computed at all of them at once. Each output depends only on its own input, so
# the Jacobian is diagonal and a vector-Jacobian product with a vector of ones returns the slope at
# every point in one backward pass (`fx.sum().backward()` would do the same). Calculus gives
# $f'(x) = \sin x + x \cos x$; the two agree, and the plot shows them on top of each other.

# %%
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
xs = torch.linspace(-6, 6, 121).to(device).requires_grad_(True)
fx = xs * torch.sin(xs)
fx.backward(torch.ones_like(fx))
slope = xs.grad
calculus = torch.sin(xs.detach()) + xs.detach() * torch.cos(xs.detach())
print(xs.is_leaf, slope.shape)
print(torch.allclose(slope, calculus, atol=1e-5))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs.detach().cpu(), fx.detach().cpu(), label="f(x) = x sin x")
ax.plot(xs.detach().cpu(), slope.cpu(), label=tr_plot("f'(x) by autograd"), linewidth=3, alpha=0.5)
ax.plot(xs.detach().cpu()[::6], calculus.cpu()[::6], "k.", label="sin x + x cos x")
ax.axhline(0, color="gray", linewidth=0.5)
ax.set_xlabel("x")
ax.legend(loc="upper center", fontsize=8)
plt.show()

# %% [markdown]
# ## Summary
#
# - `requires_grad=True` (or `requires_grad_()` later) makes autograd record every operation on a
#   tensor; each result carries a `grad_fn`, while leaves you create have `grad_fn` `None`.
# - `backward()` on a single number adds the gradient to `.grad` of the leaves that require grad; on
#   a vector it needs a vector `v` and adds the vector-Jacobian product $J^\top v$.
# - Gradients **accumulate** in `.grad`: zero them (`.grad.zero_()` or `= None`) between passes.
#   A graph can be walked once unless you pass `retain_graph=True`.
# - `torch.autograd.grad(out, inputs)` returns gradients instead of accumulating them in `.grad`;
#   with `create_graph=True` the result can be differentiated again.
# - `torch.no_grad()` and `.detach()` switch tracking off, for evaluation or for values you only read;
#   prefer `.detach()` to `.data`, whose in-place changes autograd cannot see.
# - To compute a gradient without touching the caller's tensor, work on `x.detach().clone()` with
#   tracking turned on.
#
# Next: chapter 3, where `torch.nn` builds networks whose parameters are leaves like these.
