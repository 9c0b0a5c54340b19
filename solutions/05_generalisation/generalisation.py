# %% [markdown]
# # Chapter 5 · Training that generalises
#
# Chapter 4 trained a network until its training loss was almost zero. That number says how well the
# network has *memorised* its training images; what matters is how it does on images it has never
# seen. This chapter is about closing that gap:
#
# 1. hold out a validation set and watch a network overfit,
# 2. write a `Dataset` of your own,
# 3. choose the loss that fits the output: logits to `CrossEntropyLoss`, one logit to `BCEWithLogitsLoss`,
# 4. evaluate correctly: `train()`/`eval()` and `no_grad()`/`inference_mode()` are two separate switches,
# 5. regularise: weight decay, Dropout and BatchNorm,
# 6. optimise: SGD with momentum against AdamW, with a learning-rate schedule,
# 7. initialise weights with `nn.init`,
# 8. save a checkpoint that resumes training, and stop early on the validation score,
# 9. and, at the end, train a classifier of your own from an empty cell.
#
# The code takes the device from the model, so it runs on a GPU when the model is on one.

# %%
import copy
import io
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset, TensorDataset

from autograder import Case, check_function, check_module, check_that, check_value, data_path, hidden_seed, tr, tr_plot

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# %% [markdown]
# ## 1. A validation set, and overfitting
#
# The digits of chapter 4 come with a fixed split into 1438 training and 359 test images. The test
# images are for the very end: every decision taken by looking at them (how long to train, which
# learning rate, which network) leaks a little of them into the model, and the test score stops
# being an honest estimate. Decisions need data of their own: a **validation set**, carved out of the
# training images and never trained on.
#
# `torch.randperm(n, generator=g)` shuffles the indices `0..n-1`; the first part becomes the
# validation set, the rest the training set. A seeded generator makes the split the same on every run.

# %%
digits = np.load(data_path("digits.npz"))
all_images = torch.from_numpy(digits["images"]).float().div(16).flatten(1)   # N x 64 values in [0, 1]
all_labels = torch.from_numpy(digits["labels"])
pool_idx, test_idx = torch.from_numpy(digits["train_idx"]), torch.from_numpy(digits["test_idx"])

order = torch.randperm(len(pool_idx), generator=torch.Generator().manual_seed(0))
n_val = 300
val_idx, fit_idx = pool_idx[order[:n_val]], pool_idx[order[n_val:]]
train_x, train_y = all_images[fit_idx], all_labels[fit_idx]
val_x, val_y = all_images[val_idx], all_labels[val_idx]
test_x, test_y = all_images[test_idx], all_labels[test_idx]
print(len(train_x), len(val_x), len(test_x))
print(tr("shared images:"), len(np.intersect1d(fit_idx.numpy(), val_idx.numpy())))

# %% [markdown]
# To make overfitting visible, we train a network that is much too large for 1138 images, with
# little data per epoch, and record the mean loss on the training set and on the validation set
# after every epoch.

# %%
def make_mlp(dropout=0.0):
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(256, 256), nn.ReLU(), nn.Dropout(dropout), nn.Linear(256, 10))


def mean_loss(model, xs, ys):
    """Cross-entropy over a whole set, in evaluation mode and without recording a graph."""
    model.eval()
    with torch.no_grad():
        model_device = next(model.parameters()).device
        return F.cross_entropy(model(xs.to(model_device)), ys.to(model_device)).item()


def train_epochs(model, optimizer, n_epochs, scheduler=None, seed=0):
    """Train on (train_x, train_y) in batches of 64; return the per-epoch training and validation losses."""
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    model_device = next(model.parameters()).device
    history = {"train": [], "val": []}
    for _ in range(n_epochs):
        model.train()
        for xs, ys in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xs.to(model_device)), ys.to(model_device)).backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history["train"].append(mean_loss(model, train_x, train_y))
        history["val"].append(mean_loss(model, val_x, val_y))
    return history


def plot_per_epoch(curves, ylabel=None, log_scale=True):
    """Draw each curve of `curves` (a label -> per-epoch values dict) against the epoch."""
    fig, ax = plt.subplots(figsize=(7, 3))
    for label, values in curves.items():
        ax.plot(values, label=label)
    ax.set_xlabel(tr_plot("epoch"))
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    plt.show()


torch.manual_seed(0)
big = make_mlp().to(device)
history = train_epochs(big, optim.Adam(big.parameters(), lr=3e-3), n_epochs=40)
plot_per_epoch({tr_plot("training loss"): history["train"], tr_plot("validation loss"): history["val"]})
best_epoch = int(np.argmin(history["val"]))
print(tr("the validation loss is lowest before the last epoch:"), best_epoch < len(history["val"]) - 5)
print(tr("the training loss keeps falling:"), history["train"][-1] < history["train"][best_epoch])

# %% [markdown]
# The training loss keeps falling towards zero, while the validation loss reaches its lowest point
# after a few epochs and then *rises*: from there on, the network learns details of the training
# images that do not carry over to other images. That is **overfitting**. The rest of the chapter is
# about recognising it, delaying it, and stopping at the right moment.
#
# ### Exercise 1.1: a split of your own
#
# Write `split_indices(n, n_val, generator)` that returns a pair `(train_idx, val_idx)` of `int64`
# tensors: `val_idx` holds `n_val` indices and `train_idx` the other `n - n_val`, together every index
# from `0` to `n - 1` exactly once, in a random order drawn **from `generator`** (so the same seed
# gives the same split and another seed another split). Unlike the cell above, this one splits
# `0..n-1`, not an existing list of indices.

