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
# 4. index, slice and reshape them,
# 5. pass data to and from NumPy without copying, and
# 6. move tensors to a GPU when one is available.
#
# **How the exercises work.** Each exercise has an *answer cell* containing
# `raise NotImplementedError()`: replace that line with your code and run the cell. The *check cell*
# below it tells you at once whether the answer is missing, wrong (and what is wrong), or correct.
# Run the cells in order, from the top.

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

from autograder import check_function, check_tensor, check_that, check_value


# %% [markdown]
# ## 1. Creating tensors
#
# `torch.empty` reserves memory for a tensor without filling it, so whatever bytes happened to be
# there show up as values. They can be anything, even `nan`: never read an `empty` tensor before
# writing to it.

# %%
# NBVAL_IGNORE_OUTPUT
# why: uninitialised memory holds different bytes on every run
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
# Every tensor has a **dtype**. Factory functions such as `torch.zeros` produce `float32` unless
# you ask for something else with the `dtype=` keyword; `torch.long` is the 64-bit integer type
# (`torch.int64`).

# %%
x = torch.zeros(5, 3, dtype=torch.long)
print(x)
print(x.dtype)

# %% [markdown]
# `torch.tensor` builds a tensor straight from Python data. Its dtype is inferred: Python floats give
# `float32`, Python ints give `int64`.

# %%
x = torch.tensor([5.5, 3])
print(x)

# %% [markdown]
# ### Exercise 1.1: a tensor of integer zeros
#
# Create `zeros_long`: a tensor of **5 rows and 3 columns** filled with zeros whose dtype is
# **64-bit integer**.

