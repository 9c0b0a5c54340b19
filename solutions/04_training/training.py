# %% [markdown]
# # Chapter 4 · Training a classifier on real handwritten digits
#
# Chapter 3 took one training step at a time on random numbers. This chapter runs the whole recipe
# on real data, from a file on disk to a saved model:
#
# 1. load a data set of handwritten digits and look at it,
# 2. wrap it in a `Dataset` and serve it in shuffled mini-batches with a `DataLoader`,
# 3. define a small convolutional network,
# 4. train it with a loop that runs forward, loss, backward and update for every batch, many times,
# 5. measure its accuracy on images it has never seen, and find out where it goes wrong,
# 6. save the trained parameters and load them back.
#
# Everything runs on a GPU when one is present and on the CPU otherwise; the whole chapter takes
# well under a minute on a laptop.

# %%
import copy
import io
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset, TensorDataset
from tqdm import tqdm

from autograder import (Case, check_function, check_module, check_tensor, check_that, data_path, hidden_seed,
                        one_epoch_cases, tr, tr_plot)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# %% [markdown]
# ## 1. The data
#
# The course ships a small, real data set in its `data/` folder: 1797 handwritten digits from the
# UCI *Optical Recognition of Handwritten Digits* collection (E. Alpaydin and C. Kaynak, 1998;
# licence CC BY 4.0). Each digit was scanned at 32x32 black-and-white pixels and then reduced to
# 8x8 by counting the black pixels in each 4x4 block, so every pixel is a whole number from 0
# (white) to 16 (black). The data card `data/digits.md` tells the full story.
#
# `data_path` finds the file wherever this notebook runs (your copy, the solutions, or a grading
# machine); `np.load` opens it. Besides images and labels, the file holds a fixed split: the
# indices of 1438 training images and of 359 test images, drawn so that every digit has the same
# share in both.

# %%
digits = np.load(data_path("digits.npz"))
print(sorted(digits.files))

images, labels = digits["images"], digits["labels"]
train_idx, test_idx = digits["train_idx"], digits["test_idx"]
print(images.shape, images.dtype, images.min(), images.max())
print(labels.shape, labels.dtype)
in_both = len(np.intersect1d(train_idx, test_idx))
print(tr(f"{len(train_idx)} training images, {len(test_idx)} test images, {in_both} in both"))

# %% [markdown]
# The test images stay locked away while the model learns: they are only used at the end, to
# estimate how well it does on digits it has never seen. Here are the first training images:

# %%
fig, axes = plt.subplots(2, 10, figsize=(10, 2.6), layout="constrained")
for ax, index in zip(axes.flat, train_idx[:20]):
    ax.imshow(images[index], cmap="gray_r", vmin=0, vmax=16)
    ax.set_title(str(labels[index]))
    ax.axis("off")
fig.suptitle(tr_plot("training images and their labels"))
plt.show()

# %% [markdown]
# ### Exercise 1.1: how many of each digit?
#
# Set `train_counts` to a `torch.int64` tensor of shape `(10,)` whose entry `d` is the number of
# **training** images of digit `d`. (`torch.bincount` counts how often each integer occurs.)

# %% nbgrader={"grade": false, "grade_id": "training-class-counts", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
train_counts = torch.bincount(torch.from_numpy(labels[train_idx]), minlength=10)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "training-class-counts-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_that("train_counts", lambda c: int(c.sum()) == len(train_idx),
           "does not add up to the number of training images.", quiet=True)
check_tensor("train_counts", shape=(10,), dtype=torch.int64)
### BEGIN HIDDEN TESTS
check_tensor("train_counts", torch.from_numpy(np.bincount(labels[train_idx], minlength=10)), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. `Dataset` and `DataLoader`
#
# PyTorch separates *what* the data is from *how* it is served:
#
# - a `Dataset` knows how many examples there are (`__len__`) and returns one example by index
#   (`__getitem__`), already as tensors;
# - a `DataLoader` draws examples from a `Dataset`, stacks them into mini-batches, and (for training)
#   shuffles their order anew at every pass over the data (an *epoch*).
#
# Our `Dataset` converts the images once: from `uint8` counts 0..16 to `float32` values in [0, 1],
# with a channel dimension in front, because `nn.Conv2d` expects `channels x height x width`.

# %%
class DigitsDataset(Dataset):
    def __init__(self, images, labels):
        self.images = torch.from_numpy(images).float().div(16).unsqueeze(1)  # N x 1 x 8 x 8
        self.labels = torch.from_numpy(labels)                               # N, int64

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]