# %% nbgrader={"grade": false, "grade_id": "generalisation-split", "locked": false, "schema_version": 3, "solution": true, "task": false}
def split_indices(n, n_val, generator):
    ### BEGIN SOLUTION
    shuffled = torch.randperm(n, generator=generator)
    return shuffled[n_val:], shuffled[:n_val]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-split-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def splits_all_indices(split, n=50, n_val=12, seed=3):
    """True when split gives disjoint int64 parts of the right sizes that together cover range(n)."""
    train, val = split(n, n_val, torch.Generator().manual_seed(seed))
    if not (isinstance(train, torch.Tensor) and isinstance(val, torch.Tensor)):
        return False
    if train.dtype != torch.int64 or val.dtype != torch.int64 or len(val) != n_val or len(train) != n - n_val:
        return False
    return torch.equal(torch.cat([train, val]).sort().values, torch.arange(n))


def draws_from_generator(split, n=50, n_val=12):
    """True when the same seed gives the same split, other seeds other ones, and the split is shuffled."""
    first = split(n, n_val, torch.Generator().manual_seed(1))
    again = split(n, n_val, torch.Generator().manual_seed(1))
    others = [split(n, n_val, torch.Generator().manual_seed(s))[1] for s in (2, 3, 4)]
    same = all(torch.equal(a, b) for a, b in zip(first, again))
    differs = any(not torch.equal(o.sort().values, first[1].sort().values) for o in others)
    shuffled = not torch.equal(first[1].sort().values, torch.arange(n_val))
    return same and differs and shuffled


check_that("split_indices", splits_all_indices,
           "does not return two int64 tensors of sizes n - n_val and n_val that hold every index once.",
           hint="torch.randperm(n, generator=generator) is a shuffled arange(n); slice it.", quiet=True)
check_that("split_indices", draws_from_generator, "does not draw a random split from the generator it is given.",
           hint="pass generator=generator to the function that shuffles.", summary="a seeded random split")