# %% nbgrader={"grade": false, "grade_id": "tensors-zeros-long", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
zeros_long = torch.zeros(5, 3, dtype=torch.long)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-zeros-long-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("zeros_long", shape=(5, 3), dtype=torch.long, fill=0)
### BEGIN HIDDEN TESTS
check_tensor("zeros_long", shape=(5, 3), dtype=torch.int64, fill=0, requires_grad=False, device="cpu", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Tensors made from other tensors
#
# The `new_*` methods (`new_ones`, `new_zeros`, `new_full`, ...) create a tensor that inherits the
# dtype and device of an existing one, unless you override them. The `*_like` functions go the
# other way round: they copy the **shape** of a tensor, and again accept a `dtype=` override.

# %%
x = x.new_ones(5, 3, dtype=torch.double)
print(x)

torch.manual_seed(1)
x = torch.randn_like(x, dtype=torch.float)
print(x)

# %% [markdown]
# `x.size()` (or the attribute `x.shape`) returns a `torch.Size`. It is a subclass of `tuple`, so
# everything you can do with a tuple works: unpacking, indexing, `len`, comparing with a tuple.

# %%
print(x.size())
rows, cols = x.size()
print(rows, cols, x.size() == (5, 3), isinstance(x.size(), tuple))

# %% [markdown]
# ### Exercise 2.1: `new_ones` with a dtype
#
# `template` below is an integer tensor. Using its `new_ones` method, create `ones_double`: a tensor
# of ones with **3 rows and 2 columns** and dtype **float64** (`torch.double`).

# %%
template = torch.tensor([1, 2, 3])

# %% nbgrader={"grade": false, "grade_id": "tensors-new-ones-double", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
ones_double = template.new_ones(3, 2, dtype=torch.double)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-new-ones-double-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("ones_double", shape=(3, 2), dtype=torch.float64, fill=1)
### BEGIN HIDDEN TESTS
check_tensor("ones_double", shape=(3, 2), dtype=torch.double, fill=1.0, device=template.device, requires_grad=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2.2: reading a size
#
# `grid` is a random tensor whose shape you should not hard-code. Set `n_elements` to the number of
# elements it holds, as a plain Python `int`, computed from `grid.size()`.

# %%
torch.manual_seed(2)
grid = torch.rand(4, 7)

# %% nbgrader={"grade": false, "grade_id": "tensors-size-elements", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
n_rows, n_cols = grid.size()
n_elements = n_rows * n_cols
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-size-elements-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_value("n_elements", grid.numel())
### BEGIN HIDDEN TESTS
check_that("n_elements", lambda n: type(n) is int, "must be a plain Python int, not a tensor or a float.", hidden=True)
check_value("n_elements", grid.size(0) * grid.size(1), hidden=True)
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
_u, _v = torch.arange(6.0).view(2, 3), torch.full((2, 3), -1.5)
check_function("scaled_sum", [((_u, _v, 3.0), _u + 3.0 * _v), ((_v, _u, -2.0), _v - 2.0 * _u)], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Indexing and reshaping
#
# Tensors support NumPy's indexing: `x[:, 1]` is every row of column 1.

# %%
print(x[:, 1])

# %% [markdown]
# `view` returns the same data under a new shape. One dimension may be `-1`: PyTorch infers it from
# the number of elements.

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
# `table` has 3 rows and 4 columns. Set `second_column` to its column with index 1 (all rows).

# %%
table = torch.arange(12).view(3, 4)
print(table)

# %% nbgrader={"grade": false, "grade_id": "tensors-index-column", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
second_column = table[:, 1]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-index-column-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("second_column", torch.tensor([1, 5, 9]))
### BEGIN HIDDEN TESTS
check_tensor("second_column", torch.tensor([1, 5, 9]), hidden=True)
check_that("second_column", lambda c: c.untyped_storage().data_ptr() == table.untyped_storage().data_ptr(),
           "holds the right numbers but was not taken from table by indexing.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.2: reshape with `-1`
#
# Set `pairs` to a view of `table` with **2 columns**, letting PyTorch infer the number of rows.

# %% nbgrader={"grade": false, "grade_id": "tensors-view-infer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
pairs = table.view(-1, 2)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-view-infer-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("pairs", shape=(6, 2), dtype=table.dtype)
### BEGIN HIDDEN TESTS
check_tensor("pairs", torch.arange(12).view(6, 2), hidden=True)
check_that("pairs", lambda p: p.data_ptr() == table.data_ptr(), "is a copy; a view shares the memory of table.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4.3: from tensor to Python number
#
# Set `mean_score` to the mean of `scores`, as a Python `float` (not a tensor).

# %%
scores = torch.tensor([72.0, 88.0, 95.0, 61.0])

# %% nbgrader={"grade": false, "grade_id": "tensors-item", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
mean_score = scores.mean().item()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-item-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_value("mean_score", float(scores.mean()))
### BEGIN HIDDEN TESTS
check_value("mean_score", 79.0, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The NumPy bridge
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
# ### Exercise 5.1: share, don't copy
#
# Set `shared` to a tensor that shares its memory with the NumPy array `readings`.

# %%
readings = np.array([0.5, 1.5, 2.5])

# %% nbgrader={"grade": false, "grade_id": "tensors-numpy-shared", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
shared = torch.from_numpy(readings)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-numpy-shared-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("shared", torch.from_numpy(readings.copy()))
check_that("shared", lambda t: t.data_ptr() == readings.ctypes.data,
           "holds the right values but in its own memory: torch.tensor() copies its input.",
           hint="look for the function that wraps a NumPy array instead of copying it.")
### BEGIN HIDDEN TESTS
check_that("shared", lambda t: np.shares_memory(t.numpy(), readings), "does not share memory with readings.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Tensors on a GPU
#
# `.to(device)` moves a tensor to a device. Choosing the device at run time keeps one notebook
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

# %% [markdown]
# ### Exercise 6.1: move to the chosen device
#
# Set `on_device` to a copy of `readings_t` placed on `device` (whatever it is on this machine).

# %%
readings_t = torch.tensor([1.0, 2.0, 3.0])

# %% nbgrader={"grade": false, "grade_id": "tensors-to-device", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
on_device = readings_t.to(device)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tensors-to-device-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("on_device", readings_t, device=device)
### BEGIN HIDDEN TESTS
check_tensor("on_device", torch.tensor([1.0, 2.0, 3.0]), device=device, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Seeing a tensor
#
# A 2-D tensor is a grid of numbers, and so is a grayscale image. Broadcasting a column against a row
# builds one without a loop, and matplotlib draws it.

# %%
rows = torch.arange(16.0).view(16, 1)
cols = torch.arange(16.0).view(1, 16)
rings = torch.sin(((rows - 7.5) ** 2 + (cols - 7.5) ** 2).sqrt() / 1.5)
print(rings.shape)

fig, ax = plt.subplots(figsize=(3, 3))
ax.imshow(rings.numpy(), cmap="gray")
ax.set_title("a 16x16 tensor as an image")
ax.axis("off")
plt.show()

# %% [markdown]
# ## Summary
#
# - Factories (`empty`, `rand`, `zeros`, `ones`, `tensor`) and their `new_*` / `*_like` relatives take
#   `dtype=` and `device=` arguments.
# - `size()` returns a `torch.Size`, which is a tuple.
# - `x + y`, `torch.add(x, y)`, `torch.add(x, y, out=r)` and `y.add_(x)` all add; a trailing `_`
#   means *in place*.
# - Indexing follows NumPy; `view` reshapes without copying, with `-1` for one inferred dimension.
# - `.item()` gives a Python number; `.numpy()` and `torch.from_numpy` share memory.
# - `.to(device)` moves data; pick the device at run time.
#
# Next: chapter 2, where tensors start remembering how they were computed.