train_set = DigitsDataset(images[train_idx], labels[train_idx])
test_set = DigitsDataset(images[test_idx], labels[test_idx])

first_image, first_label = train_set[0]
print(len(train_set), len(test_set))
print(first_image.shape, first_image.dtype, first_label)

# %% [markdown]
# The shuffling of a `DataLoader` draws random numbers. Giving it its own seeded `torch.Generator`
# makes the order of the batches the same on every run, which keeps training reproducible.

# %%
shuffle_generator = torch.Generator().manual_seed(0)
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=shuffle_generator)

batch_images, batch_labels = next(iter(train_loader))
print(batch_images.shape, batch_labels.shape)
print(tr(f"{len(train_loader)} batches per epoch"))

# %% [markdown]
# 1438 is not a multiple of 32: the last batch of an epoch holds what is left over. A
# `DataLoader` made with `drop_last=True` leaves such an incomplete last batch out instead.
#
# ### Exercise 2.1: a loader for evaluation, and its batches
#
# 1. Evaluating a model needs every test image exactly once, and the order does not matter, so
#    there is no reason to shuffle. Set `test_loader` to a `DataLoader` over `test_set` with batches
#    of **128** images and **no shuffling**.
# 2. Before you run it, work out what it will serve: write `batch_sizes(n_examples, batch_size,
#    drop_last=False)` that returns the list of batch sizes, in order, that a `DataLoader` with
#    these settings serves in one epoch over `n_examples` examples (for instance `[4, 4, 2]` for 10
#    examples in batches of 4). Compute it with arithmetic: the check compares it with real
#    `DataLoader`s for other sizes, `drop_last=True` included.

# %% nbgrader={"grade": false, "grade_id": "training-test-loader", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
test_loader = DataLoader(test_set, batch_size=128)


def batch_sizes(n_examples, batch_size, drop_last=False):
    full, rest = divmod(n_examples, batch_size)
    return [batch_size] * full + ([rest] if rest and not drop_last else [])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "training-test-loader-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_that("test_loader", lambda l: isinstance(l, DataLoader), "is not a torch.utils.data.DataLoader.", quiet=True)
check_that("test_loader", lambda l: l.dataset is test_set, "does not load test_set.", quiet=True)
check_that("test_loader", lambda l: l.batch_size == 128, "does not make batches of 128 images.", quiet=True)
check_that("test_loader", lambda l: torch.equal(next(iter(l))[1], test_set.labels[:128]),
           "does not serve the test images in their order.", hint="leave shuffle off (shuffle=False is the default).",
           summary="batches of 128 test images, in order")
check_function("batch_sizes", [((10, 4), [4, 4, 2]), ((10, 4, True), [4, 4]), ((64, 32), [32, 32])])
### BEGIN HIDDEN TESTS
check_that("test_loader", lambda l: len(l) == 3 and sum(len(y) for _, y in l) == len(test_set),
           "does not serve every test image exactly once.", hidden=True)
check_that("test_loader", lambda l: type(l.sampler).__name__ == "SequentialSampler", "shuffles.", hidden=True)
_gen = torch.Generator().manual_seed(hidden_seed(21))
_cases = [(int(n), int(b), d) for (n, b), d in zip(torch.randint(1, 90, (4, 2), generator=_gen).tolist(),
                                                    (False, True, False, True))] + [(5, 8, False), (5, 8, True), (0, 3, False)]