### BEGIN HIDDEN TESTS
check_that("split_indices", lambda f: splits_all_indices(f, n=7, n_val=0, seed=hidden_seed(11))
           and splits_all_indices(f, n=101, n_val=100, seed=hidden_seed(12)),
           "fails when n_val is 0 or n - 1.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A `Dataset` of your own
#
# Chapter 4's `DigitsDataset` served images and class indices. Other tasks need other examples. Here
# is a **binary** task: points in the plane, labelled 1 when they lie on a ring around the origin and
# 0 otherwise. `make_rings` draws such points from a `torch.Generator`; the label is decided by the
# distance from the origin, with a little noise, so no classifier can be perfect.

# %%
def make_rings(n, generator):
    """n points in [-2, 2]^2 (float32, n x 2) and their labels (int64, n): 1 on the ring 0.8 < r < 1.4."""
    points = torch.rand(n, 2, generator=generator) * 4 - 2
    radius = points.norm(dim=1) + 0.05 * torch.randn(n, generator=generator)
    return points, ((radius > 0.8) & (radius < 1.4)).long()


ring_points, ring_labels = make_rings(1000, torch.Generator().manual_seed(5))
print(ring_points.shape, ring_points.dtype, ring_labels.dtype, ring_labels.float().mean().item() > 0.2)

fig, ax = plt.subplots(figsize=(3.5, 3.5))
ax.scatter(*ring_points.T, c=ring_labels, s=4, cmap="coolwarm")
ax.set_aspect("equal")
ax.set_title(tr_plot("the ring task"))
plt.show()

# %% [markdown]
# A `Dataset` needs `__len__` and `__getitem__`; what `__getitem__` returns is up to you, and it
# should be what the model and the loss take, so that a `DataLoader` can stack it directly. For a
# binary task with one output (section 3), the loss wants the target as a **float** of the same
# shape as the model's output: one number per example, shape `(1,)`. Converting dtypes is a method
# call: `.float()`, `.long()`, or `.to(torch.float32)`.
#
# ### Exercise 2.1: `RingDataset`
#
# Write a `Dataset` class `RingDataset(points, labels)` whose item `i` is the pair
# `(points[i], target)`, where the point is a `float32` tensor of shape `(2,)` and the target a
# `float32` tensor of shape `(1,)` holding `labels[i]`. `len()` of it is the number of points. A
# `DataLoader` over it then serves batches of shapes `B x 2` and `B x 1`.

# %% nbgrader={"grade": false, "grade_id": "generalisation-dataset", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
class RingDataset(Dataset):
    def __init__(self, points, labels):
        self.points = points.float()
        self.targets = labels.float().unsqueeze(1)

    def __len__(self):
        return len(self.points)

    def __getitem__(self, index):
        return self.points[index], self.targets[index]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "generalisation-dataset-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def serves_rings(cls, n=10, seed=8):
    """True when cls(points, labels) holds n items of (float32 (2,), float32 (1,)) matching the data."""
    points, labels = make_rings(n, torch.Generator().manual_seed(seed))
    data = cls(points, labels)
    if len(data) != n:
        return False
    for i in range(n):
        point, target = data[i]
        if point.dtype != torch.float32 or point.shape != (2,) or not torch.equal(point, points[i]):
            return False
        if target.dtype != torch.float32 or target.shape != (1,) or target.item() != labels[i].item():
            return False
    return True


def batches_for_bce(cls):
    """True when a DataLoader over cls(...) serves B x 2 points and B x 1 float targets."""
    points, labels = make_rings(6, torch.Generator().manual_seed(9))
    xs, ys = next(iter(DataLoader(cls(points, labels), batch_size=4)))
    return xs.shape == (4, 2) and ys.shape == (4, 1) and ys.dtype == torch.float32


check_that("RingDataset", lambda c: isinstance(c, type) and issubclass(c, Dataset),
           "is not a subclass of torch.utils.data.Dataset.", quiet=True)
check_that("RingDataset", batches_for_bce, "does not serve batches of shape B x 2 and float targets of shape B x 1.",
           hint="the target of one example is a float32 tensor of shape (1,): convert labels[i] with .float() "
                "and give it a dimension of size 1.", quiet=True)
check_that("RingDataset", serves_rings, "does not return (points[i], labels[i]) as float32 tensors.",
           summary="a Dataset of points and float targets")
### BEGIN HIDDEN TESTS
check_that("RingDataset", lambda c: serves_rings(c, n=33, seed=hidden_seed(21)), "fails on other data.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Choosing the loss: logits, probabilities and `BCEWithLogitsLoss`
#
# A classifier's last layer outputs **logits**: unbounded scores, one per class. The loss must
# match that output:
#
# - for C classes, `nn.CrossEntropyLoss` takes the `N x C` logits and applies the softmax itself.
#   Its target is either the class index (`int64`, shape `N`) or a probability for every class
#   (float, `N x C`). Never apply a softmax before it: the loss would then apply a second one;
# - for a yes/no task, one logit per example is enough: the probability of "yes" is
#   `sigmoid(logit)`. `nn.BCEWithLogitsLoss` takes that raw logit and a float target of the same
#   shape. `nn.BCELoss` would take the probability instead, but computing `sigmoid` and then
#   `log` separately loses precision: for a large logit, `sigmoid` rounds to exactly 1 and the log
#   of `1 - 1` is minus infinity. `BCEWithLogitsLoss` computes the same value in a stable way.

# %%
logits = torch.tensor([[2.0], [-1.0], [30.0]])
targets = torch.tensor([[1.0], [0.0], [0.0]])
print(nn.BCEWithLogitsLoss()(logits, targets))
print(nn.BCELoss()(torch.sigmoid(logits), targets))   # the third example's loss is clamped at 100
print(torch.sigmoid(torch.tensor(30.0)) == 1.0)

# %% [markdown]
# The per-example loss is `-[y log(sigmoid(x)) + (1 - y) log(1 - sigmoid(x))]`. Since
# `log(sigmoid(x)) = -log(1 + exp(-x))` and `log(1 - sigmoid(x)) = -x - log(1 + exp(-x))`, it equals
# `log(1 + exp(-x)) + (1 - y) x`; and `log(1 + exp(-x))` can be written without ever computing the
# exponential of a large positive number: `max(-x, 0) + log1p(exp(-|x|))`.
#
# ### Exercise 3.1: binary cross-entropy from logits, by hand
#
# Write `bce_from_logits(logits, targets)` that returns the **mean** binary cross-entropy of `logits`
# against float `targets` (same shape, values in [0, 1]), as `nn.BCEWithLogitsLoss()` computes it,
# with elementwise tensor operations (`torch.clamp`, `torch.exp`, `torch.log1p`, `abs`) and no loss
# function from `torch.nn`. It must stay finite for logits of size 100 and more, where
# `torch.sigmoid` rounds to 0 or 1. The result is a 0-dimensional tensor through which gradients flow.

# %% nbgrader={"grade": false, "grade_id": "generalisation-bce", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bce_from_logits(logits, targets):
    ### BEGIN SOLUTION
    softplus_neg = torch.clamp(-logits, min=0) + torch.log1p(torch.exp(-logits.abs()))   # log(1 + exp(-x))
    return (softplus_neg + (1 - targets) * logits).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-bce-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
_x = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]], requires_grad=True)
_y = torch.tensor([[1.0], [0.0], [0.0], [1.0]])
_big = torch.tensor([200.0, -200.0, 150.0, -150.0])
_big_y = torch.tensor([0.0, 1.0, 1.0, 0.0])
check_function("bce_from_logits", [((_x, _y), F.binary_cross_entropy_with_logits(_x, _y))], grad_fn=True)
check_function("bce_from_logits", [((_big, _big_y), F.binary_cross_entropy_with_logits(_big, _big_y))])
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(31))
_x, _y = torch.randn(5, 3) * 20, torch.rand(5, 3)
check_function("bce_from_logits", [((_x, _y), F.binary_cross_entropy_with_logits(_x, _y))], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Evaluating: two switches, and the device from the model
#
# Two settings matter when a model is evaluated, and they are **independent**:
#
# - `model.train()` / `model.eval()` set the mode of every submodule (the `training` attribute).
#   Only some layers look at it: `Dropout` drops activations in training mode only, `BatchNorm`
#   normalises with the current batch's statistics in training mode and with its running averages in
#   evaluation mode. `eval()` does not stop autograd.
# - `torch.no_grad()` and `torch.inference_mode()` stop autograd from recording a graph, which saves
#   memory and time; they change no layer. Tensors made under `inference_mode` can never join a graph
#   later, which lets PyTorch skip even more bookkeeping.

# %%
torch.manual_seed(2)   # dropout draws its mask from the random number generator
layer = nn.Dropout(0.5)
ones = torch.ones(1, 8, requires_grad=True)
print(layer.training, layer(2 * ones))        # training mode: about half zeroed, the rest doubled
layer.eval()
with torch.no_grad():
    print(layer(2 * ones), layer(2 * ones).requires_grad)
print(layer(2 * ones).requires_grad)          # eval() alone still records a graph


@torch.inference_mode()   # both switches of autograd also work as decorators
def dropout_without_graph(x):
    return layer(x)


layer.train()
print(dropout_without_graph(2 * ones).requires_grad, dropout_without_graph(2 * ones))   # still drops out

# %% [markdown]
# Code that takes a model should not assume where it lives: its parameters know.
# `next(model.parameters()).device` is the device of the first parameter; moving each batch there
# makes a function work for a model on the CPU as well as on a GPU.
#
# ### Exercise 4.1: evaluation over a loader
#
# Write `evaluate(model, loader)` that returns the mean cross-entropy loss of the model's logits over
# **all examples** of `loader` (which serves `(inputs, class_indices)` batches on the CPU), as a Python
# float. Evaluate in evaluation mode, without recording a graph, on the
# model's own device. Careful: the last batch may be smaller than the others, and every example must
# weigh the same in the mean.

# %% nbgrader={"grade": false, "grade_id": "generalisation-evaluate", "locked": false, "schema_version": 3, "solution": true, "task": false}
def evaluate(model, loader):
    ### BEGIN SOLUTION
    model.eval()
    where = next(model.parameters()).device   # the model's device, whatever it is
    total_loss, n_seen = 0.0, 0
    with torch.inference_mode():
        for inputs, labels in loader:
            inputs, labels = inputs.to(where), labels.to(where)
            total_loss += F.cross_entropy(model(inputs), labels, reduction="sum").item()
            n_seen += len(labels)
    return total_loss / n_seen
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-evaluate-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def evaluation_case(seed, n, batch_size):
    """A dropout model left in training mode, a loader with an uneven last batch, and the expected loss."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10)).to(device)
    xs, ys = val_x[:n], val_y[:n]
    with torch.no_grad():
        logits = model.eval()(xs.to(device)).cpu()
    model.train()
    expected = F.cross_entropy(logits, ys).item()
    return Case((model, DataLoader(TensorDataset(xs, ys), batch_size=batch_size)), expected,
                after={0: {"training": False}},
                problem="does not leave the model in evaluation mode.", hint="call model.eval() first.")


def leaves_evaluation_mode(evaluate):
    """True when evaluate switches a model that was left in training mode to evaluation mode."""
    case = evaluation_case(40, 20, 20)
    evaluate(*case.args)
    return not case.args[0].training


check_that("evaluate", leaves_evaluation_mode, "leaves the model in training mode, where dropout drops activations.",
           hint="switch the model to evaluation mode before the first batch.", quiet=True)


def evaluates_on_the_models_device(evaluate):
    """False when evaluate hands a model on PyTorch's "meta" device (a stand-in for a GPU: shapes, no
    values) a batch left on the CPU; a right answer stops where it reads a value (.item()) there."""
    meta_model = nn.Sequential(nn.Linear(64, 10)).to("meta")
    batches = DataLoader(TensorDataset(torch.zeros(6, 64), torch.zeros(6, dtype=torch.long)), batch_size=4)
    try:
        evaluate(meta_model, batches)
    except Exception as error:
        return "expected device" not in str(error) and "same device" not in str(error)
    return True


check_that("evaluate", evaluates_on_the_models_device,
           "does not move the inputs and labels to the model's device (tried with a model on PyTorch's 'meta' device).",
           hint="take the device from the model's parameters.", quiet=True)
check_function("evaluate", [evaluation_case(41, 40, 40)], check_mutation=False, quiet=True)
check_function("evaluate", [evaluation_case(42, 50, 16)], check_mutation=False)
### BEGIN HIDDEN TESTS
check_function("evaluate", [evaluation_case(hidden_seed(43), 37, 10)], check_mutation=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Regularisation: weight decay, Dropout and BatchNorm
#
# Three tools delay overfitting:
#
# - **weight decay** pulls every weight a little towards zero at each step, which keeps the network
#   from relying on a few huge weights. `optim.AdamW(params, weight_decay=...)` applies it directly to
#   the weights; in `optim.SGD` and `optim.Adam` it is added to the gradient instead (for Adam, whose
#   steps are rescaled per parameter, that is weaker, which is why AdamW exists);
# - **Dropout** zeroes each activation with probability `p` in training mode (and scales the rest by
#   `1 / (1 - p)`), so no unit can count on another being there;
# - **BatchNorm** normalises each feature with the statistics of the batch while training, and keeps
#   running averages of them for evaluation. It speeds training up, and its batch noise regularises a
#   little.
#
# The same large network as in section 1, now with dropout and AdamW's weight decay:

# %%
torch.manual_seed(0)
regularised = make_mlp(dropout=0.3).to(device)
history_reg = train_epochs(regularised, optim.AdamW(regularised.parameters(), lr=3e-3, weight_decay=0.05), n_epochs=40)
plot_per_epoch({tr_plot("validation, plain"): history["val"],
                tr_plot("validation, dropout + weight decay"): history_reg["val"]})
print(tr("regularised ends with a lower validation loss:"),
      np.mean(history_reg["val"][-5:]) < np.mean(history["val"][-5:]))

# %% [markdown]
# A `BatchNorm1d` layer holds two learned parameters per feature (`weight`, `bias`) and two
# **buffers**: `running_mean` and `running_var`, tensors that are part of the `state_dict` but are
# not parameters, so no optimizer updates them. In training mode each forward pass normalises with
# the batch's own mean and (biased) variance and moves the running averages towards them by
# `momentum`; in evaluation mode it uses the running averages and updates nothing.

# %%
torch.manual_seed(1)
bn = nn.BatchNorm1d(3)
batch = torch.randn(8, 3) * 5 + 2
print([name for name, _ in bn.named_parameters()], [name for name, _ in bn.named_buffers()])
out_train = bn(batch)
print(out_train.mean(dim=0).abs().max() < 1e-5, bn.running_mean)
bn.eval()
print(torch.allclose(bn(batch), out_train))   # evaluation mode normalises differently

# %% [markdown]
# ### Exercise 5.1: BatchNorm by hand
#
# Write `batchnorm_by_hand(x, bn)` that returns what `bn(x)` returns for a `nn.BatchNorm1d` layer `bn`
# and a batch `x` of shape `N x features`, **in `bn`'s current mode**, computed from `bn`'s
# parameters and buffers (`weight`, `bias`, `running_mean`, `running_var`, `eps`) with tensor
# operations, without calling `bn`. In training mode use the batch's mean and **biased** variance
# (`unbiased=False`) along dimension 0; you need not update the running averages.

# %% nbgrader={"grade": false, "grade_id": "generalisation-batchnorm", "locked": false, "schema_version": 3, "solution": true, "task": false}
def batchnorm_by_hand(x, bn):
    ### BEGIN SOLUTION
    if bn.training:
        mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
    else:
        mean, var = bn.running_mean, bn.running_var
    return (x - mean) / torch.sqrt(var + bn.eps) * bn.weight + bn.bias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-batchnorm-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def batchnorm_case(seed, features, training, eps=1e-5):
    """A BatchNorm1d with trained-looking parameters and running statistics, in the given mode."""
    gen = torch.Generator().manual_seed(seed)
    layer = nn.BatchNorm1d(features, eps=eps)
    with torch.no_grad():
        layer.weight.copy_(torch.rand(features, generator=gen) + 0.5)
        layer.bias.copy_(torch.randn(features, generator=gen))
        layer.running_mean.copy_(torch.randn(features, generator=gen))
        layer.running_var.copy_(torch.rand(features, generator=gen) + 0.5)
    layer.train(training)
    x = torch.randn(6, features, generator=gen) * 3 + 1
    reference = copy.deepcopy(layer)
    return Case((x, layer), reference(x).detach())


check_function("batchnorm_by_hand", [batchnorm_case(50, 4, training=True)], check_mutation=False)
check_function("batchnorm_by_hand", [batchnorm_case(51, 4, training=False)], check_mutation=False)
### BEGIN HIDDEN TESTS
check_function("batchnorm_by_hand", [batchnorm_case(hidden_seed(52), 7, training=False, eps=0.1),
                                     batchnorm_case(hidden_seed(53), 5, training=True, eps=0.1)],
               check_mutation=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Optimisers and learning-rate schedules
#
# Plain SGD steps along the gradient. With **momentum** it follows a running average of past
# gradients, which smooths the noise of small batches and speeds it along consistent directions.
# **Adam** and **AdamW** go further and scale each parameter's step by a running estimate of its
# gradient's size, so one learning rate suits parameters with very different gradients; they usually
# need less tuning.
#
# A **learning-rate schedule** changes the learning rate while training: large steps early, small
# ones at the end to settle. `optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max)` lowers it along
# half a cosine over `T_max` calls of `scheduler.step()`, here one per epoch (after that epoch's
# `optimizer.step()` calls).

# %%
results = {}
for name in ("SGD + momentum", "AdamW + cosine"):
    torch.manual_seed(0)
    net = make_mlp(dropout=0.1).to(device)
    if name == "SGD + momentum":
        opt, sched = optim.SGD(net.parameters(), lr=0.05, momentum=0.9), None
    else:
        opt = optim.AdamW(net.parameters(), lr=3e-3, weight_decay=0.05)
        sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=12)
    results[name] = train_epochs(net, opt, n_epochs=12, scheduler=sched)
    if sched is not None:
        print(tr("last learning rate:"), f"{sched.get_last_lr()[0]:.1e}")
plot_per_epoch({name: hist["val"] for name, hist in results.items()}, ylabel=tr_plot("validation loss"), log_scale=False)

# %% [markdown]
# Weight decay is meant for weights that multiply inputs; decaying biases and BatchNorm's parameters
# (vectors that shift and scale) only hampers them. An optimizer takes **parameter groups**: a list of
# dictionaries, each with its own `params` and any settings that differ from the defaults, for example
# `optim.AdamW([{"params": a, "weight_decay": 0.1}, {"params": b, "weight_decay": 0.0}], lr=1e-3)`.
#
# ### Exercise 6.1: weight decay on weights only
#
# Write `adamw_with_groups(model, lr, weight_decay)` that returns an `optim.AdamW` over all of
# `model`'s parameters, in **two** groups: the first holds every parameter with two or more
# dimensions (the weight matrices and convolution kernels) with `weight_decay`, the second every
# other parameter (biases, BatchNorm's `weight` and `bias`) with weight decay `0.0`. Both use
# learning rate `lr`; keep the parameters in the order `model.parameters()` gives them.

# %% nbgrader={"grade": false, "grade_id": "generalisation-param-groups", "locked": false, "schema_version": 3, "solution": true, "task": false}
def adamw_with_groups(model, lr, weight_decay):
    ### BEGIN SOLUTION
    decayed = [p for p in model.parameters() if p.ndim >= 2]
    others = [p for p in model.parameters() if p.ndim < 2]
    return optim.AdamW([{"params": decayed, "weight_decay": weight_decay},
                        {"params": others, "weight_decay": 0.0}], lr=lr)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-param-groups-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def groups_as_asked(make, model, lr=0.01, weight_decay=0.2):
    """True when make(model, lr, weight_decay) is an AdamW with the two groups the exercise asks for."""
    optimizer = make(model, lr, weight_decay)
    if not isinstance(optimizer, optim.AdamW) or len(optimizer.param_groups) != 2:
        return False
    first, second = optimizer.param_groups
    want_first = [p for p in model.parameters() if p.ndim >= 2]
    want_second = [p for p in model.parameters() if p.ndim < 2]
    same = lambda got, want: len(got) == len(want) and all(a is b for a, b in zip(got, want))
    return (same(first["params"], want_first) and same(second["params"], want_second)
            and first["weight_decay"] == weight_decay and second["weight_decay"] == 0.0
            and first["lr"] == lr and second["lr"] == lr)


_conv_bn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(144, 10))
check_that("adamw_with_groups", lambda f: isinstance(f(_conv_bn, 0.01, 0.2), optim.AdamW),
           "does not return an optim.AdamW.", inputs={"_conv_bn": _conv_bn}, quiet=True)
check_that("adamw_with_groups", lambda f: groups_as_asked(f, _conv_bn),
           "does not put the parameters with two or more dimensions, with weight_decay, in the first group and "
           "the rest, without weight decay, in the second.",
           hint="p.ndim is the number of dimensions of a parameter; a group is a dict with 'params' and "
                "'weight_decay'.", inputs={"_conv_bn": _conv_bn}, summary="AdamW with decay on weight matrices only")
### BEGIN HIDDEN TESTS
check_that("adamw_with_groups", lambda f: groups_as_asked(f, nn.Sequential(nn.Linear(3, 5), nn.LayerNorm(5), nn.Linear(5, 2)),
                                                          lr=0.5, weight_decay=0.03),
           "fails for another model.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Initialising weights with `nn.init`
#
# Every layer initialises its parameters when it is created (`nn.Linear` draws from a uniform
# distribution scaled by its number of inputs). `torch.nn.init` holds other schemes, each an in-place
# function: `nn.init.kaiming_normal_(w, nonlinearity="relu")` draws from a normal distribution with
# standard deviation `sqrt(2 / fan_in)`, which keeps the size of activations steady through ReLU
# layers; `nn.init.zeros_`, `nn.init.ones_`, `nn.init.xavier_uniform_` and others exist as well.
# `model.apply(fn)` calls `fn` on every submodule (children first, then the model itself), which is the
# usual way to initialise a whole network:

# %%
def xavier_everywhere(module):
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)


torch.manual_seed(0)
fresh = make_mlp().apply(xavier_everywhere)
print(fresh[0].weight.abs().max() <= math.sqrt(6 / (64 + 256)))

# %% [markdown]
# ### Exercise 7.1: Kaiming initialisation for convolutions
#
# Write `init_conv_net(module)`, meant for `model.apply(init_conv_net)`: for an `nn.Conv2d` it draws
# the weight with Kaiming-normal initialisation for ReLU (`mode="fan_in"`) and sets the bias, when
# there is one, to zero; for an `nn.BatchNorm2d` it sets the weight to one and the bias to zero; it
# leaves every other module as it is.

# %% nbgrader={"grade": false, "grade_id": "generalisation-init", "locked": false, "schema_version": 3, "solution": true, "task": false}
def init_conv_net(module):
    ### BEGIN SOLUTION
    if isinstance(module, nn.Conv2d):
        nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-init-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def initialised_as_asked(init, seed=60, channels=64):
    """True when model.apply(init) leaves Kaiming-normal conv weights, zero biases, unit BatchNorm and the
    Linear layer untouched."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(16, channels, 3), nn.BatchNorm2d(channels), nn.ReLU(),
                          nn.Conv2d(channels, 8, 3, bias=False), nn.Flatten(), nn.Linear(8, 2))
    with torch.no_grad():
        model[1].weight.fill_(3.0)
        model[1].bias.fill_(-1.0)
    linear_before = model[5].weight.detach().clone()
    model.apply(init)
    conv, bn, conv2 = model[0], model[1], model[3]
    std = conv.weight.std().item()
    want = math.sqrt(2 / (16 * 3 * 3))
    std2 = conv2.weight.std().item()
    want2 = math.sqrt(2 / (channels * 3 * 3))
    normal_tails = (conv.weight.abs() > 2 * want).float().mean().item() > 0.02   # a uniform draw has none
    return (abs(std / want - 1) < 0.1 and abs(std2 / want2 - 1) < 0.1 and abs(conv.weight.mean().item()) < 0.1 * want
            and normal_tails
            and torch.count_nonzero(conv.bias).item() == 0 and bool((bn.weight == 1).all()) and bool((bn.bias == 0).all())
            and torch.equal(model[5].weight, linear_before))


