# %% [markdown]
# # Chapter 1 · Tensors
#
# A **tensor** is PyTorch's n-dimensional array. If you have used NumPy's `ndarray`, most of
# what follows will feel familiar; the two differences that matter are that a tensor can live on a
# GPU and that PyTorch can record the operations done on it to compute gradients (chapter 2).
#
# In this chapter you will:
#
# 1. create tensors with factory functions and from Python data,
# 2. read their shape and dtype, and convert between dtypes,
# 3. add tensors in four ways and learn the *trailing underscore* rule for in-place operations,
# 4. index, slice and reshape them, and see when `view` needs `reshape` instead,
# 5. combine tensors of different shapes by broadcasting,
# 6. multiply matrices and join tensors with `cat` and `stack`,
# 7. pass data to and from NumPy without copying, and
# 8. move tensors to a GPU when one is available.
#
# **How the exercises work.** Each exercise has an *answer cell* containing
# `raise NotImplementedError()`: replace that line with your code and run the cell. The *check cell*
# below it tells you at once whether the answer is missing, wrong (and what is wrong), or correct.
# Run the cells in order, from the top. Most answers are small functions: the checks call them on the
# inputs you see, and when grading also on inputs you have not seen.

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

from autograder import check_function, check_tensor, check_that, check_view, hidden_seed, tr_plot


# %% [markdown]
# ## 1. Creating tensors
#
# `torch.empty` reserves memory for a tensor without filling it, so whatever bytes happened to be
# there show up as values. They can be anything, even `nan`: never read an `empty` tensor before
# writing to it.

# %% tags=["nbval-ignore-output"]
x = torch.empty(5, 3)
print(x)

# %% [markdown]
# `torch.rand` fills a tensor with numbers drawn uniformly from [0, 1). Random numbers come from a
# generator; seeding it makes the draw reproducible, which is why every random cell in this course
# starts with `torch.manual_seed`.

# %%
torch.manual_seed(0)
x = torch.rand(5, 3)
print(x)

# %% [markdown]
# Every tensor has a **dtype**. Factory functions such as `torch.zeros`, `torch.ones` and
# `torch.rand` produce `float32` unless you ask for something else with the `dtype=` keyword:

# %%
x = torch.ones(2, 4, dtype=torch.float64)
print(x.dtype)

# %% [markdown]
# `torch.tensor` builds a tensor straight from Python data. Its dtype is inferred: Python floats give
# `float32`, Python ints give `int64` (also called `torch.long`, the 64-bit integer type) and Python
# bools give `torch.bool`.

# %%
x = torch.tensor([5.5, 3])
print(x)
print(torch.tensor([1, 2]).dtype, torch.tensor([True, False]).dtype)

# %% [markdown]
# ### Exercise 1.1: integer zeros of any size
#
# Write `zeros_long(rows, cols)` that returns a tensor of zeros with `rows` rows and `cols` columns
# whose dtype is the one `torch.tensor` infers for Python ints: the **64-bit integer** type. (On
# its own, `torch.zeros(rows, cols)` gives `float32`.)

# %% nbgrader={"grade": false, "grade_id": "tensors-zeros-long", "locked": false, "schema_version": 3, "solution": true, "task": false}
def zeros_long(rows, cols):
    ### BEGIN SOLUTION
    return torch.zeros(rows, cols, dtype=torch.long)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-zeros-long-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_function("zeros_long", [((5, 3), torch.tensor([[0, 0, 0]] * 5)), ((1, 4), torch.tensor([[0, 0, 0, 0]]))])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(11))