check_function("batch_sizes", [((n, b, d), [len(y) for (y,) in DataLoader(TensorDataset(torch.arange(n)), batch_size=b, drop_last=d)])
                               for n, b, d in _cases], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The network
#
# The LeNet of chapter 3 was made for 32x32 images; two 5x5 convolutions without padding would
# leave nothing of an 8x8 digit. `DigitNet` keeps LeNet's plan (two convolution + pooling stages,
# then linear layers) but uses 3x3 kernels with `padding=1`, so that only the pooling shrinks the
# image: 8x8, then 4x4, then 2x2.
#
# The last layer outputs 10 unnormalised scores, the *logits*. For classification the loss is
# `nn.CrossEntropyLoss`, which turns the logits into probabilities (a softmax) and penalises a low
# probability for the correct class. Give it the raw logits: it applies the softmax itself, so a
# softmax in `forward` would be applied twice and slow learning down. Its target here is each
# image's class index (an `int64`); it also accepts a probability for every class (a float tensor
# shaped like the logits), but a one-hot vector as for the `MSELoss` of chapter 3 is not needed.

# %%
class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # 16 x 4 x 4
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # 32 x 2 x 2
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


torch.manual_seed(0)
model = DigitNet().to(device)
n_parameters = sum(p.numel() for p in model.parameters())
print(tr(f"{n_parameters} parameters"))
print(model(batch_images.to(device)).shape)

# %% [markdown]
# ## 4. The training loop
#
# One pass over the training set is an **epoch**; the network needs several. Each batch goes through
# the six steps of chapter 3, with two additions:
#
# - the batch is moved to the model's `device` (the `DataLoader` produces CPU tensors);
# - `model.train()` switches the model to training mode. This network behaves the same in both
#   modes, but layers such as dropout and batch normalisation do not, so it is a good habit.
#
# `tqdm` wraps the loop over epochs in a progress bar that also shows the mean loss of the last
# epoch, and each batch's loss is kept for a plot.

# %% tags=["nbval-ignore-output"]
loss_fn = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
n_epochs = 15
batch_losses = []

model.train()
progress = tqdm(range(n_epochs), desc=tr("epochs"), file=sys.stdout, mininterval=1)
for epoch in progress:
    for batch_images, batch_labels in train_loader:
        batch_images, batch_labels = batch_images.to(device), batch_labels.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(batch_images), batch_labels)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    progress.set_postfix(mean_loss=f"{np.mean(batch_losses[-len(train_loader):]):.4f}", refresh=False)

# %% [markdown]
# The loss of single batches jumps around (each batch holds different digits), but its average per
# epoch falls steadily:

# %%
epoch_means = np.array(batch_losses).reshape(n_epochs, -1).mean(axis=1)
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(batch_losses, alpha=0.3, label=tr_plot("one batch"))
ax.plot((np.arange(n_epochs) + 1) * len(train_loader), epoch_means, "o-", label=tr_plot("mean of an epoch"))
ax.set_xlabel(tr_plot("training step (batch)"))
ax.set_ylabel(tr_plot("cross-entropy loss"))
ax.set_yscale("log")
ax.legend()
plt.show()
print(tr("the last epoch's loss is below a tenth of the first's:"), epoch_means[-1] < epoch_means[0] / 10)


# %% [markdown]
# ### Exercise 4.1: the training loop as a function
#
# Write `train_one_epoch(model, loader, optimizer, loss_fn)` that trains `model` for one epoch and
# returns the **mean of the batch losses** as a Python `float`. It must
#
# 1. put the model in training mode,
# 2. for each batch from `loader`: move images and labels to `device`, clear the old gradients,
#    compute the loss, backpropagate and update,
# 3. return the average of the batches' `loss.item()` values.
#
# The check hands it a model that is in evaluation mode and still carries a stale gradient.

# %% nbgrader={"grade": false, "grade_id": "training-epoch", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_one_epoch(model, loader, optimizer, loss_fn):
    ### BEGIN SOLUTION
    model.train()  # training mode, whatever came before
    losses = []
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()  # no gradient from the previous batch
        batch_loss = loss_fn(model(inputs), targets)
        batch_loss.backward()
        optimizer.step()  # update with this batch's gradient
        losses.append(batch_loss.item())
    return sum(losses) / len(losses)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "training-epoch-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# one epoch over one batch of 16 training images, with a model left in evaluation mode with a stale
# gradient: it must return that batch's loss and leave the model one SGD step (lr=0.1) further
check_function("train_one_epoch",
               one_epoch_cases(train_set.images[:16], train_set.labels[:16], device=device, seed=40, lr=0.1),
               check_mutation=False)


def trains_on_device(train_one_epoch):
    """False when train_one_epoch hands the model a batch that is not on `device`, tried with the
    notebook's `device` set to PyTorch's "meta" device (a stand-in for a GPU: shapes, no values) and a
    model there; a right answer stops where it reads a loss (.item()) there."""
    notebook = getattr(train_one_epoch, "__globals__", None)
    if notebook is None:
        return True
    saved = notebook.get("device")
    notebook["device"] = torch.device("meta")
    meta_model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).to("meta")
    batches = DataLoader(TensorDataset(torch.zeros(6, 1, 8, 8), torch.zeros(6, dtype=torch.long)), batch_size=4)
    try:
        train_one_epoch(meta_model, batches, optim.SGD(meta_model.parameters(), lr=0.1), nn.CrossEntropyLoss())
    except Exception as error:
        return "expected device" not in str(error) and "same device" not in str(error)
    finally:
        notebook["device"] = saved
    return True