check_function("init_conv_net", [((nn.Conv2d(2, 3, 3, bias=False),), None)], check_mutation=False, quiet=True)
check_that("init_conv_net", initialised_as_asked,
           "does not leave Kaiming-normal convolution weights (fan_in, relu), zero biases, BatchNorm weights of one "
           "and biases of zero, and other layers untouched.",
           hint="test the module's type with isinstance; nn.init.kaiming_normal_ takes mode and nonlinearity.",
           summary="Kaiming-normal convolutions, neutral BatchNorm")
### BEGIN HIDDEN TESTS
check_that("init_conv_net", lambda f: initialised_as_asked(f, seed=hidden_seed(61), channels=48),
           "fails for another network.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Checkpoints that resume training, and early stopping
#
# Chapter 4 saved a model's `state_dict` to use it later. To **resume training** after an
# interruption, the model is not enough: momentum and Adam keep running averages in the optimizer
# (`optimizer.state_dict()`), a schedule counts its steps, and the loop needs to know which epoch
# comes next. A checkpoint is a dictionary of all of them:

# %%
torch.manual_seed(0)
net = make_mlp().to(device)
opt = optim.AdamW(net.parameters(), lr=1e-3)
train_epochs(net, opt, n_epochs=1)
print(list(opt.state_dict()), len(opt.state_dict()["state"]))

buffer = io.BytesIO()
torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 0}, buffer)
buffer.seek(0)
restored = torch.load(buffer, map_location=device, weights_only=True)
print(sorted(restored), restored["epoch"])