_r, _c = torch.randint(1, 9, (2,), generator=_gen).tolist()
check_function("zeros_long", [((_r, _c), torch.zeros(_r, _c, dtype=torch.int64)),
                              ((_c, _r + 1), torch.zeros(_c, _r + 1, dtype=torch.int64))],
               requires_grad=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Converting between dtypes
#
# An existing tensor changes its dtype with `.to(dtype)`, or with a shorthand: `.float()`
# (`float32`), `.double()` (`float64`), `.long()` (`int64`), `.int()` (`int32`), `.bool()`. Each
# returns a new tensor and leaves the original as it was (when the dtype already matches, you get
# the original back). Here a 5x3 tensor of `int64` zeros becomes `float32` and `float16`:

# %%
x = torch.zeros(5, 3, dtype=torch.long)
print(x)
print(x.dtype, x.float().dtype, x.to(torch.float16).dtype)

# %% [markdown]
# Converting floats to integers **truncates toward zero**, it does not round: round first
# (`.round()`, which rounds halves to the nearest even number) when you want the nearest integer.
# A comparison gives a `bool` tensor, and `.float()` turns its `True`/`False` into `1.0`/`0.0`, so
# that its mean is the fraction of `True` entries (chapter 4 measures accuracy this way):

# %%
scores = torch.tensor([2.7, -2.7, 0.5, 1.5])
print(scores.long(), scores.round().long())
passed = scores > 1
print(passed, passed.float().mean())

# %% [markdown]
# ## 2. Tensors made from other tensors
#
# Two families of functions build a tensor from an existing one, and both inherit its **dtype and
# device** unless you override them with `dtype=` or `device=`:
#
# - the `*_like` functions (`torch.zeros_like(x)`, `torch.ones_like(x)`, `torch.randn_like(x)`, ...)
#   also take the **shape** of `x`: only the values are new;
# - the `new_*` methods (`x.new_ones(...)`, `x.new_zeros(...)`, `x.new_full(...)`,
#   `x.new_tensor(data)`) take a **new size** (or new data) and keep only the dtype and device of `x`.
#
# Below, `new_ones` makes a 5x3 tensor and overrides the dtype; `randn_like` keeps that shape and
# overrides the dtype again.

# %%
x = x.new_ones(5, 3, dtype=torch.double)
print(x)

torch.manual_seed(1)
x = torch.randn_like(x, dtype=torch.float)
print(x)

# %% [markdown]
# Without an override, both inherit. From an integer tensor, `new_zeros` gives integer zeros of the
# size you ask for, and `zeros_like` integer zeros of the same shape:

# %%
ints = torch.tensor([1, 2, 3])
print(ints.new_zeros(2, 2))
print(torch.zeros_like(ints))

# %% [markdown]
# `x.size()` (or the attribute `x.shape`) returns a `torch.Size`. It is a subclass of `tuple`, so
# everything you can do with a tuple works: unpacking, indexing, `len`, comparing with a tuple.

# %%
print(x.size())
rows, cols = x.size()
print(rows, cols, x.size() == (5, 3), isinstance(x.size(), tuple))

# %% [markdown]
# ### Exercise 2.1: `new_ones` follows its tensor
#
# Write `ones_from(t, rows, cols)` that returns a tensor of ones with `rows` rows and `cols` columns
# and **the dtype and the device of `t`**, whatever they are (`t` may hold integers, floats or
# booleans). A `new_*` method does exactly that.

# %% nbgrader={"grade": false, "grade_id": "tensors-new-ones", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ones_from(t, rows, cols):
    ### BEGIN SOLUTION
    return t.new_ones(rows, cols)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-new-ones-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_function("ones_from", [
    ((torch.tensor([1, 2, 3]), 3, 2), torch.tensor([[1, 1], [1, 1], [1, 1]])),
    ((torch.tensor([0.5, 2.0], dtype=torch.float16), 1, 4), torch.tensor([[1.0, 1.0, 1.0, 1.0]], dtype=torch.float16)),
])
# The "meta" device holds shapes and dtypes but no data: it stands in for a GPU on any machine.
check_that("ones_from", lambda f: f(torch.zeros(2, device="meta"), 2, 2).device.type == "meta",
           "does not create its result on the device of t (tried with a tensor on PyTorch's 'meta' device).",
           hint="torch.ones(...) starts on the CPU unless told otherwise; a method called on t knows where t lives.",
           summary="its result follows t's device")
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(21))
_r, _c = torch.randint(1, 7, (2,), generator=_gen).tolist()
check_function("ones_from", [
    ((torch.tensor([True, False]), _r, _c), torch.ones(_r, _c, dtype=torch.bool)),
    ((torch.randint(0, 9, (4,), generator=_gen, dtype=torch.int32), _c, _r), torch.ones(_c, _r, dtype=torch.int32)),
    ((torch.randn(2, 2, generator=_gen, dtype=torch.float64), _r, 1), torch.ones(_r, 1, dtype=torch.float64)),
], requires_grad=False, hidden=True)
check_that("ones_from", lambda f: f(torch.zeros(3, dtype=torch.int16, device="meta"), 1, 2).dtype == torch.int16,
           "does not keep the dtype of t.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2.2: numbers per example
#
# The first dimension of a batch counts its examples (chapter 3 says why networks work on
# batches). Write `per_example(t)` that returns how many numbers each example of the batch `t`
# holds: the product of all sizes of `t` except the first, as a plain Python `int`. `t` has at
# least one dimension: a batch of shape `(n,)` holds 1 number per example. It must work for an
# empty batch too (first size 0), which still says how big each example would be. (`t.numel()`
# counts every number of the whole batch.)

# %%
torch.manual_seed(2)
grid = torch.rand(4, 7)

# %% nbgrader={"grade": false, "grade_id": "tensors-size-elements", "locked": false, "schema_version": 3, "solution": true, "task": false}
def per_example(t):
    ### BEGIN SOLUTION
    count = 1
    for size in t.size()[1:]:  # every size but the batch's
        count *= size
    return count
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-size-elements-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_function("per_example", [((grid,), 7), ((torch.zeros(2, 3, 4),), 12)])
check_that("per_example", lambda f: type(f(grid)) is int, "must return a plain Python int, not a tensor or a float.",
           summary="returns a Python int")
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(22))
_d = torch.randint(1, 6, (4,), generator=_gen).tolist()
check_function("per_example", [
    ((torch.zeros(_d[0]),), 1),
    ((torch.zeros(_d[1], _d[2], _d[3]),), _d[2] * _d[3]),
    ((torch.zeros(_d[0], 1, _d[1], _d[2]),), _d[1] * _d[2]),
    ((torch.zeros(0, _d[3], _d[1]),), _d[3] * _d[1]),
    ((torch.zeros(_d[2], 0),), 0),
], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Operations: four ways to add
#
# The same addition can be written as an operator, as a function, into a tensor you provide
# (`out=`), or **in place**.

# %%
torch.manual_seed(3)
y = torch.rand(5, 3)
print(x + y)

# %%
print(torch.add(x, y))

# %%
result = torch.empty(5, 3)
torch.add(x, y, out=result)
print(result)

# %%
y.add_(x)
print(y)

# %% [markdown]
# **The trailing-underscore rule.** A method whose name ends in `_` changes the tensor it is called
# on: `y.add_(x)` overwrote `y`, `x.copy_(y)` overwrites `x` with the values of `y`, and `x.t_()`
# transposes `x` itself. Without the underscore (`y.add(x)`, `x.t()`) you get a new tensor and the
# original is untouched. In-place operations save memory but destroy their input; a function that
# changes its arguments by surprise is a classic source of bugs.

# %%
a = torch.ones(2, 3)
b = a.t()      # a new view, a is unchanged
print(a.shape, b.shape)
a.t_()         # a itself is now transposed
print(a.shape)

# %% [markdown]
# ### Exercise 3.1: add without side effects
#
# Write `scaled_sum(u, v, alpha)` that returns `u + alpha * v` as a new tensor. It must **not**
# change `u` or `v`: the check calls it and then compares its arguments with copies taken before.

# %% nbgrader={"grade": false, "grade_id": "tensors-scaled-sum", "locked": false, "schema_version": 3, "solution": true, "task": false}
def scaled_sum(u, v, alpha):
    ### BEGIN SOLUTION
    return torch.add(u, v, alpha=alpha)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-scaled-sum-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("scaled_sum", [
    ((torch.tensor([1.0, 2.0]), torch.tensor([10.0, 20.0]), 0.5), torch.tensor([6.0, 12.0])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(31))
_u, _v = torch.randn(2, 3, generator=_gen), torch.randn(2, 3, generator=_gen)
_alpha = round(float(torch.rand(1, generator=_gen)) * 4 - 2, 3)
check_function("scaled_sum", [((_u, _v, _alpha), _u + _alpha * _v), ((_v, _u, -2.0), _v - 2.0 * _u)], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Indexing and reshaping
#
# Tensors support NumPy's indexing: `x[:, 1]` is every row of column 1.

# %%
print(x[:, 1])

# %% [markdown]
# `view` returns the same data under a new shape: no element is copied, and the view shares its
# memory with the original. One dimension may be `-1`: PyTorch infers it from the number of
# elements. (`view` has one condition, which section 5 explains: it works on any tensor laid out in
# memory in the usual order, as these are.)

# %%
torch.manual_seed(4)
x = torch.randn(4, 4)
y = x.view(16)
z = x.view(-1, 8)  # the -1 is inferred: 16 elements / 8 columns = 2 rows
print(x.size(), y.size(), z.size())

# %% [markdown]
# A one-element tensor converts to a Python number with `.item()`.

# %%
torch.manual_seed(5)
x = torch.randn(1)
print(x)
print(x.item())

# %% [markdown]
# ### Exercise 4.1: one column
#
# `table` has 3 rows and 4 columns. Set `second_column` to its column with index 1 (all rows) **as
# a column**: shape `(3, 1)`, not `(3,)`. It must be taken from `table` by indexing, so that it is a
# **view** sharing `table`'s memory (a change to `table` shows in it), not a copy or a tensor built
# from the numbers you read.
#
# An integer index removes its dimension and a slice `a:b` keeps it; indexing with a list of
# positions (`x[:, [0, 2]]`) keeps it too, but always copies:

# %%
table = torch.arange(12).view(3, 4)
print(table)
print(table[0].shape, table[0:2].shape, table[[0, 2]].shape)

# %% nbgrader={"grade": false, "grade_id": "tensors-index-column", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
second_column = table[:, 1:2]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-index-column-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("second_column", torch.tensor([[1], [5], [9]]))
### BEGIN HIDDEN TESTS
check_tensor("second_column", torch.tensor([[1], [5], [9]]), hidden=True)
check_view("second_column", "holds the right numbers but was not taken from table by indexing.", of="table",
           hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.2: reshape with `-1`
#
# Write `as_pairs(t)` that returns a **view** of `t` with **2 columns**, letting PyTorch infer the
# number of rows. `t` can have any shape, with an even number of elements.

# %% nbgrader={"grade": false, "grade_id": "tensors-view-infer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def as_pairs(t):
    ### BEGIN SOLUTION
    return t.view(-1, 2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-view-infer-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_function("as_pairs", [
    ((table,), torch.tensor([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]])),
    ((torch.tensor([5.0, 6.0, 7.0, 8.0]),), torch.tensor([[5.0, 6.0], [7.0, 8.0]])),
])
check_view("as_pairs", "returns a copy; a view shares the memory of the tensor it was made from.", args=(table,),
           summary="returns a view")
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(42))
_n = int(torch.randint(2, 9, (1,), generator=_gen))
_t = torch.randn(_n, 2, 3, generator=_gen)
_s = torch.randint(-9, 9, (2 * _n + 2,), generator=_gen)
check_function("as_pairs", [((_t,), _t.reshape(3 * _n, 2)), ((_s,), _s.reshape(_n + 1, 2))], hidden=True)
check_view("as_pairs", "returns a copy, not a view.", args=(_t,), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.3: from tensor to Python number
#
# Write `mean_of(t)` that returns the mean of all the elements of the float tensor `t` (any shape),
# as a Python `float`, not a tensor.

# %%
scores = torch.tensor([72.0, 88.0, 95.0, 61.0])

# %% nbgrader={"grade": false, "grade_id": "tensors-item", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mean_of(t):
    ### BEGIN SOLUTION
    return t.mean().item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-item-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_function("mean_of", [((scores,), 79.0), ((torch.tensor([[1.0, 2.0], [4.0, 5.0]]),), 3.0)])
check_that("mean_of", lambda f: type(f(scores)) is float, "must return a Python float.", summary="returns a float")
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(43))
_a = torch.rand(7, generator=_gen) * 100
_b = torch.randn(3, 5, generator=_gen)
check_function("mean_of", [((_a,), _a.mean().item()), ((_b,), _b.mean().item())], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. When `view` fails: strides and `reshape`
#
# A tensor is a block of memory plus a recipe for reading it: its shape, and its **strides**, how
# many elements to step in memory to move one place along each dimension. A fresh 2x3 tensor is
# stored row after row, so stepping down a row skips 3 elements and stepping along a row skips 1.
# Such a tensor is called **contiguous**.

# %%
m = torch.arange(6).view(2, 3)
print(m)
print(m.stride(), m.is_contiguous())

# %% [markdown]
# Transposing copies nothing either: `m.T` (or `m.t()`) is a view of the same memory with the
# strides swapped. Read row by row, its elements are no longer in memory order, so it is not
# contiguous.

# %%
mt = m.T
print(mt)
print(mt.stride(), mt.is_contiguous(), mt.data_ptr() == m.data_ptr())

# %% [markdown]
# `view` never copies, so it only accepts a shape it can express with strides over the memory as it
# is. Flattening `mt` would need the order 0, 3, 1, 4, 2, 5, which no single stride produces, and
# `view` refuses:

# %%
try:
    mt.view(6)
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# `reshape` accepts any shape with the right number of elements: it returns a view when one is
# possible and a copy otherwise. `.contiguous()` makes the copy explicitly (it returns the tensor
# itself when it is already contiguous), after which `view` works. Use `view` when you rely on
# sharing memory, `reshape` when you just want the shape.

# %%
flat = mt.reshape(6)
print(flat, flat.data_ptr() == m.data_ptr())
print(m.reshape(3, 2).data_ptr() == m.data_ptr())
print(mt.contiguous().view(6))

# %% [markdown]
# ### Exercise 5.1: read a matrix column by column
#
# Write `read_by_columns(m)` that returns the elements of the 2-D tensor `m` as a 1-D tensor, column
# after column: the first column from top to bottom, then the second, and so on. For `m` above that
# is 0, 3, 1, 4, 2, 5.

# %% nbgrader={"grade": false, "grade_id": "tensors-reshape-transposed", "locked": false, "schema_version": 3, "solution": true, "task": false}
def read_by_columns(m):
    ### BEGIN SOLUTION
    return m.T.reshape(-1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-reshape-transposed-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("read_by_columns", [
    ((torch.arange(6).view(2, 3),), torch.tensor([0, 3, 1, 4, 2, 5])),
    ((torch.tensor([[1.5, -1.0], [2.0, 0.0]]),), torch.tensor([1.5, 2.0, -1.0, 0.0])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(51))
_r, _c = torch.randint(2, 7, (2,), generator=_gen).tolist()
_m = torch.randn(_r, _c + 1, generator=_gen)
_row = torch.randn(1, _c, generator=_gen)
check_function("read_by_columns", [((_m,), _m.T.contiguous().view(-1)), ((_row,), _row.view(-1)),
                                   ((_m.T,), _m.reshape(-1))], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Broadcasting
#
# Arithmetic between tensors of different shapes works when their shapes are compatible under
# **broadcasting**. PyTorch lines the shapes up from the right, treats a missing leading dimension
# as size 1, and then requires each pair of sizes to be equal or to contain a 1. A size-1 dimension
# is stretched to match the other tensor (without copying data); the result takes the larger size
# of each pair.
#
# A column of shape (3, 1) and a row of shape (4,) (read as (1, 4)) broadcast to a 3x4 table:

# %%
col = torch.tensor([[0], [10], [20]])
row = torch.tensor([1, 2, 3, 4])
print(col + row)
print(torch.broadcast_shapes(col.shape, row.shape))

# %% [markdown]
# A 2x3 tensor combines with a vector of 3 elements (one value per column), but not with a vector of
# 2: lined up from the right, 3 meets 2. To give one value per **row**, make the vector a column of
# shape (2, 1), with `.view(2, 1)`, `.unsqueeze(1)` or indexing with `None`.

# %%
m = torch.ones(2, 3)
print(m * torch.tensor([1.0, 2.0, 3.0]))
try:
    m + torch.tensor([10.0, 20.0])
except RuntimeError as error:
    print("RuntimeError:", error)
print(m + torch.tensor([10.0, 20.0])[:, None])

# %% [markdown]
# Reductions such as `sum` and `mean` drop the dimension they reduce. `keepdim=True` keeps it with
# size 1, so the result broadcasts back against the tensor it came from:

# %%
m = torch.tensor([[1.0, 2.0, 3.0], [4.0, 6.0, 8.0]])
print(m.sum(dim=1).shape, m.sum(dim=1, keepdim=True).shape)
print(m / m.sum(dim=1, keepdim=True))

# %% [markdown]
# ### Exercise 6.1: center every row
#
# Write `center_rows(m)` that subtracts from each row of the 2-D float tensor `m` the mean of that
# row, so that every row of the result has mean 0. No loops, and leave `m` unchanged.

# %% nbgrader={"grade": false, "grade_id": "tensors-broadcast-rows", "locked": false, "schema_version": 3, "solution": true, "task": false}
def center_rows(m):
    ### BEGIN SOLUTION
    return m - m.mean(dim=1, keepdim=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-broadcast-rows-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("center_rows", [
    ((torch.tensor([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]]),), torch.tensor([[-1.0, 0.0, 1.0], [-10.0, 0.0, 10.0]])),
    ((torch.tensor([[1.0, 3.0], [0.0, 0.0]]),), torch.tensor([[-1.0, 1.0], [0.0, 0.0]])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(61))
_r, _c = torch.randint(2, 6, (2,), generator=_gen).tolist()
_wide, _square = torch.randn(_r, _r + _c, generator=_gen), torch.randn(_c, _c, generator=_gen)
check_function("center_rows", [((_wide,), _wide - _wide.mean(1, keepdim=True)),
                               ((_square,), _square - _square.mean(1, keepdim=True))], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Which entry: `max`, `argmax` and `norm` along a dimension
#
# Like `sum` and `mean`, `max(dim=...)` reduces one dimension, and it returns two tensors: the
# largest values and their positions. `argmax(dim=...)` returns the positions only, as `int64`
# indices: a classifier's prediction is the `argmax` of its scores along the class dimension
# (chapter 4). `norm(dim=...)` gives the Euclidean length along a dimension, the square root of the
# sum of squares; without `dim`, of the whole tensor (chapter 2 uses it).

# %%
scores = torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.5, 0.2]])
values, indices = scores.max(dim=1)
print(values, indices, scores.argmax(dim=1))
print(torch.tensor([[3.0, 4.0], [5.0, 12.0]]).norm(dim=1))

# %% [markdown]
# ### Selecting with a condition: boolean masks and `nonzero`
#
# A comparison gives a `bool` tensor of the same shape, a **mask**. Indexing with a mask picks the
# entries where it is `True`, as a 1-D tensor (a copy); `nonzero()` lists the indices of those
# entries, one row per entry; summing a mask counts them. `torch.where(mask, a, b)` builds a new
# tensor that takes `a` where the mask is `True` and `b` elsewhere, changing neither.

# %%
t = torch.tensor([[1.0, -2.0], [-3.0, 4.0]])
negative = t < 0
print(negative)
print(t[negative], negative.nonzero(), negative.sum())
print(torch.where(negative, torch.zeros_like(t), t))

# %% [markdown]
# ### Exercise 6.2: rows that are too long
#
# Write `clip_rows(m, max_norm)` for a 2-D float tensor `m`: every row whose Euclidean norm is
# larger than `max_norm` is scaled (multiplied by one positive number) so that its norm becomes
# `max_norm`; every other row, an all-zero row included, stays as it is. Return a new tensor, leave
# `m` unchanged, and use no Python loop: it must work for any number of rows. (Clipping lengths
# like this keeps a training step from growing huge.)

# %% nbgrader={"grade": false, "grade_id": "tensors-clip-rows", "locked": false, "schema_version": 3, "solution": true, "task": false}
def clip_rows(m, max_norm):
    ### BEGIN SOLUTION
    norms = m.norm(dim=1, keepdim=True)  # one length per row, as a column
    return torch.where(norms > max_norm, m * (max_norm / norms), m)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-clip-rows-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("clip_rows", [
    ((torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]]), 1.0), torch.tensor([[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]])),
    ((torch.tensor([[6.0, 0.0, 8.0]]), 5.0), torch.tensor([[3.0, 0.0, 4.0]])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(62))
_r, _c = torch.randint(2, 6, (2,), generator=_gen).tolist()
_tall = torch.randn(_r + _c, _c, generator=_gen) * 2
_square = torch.randn(_r, _r, generator=_gen)
_square[0] = 0.0
_lengths, _square_lengths = _tall.norm(dim=1, keepdim=True), _square.norm(dim=1, keepdim=True)
check_function("clip_rows", [
    ((_tall, 1.5), torch.where(_lengths > 1.5, _tall / _lengths * 1.5, _tall)),
    ((_square, 0.8), torch.where(_square_lengths > 0.8, _square / _square_lengths * 0.8, _square)),
], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Matrix multiplication
#
# `*` multiplies element by element (with broadcasting). The **matrix product** is `@`, or
# `torch.matmul`: an (n, k) matrix times a (k, m) matrix gives an (n, m) matrix whose entry `[i, j]`
# is the dot product of row `i` of the first with column `j` of the second. The inner sizes must
# agree.

# %%
a = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
b = torch.tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
print(a @ b)
print(torch.matmul(b, a))

# %% [markdown]
# `a @ a` fails, since a (3, 2) matrix cannot multiply another (3, 2) one. Its transpose `a.T`
# (a view, shape (2, 3)) can: `a.T @ a` is (2, 3) times (3, 2), a 2x2 matrix.

# %%
try:
    a @ a
except RuntimeError as error:
    print("RuntimeError:", error)
print(a.T @ a)

# %% [markdown]
# With a 1-D tensor, `@` treats it as a vector: matrix times vector gives a vector, and vector times
# vector is their dot product, a 0-dimensional tensor. Extra leading dimensions are a **batch**: a
# (4, 3, 2) tensor times the (2, 3) matrix `b` multiplies each of the four 3x2 matrices by `b`.

# %%
v = torch.tensor([1.0, -1.0])
print(a @ v)
print(v @ v)
torch.manual_seed(7)
batch = torch.randn(4, 3, 2)
print((batch @ b).shape)

# %% [markdown]
# ### Exercise 7.1: every dot product at once
#
# `a` has shape (n, d) and `b` has shape (m, d): two sets of rows of the same length d. Write
# `all_dots(a, b)` that returns the (n, m) tensor whose entry `[i, j]` is the dot product of row `i`
# of `a` and row `j` of `b`, with one matrix product and no loop.

# %% nbgrader={"grade": false, "grade_id": "tensors-matmul-dots", "locked": false, "schema_version": 3, "solution": true, "task": false}
def all_dots(a, b):
    ### BEGIN SOLUTION
    return a @ b.T
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-matmul-dots-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("all_dots", [
    ((torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), torch.tensor([[3.0, 4.0], [-1.0, 1.0]])),
     torch.tensor([[3.0, -1.0], [8.0, 2.0], [7.0, 0.0]])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(71))
_n, _m, _d = torch.randint(2, 6, (3,), generator=_gen).tolist()
_a, _b = torch.randn(_n, _d + 1, generator=_gen), torch.randn(_n + _m, _d + 1, generator=_gen)
_p, _q = torch.randn(_d, _d, generator=_gen), torch.randn(_d, _d, generator=_gen)
check_function("all_dots", [((_a, _b), torch.einsum("id,jd->ij", _a, _b)),
                            ((_p, _q), torch.einsum("id,jd->ij", _p, _q))], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Joining tensors: `cat` and `stack`
#
# `torch.cat` joins tensors along a dimension they **already have**: the sizes along that dimension
# add up, and every other size must match. By default it joins along dimension 0, one tensor's rows
# after the other's.

# %%
p = torch.tensor([[1, 2], [3, 4]])
q = torch.tensor([[5, 6]])
print(torch.cat([p, q]))
print(torch.cat([p, p], dim=1))

# %% [markdown]
# `torch.stack` joins tensors of **the same shape** along a **new** dimension: three vectors of
# length 2 stack into a 3x2 matrix (`dim=0`, one vector per row) or a 2x3 one (`dim=1`, one per
# column). `cat` needs the same number of dimensions in every tensor; a matrix and a vector do not
# mix.

# %%
u1, u2, u3 = torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([5, 6])
print(torch.stack([u1, u2, u3]))
print(torch.stack([u1, u2, u3], dim=1))
print(torch.cat([u1, u2, u3]))
try:
    torch.cat([p, u1])
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# ### Exercise 8.1: add samples to a batch
#
# `batch` is a 2-D tensor with one sample per row, shape (n, d), and `samples` is a list of 1-D
# tensors of length d. Write `append_rows(batch, samples)` that returns a new (n + len(samples), d)
# tensor: the rows of `batch`, then the samples in order. Leave `batch` unchanged.

# %% nbgrader={"grade": false, "grade_id": "tensors-cat-stack", "locked": false, "schema_version": 3, "solution": true, "task": false}
def append_rows(batch, samples):
    ### BEGIN SOLUTION
    return torch.cat([batch, torch.stack(samples)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-cat-stack-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("append_rows", [
    ((torch.tensor([[1.0, 2.0]]), [torch.tensor([3.0, 4.0]), torch.tensor([5.0, 6.0])]),
     torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])),
])
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(81))
_n, _d, _k = torch.randint(2, 6, (3,), generator=_gen).tolist()
_batch = torch.randn(_n, _d, generator=_gen)
_samples = [torch.randn(_d, generator=_gen) for _ in range(_k)]
check_function("append_rows", [((_batch, _samples), torch.vstack([_batch, *_samples])),
                               ((_batch, _samples[:1]), torch.vstack([_batch, _samples[0]]))], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 9. The NumPy bridge
#
# `tensor.numpy()` and `torch.from_numpy(array)` do **not** copy: the tensor and the array share one
# block of memory (for CPU tensors), so changing one changes the other.

# %%
a = torch.ones(5)
b = a.numpy()
a.add_(1)
print(a)
print(b)

# %%
c = np.ones(5)
d = torch.from_numpy(c)
np.add(c, 1, out=c)
print(c)
print(d)

# %% [markdown]
# `torch.tensor(array)` on the other hand always **copies**. Note the dtype too: NumPy's default
# float is 64-bit, so `d` above is `float64`.
#
# ### Exercise 9.1: share, don't copy
#
# `readings` holds 4 measurements (rows) of 3 sensors (columns), as a NumPy array of 64-bit floats.
# Set `shared` to a tensor with **one row per sensor** (shape `(3, 4)`, row `i` holding sensor
# `i`'s 4 measurements) that shares its memory with `readings`: no copy anywhere, so that a change
# to `readings` shows in `shared`. Keep the dtype.

# %%
readings = np.array([[0.5, 10.0, 100.0], [1.5, 20.0, 200.0], [2.5, 30.0, 300.0], [3.5, 40.0, 400.0]])

# %% nbgrader={"grade": false, "grade_id": "tensors-numpy-shared", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
shared = torch.from_numpy(readings).T
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-numpy-shared-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("shared", torch.tensor([[0.5, 1.5, 2.5, 3.5], [10.0, 20.0, 30.0, 40.0], [100.0, 200.0, 300.0, 400.0]],
                                    dtype=torch.float64))
check_view("shared", "holds the right values, but in memory of its own: it is a copy (torch.tensor() always copies).",
           of="readings", hint="look for the function that wraps a NumPy array instead of copying it.",
           summary="shares its memory with readings")
### BEGIN HIDDEN TESTS
check_view("shared", "does not share memory with readings.", of="readings", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Tensors on a GPU
#
# `.to(device)` returns the tensor on that device: a copy in the device's memory when the tensor
# lives elsewhere, and **the very same tensor**, not a copy, when it is already there (the same goes
# for `.to(dtype)` with the dtype it already has). Choosing the device at run time keeps one notebook
# working everywhere: CUDA when a GPU is present, the CPU otherwise. Random numbers are drawn on the
# CPU first and then moved, so both machines print the same values; results are brought back with
# `.cpu()` for printing.

# %%
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(6)
x = torch.rand(2, 3).to(device)
y = torch.ones_like(x, device=device)
z = x + y
print(z.cpu())
print(z.to("cpu", torch.double))

# %%
print(x.to(device) is x, x.to(torch.float32) is x, x.to(torch.float64) is x)

# %% [markdown]
# ### Exercise 10.1: move a whole batch
#
# A training loop gets its data as batches: tuples of tensors such as `(images, labels)`. Write
# `to_device(batch, device)` that takes such a tuple (of any length) and returns a tuple of the same
# length holding each of its tensors on `device`, in the same order: moved there when it lives
# elsewhere, and the tensor itself, not a copy, when it is already on `device`.

# %%
small_batch = (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 1, 1]))

# %% nbgrader={"grade": false, "grade_id": "tensors-to-device", "locked": false, "schema_version": 3, "solution": true, "task": false}
def to_device(batch, device):
    ### BEGIN SOLUTION
    return tuple(t.to(device) for t in batch)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "tensors-to-device-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_that("to_device", lambda f: [type(f(b, "cpu")) for b in (small_batch, small_batch[:1])] == [tuple, tuple]
           and len(f(small_batch, "cpu")) == 2 and len(f(small_batch[:1], "cpu")) == 1,
           "does not return a tuple with one tensor for each tensor of the batch.",
           summary="returns a tuple as long as the batch")
check_that("to_device", lambda f: all(a is b for a, b in zip(f(small_batch, torch.device("cpu")), small_batch)),
           "returns a copy of a tensor that is already on the device; return the tensor itself.",
           summary="no copy when the tensor is already there")
check_that("to_device", lambda f: [t.device.type for t in f(small_batch, torch.device("meta"))] == ["meta", "meta"],
           "does not put every tensor of the batch on the device it is given (tried with PyTorch's 'meta' device).",
           summary="it moves every tensor to the device it is given")
### BEGIN HIDDEN TESTS
_gen = torch.Generator().manual_seed(hidden_seed(101))
_t, _labels = torch.randn(3, 2, generator=_gen, dtype=torch.float64), torch.randint(0, 9, (3,), generator=_gen)
check_that("to_device", lambda f: [torch.equal(a, b) for a, b in zip(f((_t, _labels, _t[0]), "cpu"), (_t, _labels, _t[0]))]
           == [True, True, True], "does not return the tensors of the batch in their order.", hidden=True,
           inputs={"_t": _t, "_labels": _labels})
check_that("to_device", lambda f: [t.shape for t in f((_t, _labels, _t), "meta")] == [_t.shape, _labels.shape, _t.shape]
           and all(a is b for a, b in zip(f((_labels, _t), _t.device), (_labels, _t))),
           "does not move every tensor of a batch it has not seen before.", hidden=True, inputs={"_t": _t, "_labels": _labels})
### END HIDDEN TESTS

# %% [markdown]
# ## 11. Seeing a tensor
#
# A 2-D tensor is a grid of numbers, and so is a grayscale image. Broadcasting a column against a row
# (section 6) builds one without a loop, and matplotlib draws it.

# %%
rows = torch.arange(16.0).view(16, 1)
cols = torch.arange(16.0).view(1, 16)
rings = torch.sin(((rows - 7.5) ** 2 + (cols - 7.5) ** 2).sqrt() / 1.5)
print(rings.shape)

fig, ax = plt.subplots(figsize=(3, 3))
ax.imshow(rings.numpy(), cmap="gray")
ax.set_title(tr_plot("a 16x16 tensor as an image"))
ax.axis("off")
plt.show()

# %% [markdown]
# ## Summary
#
# - Factories (`empty`, `rand`, `zeros`, `ones`, `tensor`) take `dtype=` and `device=` arguments.
#   `*_like` functions copy a tensor's shape, dtype and device; `new_*` methods take a new size and
#   copy its dtype and device.
# - `.to(dtype)`, `.float()`, `.long()`, `.bool()` convert; float to integer truncates toward zero.
# - `size()` returns a `torch.Size`, which is a tuple.
# - `x + y`, `torch.add(x, y)`, `torch.add(x, y, out=r)` and `y.add_(x)` all add; a trailing `_`
#   means *in place*.
# - Indexing follows NumPy; `view` reshapes without copying (with `-1` for one inferred dimension)
#   when the strides allow it; `reshape` always works and copies only when it must.
# - Broadcasting lines shapes up from the right; each pair of sizes must be equal or contain a 1.
#   `keepdim=True` keeps a reduced dimension so the result broadcasts back.
# - Reductions take `dim=`: `sum`, `mean`, `max` (values and positions), `argmax`, `norm`. A
#   comparison gives a `bool` mask: index with it, count it with `sum`, find it with `nonzero`,
#   choose with `torch.where`.
# - `@` / `torch.matmul` multiply matrices ((n, k) @ (k, m) -> (n, m)); `.T` transposes; `*` is
#   elementwise. `cat` joins along an existing dimension, `stack` along a new one.
# - `.item()` gives a Python number; `.numpy()` and `torch.from_numpy` share memory.
# - `.to(device)` moves data, and returns the tensor itself when it is already there; pick the device
#   at run time.
#
# Next: chapter 2, where tensors start remembering how they were computed.