check_that("train_one_epoch", trains_on_device,
           "does not move the images and labels of each batch to device (tried with device set to PyTorch's 'meta' device).",
           hint="move each batch to device before it reaches the model.", quiet=True)
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(41))
_model = nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.ReLU(), nn.Linear(12, 10)).to(device)
_twin = copy.deepcopy(_model)
_loader = DataLoader(TensorDataset(test_set.images[:30], test_set.labels[:30]), batch_size=10)
_opt, _twin_opt = optim.SGD(_model.parameters(), lr=0.2), optim.SGD(_twin.parameters(), lr=0.2)
_expected = []
for _ in range(2):
    _twin.train()
    _losses = []
    for _x, _y in _loader:
        _twin_opt.zero_grad()
        _l = nn.CrossEntropyLoss()(_twin(_x.to(device)), _y.to(device))
        _l.backward()
        _twin_opt.step()
        _losses.append(_l.item())
    _expected.append(sum(_losses) / len(_losses))
_args = (_model, _loader, _opt, nn.CrossEntropyLoss())
_cases = [Case(_args, _expected[0]),
          Case(_args, _expected[1], after={0: {"params": [p.detach().clone() for p in _twin.parameters()], "atol": 1e-5}},
               problem="does not train the model correctly over several batches.")]