# %% [markdown]
# `torch.load(..., weights_only=True)` (the default since PyTorch 2.6) rebuilds only tensors,
# numbers, strings and plain containers, so a checkpoint from someone else cannot run code when it is
# loaded. Both state dictionaries and the epoch pass. `map_location` puts the tensors on the device you
# choose; `load_state_dict` then copies them into a model and an optimizer that were created the usual
# way.
#
# **Early stopping** uses the validation curve of section 1: keep training while the validation loss
# improves, remember the weights of the best epoch, and stop once it has not improved for `patience`
# epochs in a row. Here it is on the big network, with a `deepcopy` of the best `state_dict`:

# %%
torch.manual_seed(0)
net = make_mlp().to(device)
opt = optim.Adam(net.parameters(), lr=3e-3)
best_loss, best_state, since_best, patience = float("inf"), None, 0, 3
for epoch in range(40):
    val_loss = train_epochs(net, opt, n_epochs=1, seed=epoch)["val"][0]
    if val_loss < best_loss:
        best_loss, best_state, since_best = val_loss, copy.deepcopy(net.state_dict()), 0
    else:
        since_best += 1
        if since_best == patience:
            break
net.load_state_dict(best_state)
print(tr("stopped before 40 epochs:"), epoch < 39)
print(tr("the restored weights give the best validation loss:"), mean_loss(net, val_x, val_y) == best_loss)

# %% [markdown]
# ### Exercise 8.1: when to stop
#
# Write `early_stopping(val_losses, patience)`: given the validation loss of each epoch (a list of
# floats, in order) it returns the pair `(best_epoch, stop_epoch)` of 0-based epoch numbers. Training
# stops after the first epoch that ends `patience` epochs in a row without a loss **strictly lower**
# than the best so far; `stop_epoch` is that epoch, or the last epoch when it never happens.
# `best_epoch` is the epoch with the lowest loss up to and including `stop_epoch` (the first one on a
# tie). Work out `early_stopping([1.0, 0.8, 0.9, 0.8, 0.7], 2)` before you write it.

# %% nbgrader={"grade": false, "grade_id": "generalisation-early-stopping", "locked": false, "schema_version": 3, "solution": true, "task": false}
def early_stopping(val_losses, patience):
    ### BEGIN SOLUTION
    best_epoch, waited = 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < val_losses[best_epoch]:
            best_epoch, waited = epoch, 0
        elif epoch > 0:
            waited += 1   # one more epoch without a new best
            if waited == patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses) - 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-early-stopping-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("early_stopping", [
    (([1.0, 0.8, 0.9, 0.8, 0.7], 2), (1, 3)),
    (([3.0, 2.0, 1.0], 1), (2, 2)),
])
### BEGIN HIDDEN TESTS
check_function("early_stopping", [
    (([0.5, 0.6, 0.4, 0.45, 0.41, 0.3, 0.2], 3), (6, 6)),
    (([0.5, 0.6, 0.4, 0.45, 0.41, 0.42, 0.2], 3), (2, 5)),
    (([0.5, 0.6, 0.7, 0.1], 2), (0, 2)),
    (([2.0], 4), (0, 0)),
    (([1.0, 1.0, 1.0, 0.5], 2), (0, 2)),
    (([1.0, 0.9, 0.9, 0.9, 0.8], 2), (1, 3)),
], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 8.2: a checkpoint that resumes
#
# 1. Write `save_checkpoint(target, model, optimizer, epoch)` that saves, with `torch.save` to `target`
#    (a path or a file object), a dictionary with the keys `"model"` (the model's `state_dict`),
#    `"optimizer"` (the optimizer's `state_dict`) and `"epoch"` (the number of the epoch just finished).
# 2. Write `load_checkpoint(source, model, optimizer)` that reads such a checkpoint with
#    `weights_only=True`, onto the **model's** device, loads both state dictionaries into the model and
#    optimizer it is given, and returns the number of the epoch to run **next**.
#
# The check trains a network for a few steps with AdamW, saves a checkpoint with your function,
# loads it into a fresh network and optimizer with yours, takes one more step in both, and compares:
# resuming must give exactly what training on without a pause gives.

# %% nbgrader={"grade": false, "grade_id": "generalisation-checkpoint", "locked": false, "schema_version": 3, "solution": true, "task": false}
def save_checkpoint(target, model, optimizer, epoch):
    ### BEGIN SOLUTION
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, target)
    ### END SOLUTION