check_function("train_one_epoch", _cases, check_mutation=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. How good is it?
#
# Accuracy on the training images says little: a large enough network can memorise them. What
# matters is accuracy on the **test** images, which played no part in training.
#
# Two switches matter when evaluating, and they are independent of each other:
#
# - `model.eval()` (the counterpart of `model.train()`) changes how some layers compute: dropout
#   stops dropping, batch normalisation uses the statistics it collected in training. It does not
#   stop autograd from recording.
# - `torch.no_grad()` stops autograd from recording, since no gradients are needed, which saves
#   memory and time. It changes no layer. `torch.inference_mode()` is a stricter variant: faster
#   still, but its results can never enter a graph later.
#
# Evaluation wants both. The prediction is the class with the largest logit, `argmax` along
# dimension 1.

# %%
def predict(model, images):
    """The predicted digit for each image of a batch, as a CPU tensor."""
    model.eval()
    with torch.no_grad():
        return model(images.to(device)).argmax(dim=1).cpu()


test_predictions = predict(model, test_set.images)
correct = test_predictions == test_set.labels
test_accuracy = correct.float().mean().item()
print(tr("test accuracy >= 0.95:"), test_accuracy >= 0.95)

# %% [markdown]
# The exact figure can differ by an image or two between a CPU and a GPU run (their arithmetic
# rounds differently, and the differences grow over hundreds of steps), so the course only stores
# the statement above. Here is the figure from your run:

# %% tags=["nbval-ignore-output"]
n_correct = int(correct.sum())
print(tr(f"test accuracy: {test_accuracy:.3f} ({n_correct} of {len(test_set)} test images)"))


# %% [markdown]
# ### Exercise 5.1: accuracy
#
# Write `accuracy(logits, labels)`: given a batch of logits (shape `N x classes`) and the true class
# indices (shape `N`), return the fraction of rows whose largest logit is at the true class, as a
# Python `float` between 0 and 1.

# %% nbgrader={"grade": false, "grade_id": "training-accuracy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def accuracy(logits, labels):
    ### BEGIN SOLUTION
    return (logits.argmax(dim=1) == labels).float().mean().item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "training-accuracy-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_function("accuracy", [
    ((torch.tensor([[2.0, 0.1, 0.3], [0.2, 1.5, 0.1], [0.0, 0.1, 0.9], [1.0, 3.0, 0.0]]), torch.tensor([0, 1, 2, 0])), 0.75),
])
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(51))
_logits, _labels = torch.randn(50, 10), torch.randint(0, 10, (50,))
check_function("accuracy", [((_logits, _labels), (_logits.argmax(1) == _labels).sum().item() / 50),
                            ((torch.eye(4), torch.arange(4)), 1.0),
                            ((torch.eye(3), torch.tensor([2, 0, 1])), 0.0)], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Where does it go wrong?
#
# A **confusion matrix** counts, for each true digit (row), how often each digit was predicted
# (column). A perfect classifier has numbers only on the diagonal; the cells off the diagonal show
# which digits get mixed up. `torch.bincount` builds it in one line by numbering each
# (true, predicted) pair as `10 * true + predicted`.

# %%
confusion = torch.bincount(10 * test_set.labels + test_predictions, minlength=100).view(10, 10)
print(int(confusion.sum()) == len(test_set), int(confusion.trace()) == int(correct.sum()))

fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(confusion, cmap="Blues")
for true_digit in range(10):
    for predicted_digit in range(10):
        count = int(confusion[true_digit, predicted_digit])
        if count:
            ax.text(predicted_digit, true_digit, count, ha="center", va="center",
                    color="white" if count > 20 else "black", fontsize=8)
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel(tr_plot("predicted digit"))
ax.set_ylabel(tr_plot("true digit"))
ax.set_title(tr_plot("confusion matrix on the test set"))
plt.show()

# %% [markdown]
# And the misclassified images themselves, with what the model thought they were. Several are hard
# to read even for a person.

# %%
wrong = torch.nonzero(~correct).flatten()
print(tr("fewer than 5% of the test images are misclassified:"), len(wrong) < 0.05 * len(test_set))

fig, axes = plt.subplots(1, 8, figsize=(10, 1.9), layout="constrained")
for ax in axes:
    ax.axis("off")
for ax, index in zip(axes, wrong[:8].tolist()):
    ax.imshow(test_set.images[index, 0], cmap="gray_r", vmin=0, vmax=1)
    true_digit, predicted_digit = int(test_set.labels[index]), int(test_predictions[index])
    ax.set_title(tr_plot(f"{true_digit} as {predicted_digit}"), fontsize=9)
fig.suptitle(tr_plot("misclassified test images: true as predicted"))
plt.show()

# %% [markdown]
# ### Exercise 5.2: a whole training run as a function
#
# Write `fit(model, loader, optimizer, loss_fn, n_epochs)`, which trains `model` for `n_epochs`
# epochs over `loader` with the optimizer and loss function it is given (your `train_one_epoch` does
# one epoch) and returns the mean batch loss of the **last** epoch as a Python `float`.
#
# The check calls `fit` on a fresh model of its own, and compares the weights that model ends with
# against those of the training run asked for.

# %% nbgrader={"grade": false, "grade_id": "training-fit-loop", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fit(model, loader, optimizer, loss_fn, n_epochs):
    ### BEGIN SOLUTION
    for _ in range(n_epochs):
        last_loss = train_one_epoch(model, loader, optimizer, loss_fn)
    return last_loss
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "training-fit-loop-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def trains_the_model_it_is_given(fit):
    """True when fit(model, ...) changes the parameters of the very model it was given."""
    linear = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).to(device)
    before = [p.detach().clone() for p in linear.parameters()]
    loader = DataLoader(TensorDataset(train_set.images[:32], train_set.labels[:32]), batch_size=16)
    try:
        fit(linear, loader, optim.SGD(linear.parameters(), lr=0.1), nn.CrossEntropyLoss(), 2)
    except NotImplementedError:
        raise
    except Exception:   # an error is for the checks below to report
        return True
    return all(not torch.equal(p.detach(), q) for p, q in zip(linear.parameters(), before))


check_that("fit", trains_the_model_it_is_given, "leaves the parameters of the model it is given unchanged.",
           hint="train the model passed as argument, with the optimizer passed as argument.",
           summary="trains the model it is given")
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(61))
_model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10)).to(device)
_twin = copy.deepcopy(_model)
_loader = DataLoader(TensorDataset(test_set.images[:40], test_set.labels[:40]), batch_size=8)
_twin_optimizer = optim.Adam(_twin.parameters(), lr=0.01)
_batches = [(_x.to(device), _y.to(device)) for _x, _y in _loader]
_losses = []
for _x, _y in _batches * 3:   # three epochs, one step per batch
    _twin_optimizer.zero_grad()
    _l = nn.CrossEntropyLoss()(_twin(_x), _y)
    _l.backward()
    _twin_optimizer.step()
    _losses.append(_l.item())