def load_checkpoint(source, model, optimizer):
    ### BEGIN SOLUTION
    checkpoint = torch.load(source, map_location=next(model.parameters()).device, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"] + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "generalisation-checkpoint-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def resumes_exactly(save, load, seed=80, steps=3):
    """True when saving after `steps` AdamW steps and loading into fresh objects gives the same next step."""
    torch.manual_seed(seed)
    xs, ys = val_x[:32].to(device), val_y[:32].to(device)

    def step(model, optimizer):
        optimizer.zero_grad()
        F.cross_entropy(model(xs), ys).backward()
        optimizer.step()

    def fresh():
        model = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10)).to(device)
        return model, optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)

    model, optimizer = fresh()
    for _ in range(steps):
        step(model, optimizer)
    target = io.BytesIO()
    save(target, model, optimizer, 4)
    target.seek(0)
    resumed, resumed_optimizer = fresh()
    next_epoch = load(target, resumed, resumed_optimizer)
    step(model, optimizer)
    step(resumed, resumed_optimizer)
    same = all(torch.equal(a, b) for a, b in zip(model.parameters(), resumed.parameters()))
    return same and next_epoch == 5


def saves_the_three_keys(save):
    """True when save writes a weights_only-loadable dict with model, optimizer and epoch."""
    model = nn.Linear(3, 2)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    target = io.BytesIO()
    save(target, model, optimizer, 7)
    target.seek(0)
    try:
        saved = torch.load(target, weights_only=True)
    except Exception:   # a pickled module or optimizer object does not load with weights_only=True
        return False
    return (isinstance(saved, dict) and saved.get("epoch") == 7 and set(saved.get("model", {})) == {"weight", "bias"}
            and set(saved.get("optimizer", {})) == {"state", "param_groups"})


check_that("save_checkpoint", saves_the_three_keys,
           "does not save a dictionary with the keys 'model', 'optimizer' and 'epoch' that loads with weights_only=True.",
           hint="save model.state_dict() and optimizer.state_dict(), not the objects themselves.", quiet=True)
check_that("load_checkpoint", lambda load: resumes_exactly(save_checkpoint, load),
           "does not resume training exactly: after loading, one more step differs from training on without a "
           "pause, or the returned epoch is not the next one.",
           hint="load both state dictionaries (the optimizer's holds AdamW's running averages) and return the "
                "saved epoch plus one.", summary="a checkpoint that resumes training exactly")
### BEGIN HIDDEN TESTS
check_that("load_checkpoint", lambda load: resumes_exactly(save_checkpoint, load, seed=hidden_seed(81), steps=5),
           "does not resume another run exactly.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Your own classifier, from scratch
#
# ### Exercise 9.1: the ring task
#
# In the empty cell below, build and train `ring_model`: a network that maps a batch of points
# (`float32`, shape `B x 2`) to **one logit** per point (shape `B x 1`), where a positive logit means
# "on the ring". Train it with `nn.BCEWithLogitsLoss` on points from `make_rings` (draw as many as you
# like, with a seeded generator) and your `RingDataset`; hold some out to see that it generalises.
# Leave the model on `device` or the CPU, in whatever mode.
#
# It is graded on **new** points from `make_rings` that you never see: at least **90%** of them must
# be classified right (the noise in the labels keeps the best possible score below 100%). Keep the
# cell under a minute on a laptop's CPU.

# %% nbgrader={"grade": false, "grade_id": "generalisation-rings", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
torch.manual_seed(9)
ring_model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)).to(device)
ring_train = RingDataset(*make_rings(2000, torch.Generator().manual_seed(10)))
ring_val = RingDataset(*make_rings(1000, torch.Generator().manual_seed(11)))
ring_loader = DataLoader(ring_train, batch_size=50, shuffle=True, generator=torch.Generator().manual_seed(12))
ring_optimizer = optim.AdamW(ring_model.parameters(), lr=1e-2)
# OneCycleLR warms the rate up, then anneals it. Without the warm-up, some seeds leave
# the network stuck near 84% accuracy.
ring_epochs = 20
ring_schedule = optim.lr_scheduler.OneCycleLR(ring_optimizer, max_lr=1e-2,
                                              total_steps=ring_epochs * len(ring_loader))
ring_loss = nn.BCEWithLogitsLoss()
for ring_epoch in range(ring_epochs):
    ring_model.train()
    for points, targets in ring_loader:
        ring_optimizer.zero_grad()
        ring_loss(ring_model(points.to(device)), targets.to(device)).backward()
        ring_optimizer.step()
        ring_schedule.step()
ring_model.eval()
with torch.inference_mode():
    val_points, val_targets = ring_val.points.to(device), ring_val.targets.to(device)
    print(tr("validation accuracy above 90%:"),
          ((ring_model(val_points) > 0).float() == val_targets).float().mean().item() > 0.9)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "generalisation-rings-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def ring_accuracy(model, points, labels):
    """The fraction of points whose logit sign matches the label, in evaluation mode."""
    model.eval()
    with torch.no_grad():
        logits = model(points.to(next(model.parameters()).device)).cpu()
    return ((logits.reshape(-1) > 0).long() == labels).float().mean().item()


check_module("ring_model", input_shape=(5, 2), output_shape=(5, 1), quiet=True)
_seen_points, _seen_labels = make_rings(2000, torch.Generator().manual_seed(90))
check_that("ring_model", lambda m: ring_accuracy(m, _seen_points, _seen_labels) >= 0.9,
           "classifies fewer than 90% of fresh ring points correctly.",
           hint="train longer or with a larger network; a positive logit must mean label 1.",
           inputs={"_seen_points": _seen_points, "_seen_labels": _seen_labels},
           summary="at least 90% of fresh points right")
### BEGIN HIDDEN TESTS
_held_points, _held_labels = make_rings(3000, torch.Generator().manual_seed(hidden_seed(91)))
check_that("ring_model", lambda m: ring_accuracy(m, _held_points, _held_labels) >= 0.9,
           "classifies fewer than 90% of the held-out points correctly.",
           inputs={"_held_points": _held_points, "_held_labels": _held_labels}, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# - Decisions (epochs, learning rate, architecture) are taken on a **validation** set carved from the
#   training data; the test set is for the final estimate only. Training loss falling while validation
#   loss rises is overfitting.
# - A `Dataset` returns each example in the form the model and loss want: for `BCEWithLogitsLoss`, a
#   float target shaped like the logit.
# - Give losses raw logits: `CrossEntropyLoss` for classes, `BCEWithLogitsLoss` for yes/no.
# - `train()`/`eval()` change how Dropout and BatchNorm compute; `no_grad()`/`inference_mode()` stop
#   autograd. Evaluation needs both; take the device from `next(model.parameters()).device`.
# - Weight decay (AdamW, on weight matrices), Dropout and BatchNorm delay overfitting; momentum, Adam
#   and learning-rate schedules change how fast and where training settles.
# - `nn.init` functions and `model.apply` set initial weights.
# - A resumable checkpoint holds the model's and the optimizer's `state_dict` and the epoch; load it
#   with `weights_only=True`. Early stopping keeps the weights of the best validation epoch.