_args = (_model, _loader, optim.Adam(_model.parameters(), lr=0.01), nn.CrossEntropyLoss(), 3)
check_function("fit", [Case(_args, sum(_losses[-len(_batches):]) / len(_batches),
                            after={0: {"params": [p.detach().clone() for p in _twin.parameters()], "atol": 1e-5}},
                            problem="does not leave the model it is given trained for n_epochs epochs.")],
               check_mutation=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5.3: train your own model
#
# Create `my_model`, a **new** network that maps `batch x 1 x 8 x 8` images to 10 logits (a fresh
# `DigitNet`, or a design of your own), move it to `device`, and train it with your `fit` on
# `train_loader` and an optimizer of your choice until it classifies at least **95%** of the
# training images correctly. Seed it with `torch.manual_seed`, so that its starting weights are the
# same on every run of the notebook. (Rerunning this one cell alone still trains a little differently:
# `train_loader`'s generator carries on from where its last epoch left it.)
#
# `my_model` must be a model you trained: `model` from section 4, or a copy of its weights, does not
# count. When grading, `my_model` is also tested on the held-out test images: it must reach 95%
# there too.

# %% nbgrader={"grade": false, "grade_id": "training-fit", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
torch.manual_seed(7)
my_model = DigitNet().to(device)
my_last_loss = fit(my_model, train_loader, optim.SGD(my_model.parameters(), lr=0.05, momentum=0.9),
                   nn.CrossEntropyLoss(), 15)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "training-fit-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def is_a_model_of_your_own(candidate):
    """True unless candidate is model, or holds one of model's parameter tensors or a copy of one."""
    if candidate is model:
        return False
    return not any(p.data_ptr() == q.data_ptr() or (p.shape == q.shape and torch.equal(p.detach().cpu(), q.detach().cpu()))
                   for p in candidate.parameters() for q in model.parameters())


check_module("my_model", input_shape=(2, 1, 8, 8), output_shape=(2, 10), quiet=True)
check_that("my_model", is_a_model_of_your_own, "holds the parameters of model, the network trained in section 4.",
           hint="create a new network (for example DigitNet().to(device)) and train it with fit.", quiet=True)
check_module("my_model", inputs=train_set.images, labels=train_set.labels, min_accuracy=0.95,
             problem="classifies fewer than 95% of the training images correctly.",
             hint="train for more epochs, or try another learning rate; check that the loss fit returns falls.",
             summary="a model of your own, trained to at least 95% of the training images right")
### BEGIN HIDDEN TESTS
check_module("my_model", inputs=test_set.images, labels=test_set.labels, min_accuracy=0.95,
             problem="classifies fewer than 95% of the test images correctly.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Saving and loading a model
#
# A model's learned state is its `state_dict()`: an ordered dictionary from parameter (and buffer)
# names to tensors. Saving that, rather than the whole Python object, keeps the file independent of
# where the class was defined. To load it, build a fresh instance of the same class and call
# `load_state_dict`; `map_location` puts the tensors on the device you choose, whatever device
# they were saved from.
#
# The checkpoint goes into a temporary folder here, so that running the notebook leaves no files
# behind.

# %%
checkpoint_dir = Path(tempfile.mkdtemp())
checkpoint = checkpoint_dir / "digitnet.pt"
torch.save(model.state_dict(), checkpoint)
print(list(model.state_dict()))

reloaded = DigitNet().to(device)
print(reloaded.load_state_dict(torch.load(checkpoint, map_location=device)))
reloaded.eval()
print(torch.equal(predict(reloaded, test_set.images), test_predictions))

# %% [markdown]
# By default (`strict=True`) `load_state_dict` raises an error when a key is missing from the file
# or not in the model; what it returns, printed above, lists both kinds of key (none here), which
# matters with `strict=False`, where it loads what matches and skips the rest.
#
# `torch.load` reads with `weights_only=True` by default (since PyTorch 2.6): it rebuilds tensors,
# numbers, strings and plain containers, never arbitrary Python objects, so loading a file from
# someone else cannot run their code. A whole module saved with `torch.save(model, path)` does not
# load this way; a `state_dict` does. A reloaded model used for
# predictions should be switched to evaluation mode with `eval()`, as above: the mode is not part of
# the `state_dict`, and layers such as dropout behave differently in training mode.
#
# `torch.save` and `torch.load` accept a file object as well as a path. An `io.BytesIO` is a file
# that lives in memory, handy to keep a checkpoint without touching the disk (or to send one over a
# network); after writing, `seek(0)` goes back to its start so that it can be read:

# %%
in_memory = io.BytesIO()
torch.save(model.state_dict(), in_memory)
in_memory.seek(0)
print(list(torch.load(in_memory)) == list(model.state_dict()))

# %% [markdown]
# ### Exercise 6.1: save and restore
#
# 1. Write `restore(model, source)` that loads the `state_dict` saved in `source` (a path or a file
#    object: `torch.load` takes both) into `model`, in place, and switches `model` to evaluation
#    mode. It returns nothing.
# 2. Save the `state_dict` of `model` (the network trained in section 4) to the path
#    `exercise_checkpoint`, then create `model_copy`: a **new** `DigitNet` on `device` that you
#    `restore` from that file. Afterwards `model_copy` must predict exactly like `model`.
#
# The check hands `restore` a checkpoint of its own, held in an `io.BytesIO`, and a network with other
# weights: afterwards that network must hold the saved weights, which only reading the checkpoint
# can give it.

# %%
exercise_checkpoint = checkpoint_dir / "exercise.pt"

# %% nbgrader={"grade": false, "grade_id": "training-save-load", "locked": false, "schema_version": 3, "solution": true, "task": false}
def restore(model, source):
    ### BEGIN SOLUTION
    model.load_state_dict(torch.load(source, map_location=device))
    model.eval()
    ### END SOLUTION


### BEGIN SOLUTION
torch.save(model.state_dict(), exercise_checkpoint)
model_copy = DigitNet().to(device)
restore(model_copy, exercise_checkpoint)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "training-save-load-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def holds_state_dict_of_model(path):
    """True when path holds a state_dict (not a pickled module) with model's keys and values."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:
        return False
    want = model.state_dict()
    return isinstance(saved, dict) and list(saved) == list(want) and all(
        torch.equal(saved[k], want[k].cpu()) for k in want)


torch.manual_seed(70)
saved = DigitNet().state_dict()          # a checkpoint of the check's own
checkpoint_in_memory = io.BytesIO()
torch.save(saved, checkpoint_in_memory)
checkpoint_in_memory.seek(0)
other_weights = DigitNet().to(device)    # other random weights, in training mode
check_function("restore", [
    Case((other_weights, checkpoint_in_memory), None, after={0: {"params": list(saved.values()), "training": False}},
         problem="restore(model, source) does not leave model holding the state_dict saved in source.",
         hint="read the checkpoint with torch.load(source) and copy it into model with load_state_dict.")
], check_mutation=False, quiet=True)
check_that("model_copy", lambda m: isinstance(m, DigitNet) and m is not model,
           "must be a new DigitNet instance, not model itself.", quiet=True)
check_that("exercise_checkpoint", holds_state_dict_of_model, "does not hold the state_dict of model.",
           hint="torch.save(model.state_dict(), path) saves the parameters; torch.save(model, path) pickles the whole module.",
           quiet=True)
check_that("model_copy", lambda m: all(torch.equal(a, b) for a, b in zip(m.state_dict().values(), model.state_dict().values())),
           "does not hold the parameters of model.", hint="load the saved file with torch.load and pass it to load_state_dict.",
           summary="a new DigitNet with the saved parameters")
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(71))
_saved = DigitNet().state_dict()
_source = io.BytesIO()
torch.save(_saved, _source)
_source.seek(0)
check_function("restore", [Case((DigitNet().to(device), _source), None,
                                after={0: {"params": list(_saved.values()), "training": False}},
                                problem="does not load the checkpoint it is given.")],
               check_mutation=False, hidden=True)
check_that("model_copy", lambda m: torch.equal(predict(m, test_set.images), test_predictions),
           "does not predict like model.", hidden=True)
check_that("model_copy", lambda m: all(p.data_ptr() != q.data_ptr() for p, q in zip(m.parameters(), model.parameters())),
           "shares its parameter tensors with model instead of holding loaded copies.", hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# - A `Dataset` returns one example as tensors; a `DataLoader` batches and (with a seeded
#   `torch.Generator`) reproducibly shuffles them.
# - The training loop: for each epoch, for each batch, move it to the device, `zero_grad`, forward,
#   loss, `backward`, `step`. Start it with `model.train()`.
# - Evaluate with `model.eval()` and `torch.no_grad()`, on test data the model never trained on.
# - A confusion matrix and the misclassified examples show *how* a model fails, not just how often.
# - Save `model.state_dict()` with `torch.save` (to a path or a file object); restore with
#   `load_state_dict(torch.load(...))` into a fresh instance of the same class, then `eval()` it.
