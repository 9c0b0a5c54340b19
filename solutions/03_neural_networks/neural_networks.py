# %% [markdown]
# # Chapter 3 · Neural networks with `torch.nn`
#
# Chapter 2 showed that autograd records how a tensor was computed and can send gradients back
# through that record. `torch.nn` builds on it: a network is an `nn.Module` that owns its
# parameters (tensors with `requires_grad=True`) and describes, in a method called `forward`, how an
# input becomes an output. Autograd does the rest.
#
# Training any network follows the same six steps, and this chapter walks through each of them once,
# by hand, on a small image classifier:
#
# 1. define a network that has trainable parameters;
# 2. iterate over a data set of inputs;
# 3. push each input through the network (the *forward pass*);
# 4. measure how far the output is from the target (the *loss*);
# 5. propagate gradients of the loss back to the parameters (`backward()`);
# 6. update each parameter, in the simplest case by
#    `weight = weight - learning_rate * gradient`.
#
# Chapter 4 then runs these steps in a loop over real handwritten digits.
#
# The networks here are tiny, so this chapter keeps everything on the CPU; chapter 4 shows how to
# move a model and its data to a GPU.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from matplotlib.patches import Rectangle
from torch.fx import symbolic_trace
from torch.fx.passes.shape_prop import ShapeProp

from autograder import (Case, check_function, check_module, check_tensor, check_that, check_value, hidden_seed,
                        tr_plot, train_step_cases)


# %% [markdown]
# ## 1. Defining a network
#
# The network below is a LeNet-style classifier for 32x32 grayscale images of digits. The image
# passes through two *stages*, each a convolution followed by a ReLU and a 2x2 max-pooling, and then
# through three fully connected (linear) layers; the last one outputs 10 numbers, one score per digit.
#
# Layers that hold parameters are created in `__init__` and stored as attributes, which registers
# them with the module. Operations without parameters are simply called in `forward`: the ReLU and
# the max-pooling come from `torch.nn.functional`, the flattening from `torch` itself
# (`torch.flatten`). You never write a `backward` method: autograd derives it from what `forward`
# did.

# %%
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        # 1 input channel, 6 output channels, 5x5 kernels
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # y = x W^T + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # a square window can be given as one number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)                      # keep the batch dimension, flatten the rest
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


torch.manual_seed(0)
net = Net()
print(net)

# %% [markdown]
# ### Following the shapes through the network
#
# Each convolution without padding trims its kernel size minus one from the height and the width
# (5x5 kernels: 32 becomes 28), and each 2x2 pooling halves them. Rather than trust that
# arithmetic, let PyTorch report the shapes: `torch.fx.symbolic_trace` records the operations that
# `forward` performs, and `ShapeProp` runs that record on an example input, noting the shape of
# every intermediate result. The function below lists them per example (the batch dimension left
# out), attaching an operation that keeps the shape, such as a ReLU, to the one before it.

# %%
def network_stages(model, example):
    """[(operations, shape of one example after them)] for model's forward on example, traced with torch.fx."""
    traced = symbolic_trace(model)
    ShapeProp(traced).propagate(example)
    stages = []
    for node in traced.graph.nodes:
        if node.op == "output":
            break
        shape = tuple(node.meta["tensor_meta"].shape[1:])
        name = node.target if node.op == "call_module" else getattr(node.target, "__name__", node.name)
        if node.op == "placeholder":
            stages.append((["input"], shape))
        elif len(stages) > 1 and shape == stages[-1][1]:
            stages[-1][0].append(name)
        else:
            stages.append(([name], shape))
    return [(" + ".join(ops), shape) for ops, shape in stages]


net_stages = network_stages(net, torch.zeros(1, 1, 32, 32))
for ops, shape in net_stages:
    print(f"{ops:14} {' x '.join(map(str, shape))}")

# %% [markdown]
# The same stages as a picture, drawn from the list above: an image-like tensor is a stack of
# squares (one per channel, at most six drawn) whose size follows its height, a flat vector is a bar
# whose height follows its length. Change `Net`, run these cells again, and the picture follows.

# %%
def draw_network(ax, stages):
    """Draw each stage's tensor as a block and the operations between them as labelled arrows."""
    x = previous = 0.0
    for index, (ops, shape) in enumerate(stages):
        if len(shape) == 3:
            channels, height, width = shape
            side = 2.2 * height / 32
            for k in range(min(channels, 6)):
                ax.add_patch(Rectangle((x + 0.07 * k, 0.07 * k - side / 2), side * width / height, side,
                                       facecolor="#9ecae1", edgecolor="#08519c", lw=0.8))
            right = x + 0.07 * (min(channels, 6) - 1) + side * width / height
        else:
            height = max(0.3, 2.6 * shape[0] / 400)
            ax.add_patch(Rectangle((x, -height / 2), 0.25, height, facecolor="#fdae6b", edgecolor="#a63603", lw=0.8))
            right = x + 0.25
        ax.text((x + right) / 2, -1.55, " x ".join(map(str, shape)), ha="center", va="top", fontsize=8)
        if index:
            ax.annotate("", xy=(x - 0.08, 0), xytext=(previous + 0.08, 0), arrowprops={"arrowstyle": "->"})
            ax.text((previous + x) / 2, 0.15, ops.replace(" + ", "\n+ "), ha="center", va="bottom", fontsize=8)
        previous, x = right, right + 1.4
    ax.set_xlim(-0.2, x - 1.2)
    ax.set_ylim(-1.9, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")


fig, ax = plt.subplots(figsize=(11, 2.8), layout="constrained")
draw_network(ax, net_stages)
ax.set_title(tr_plot("Net on one 1 x 32 x 32 image: each block is the tensor after the operations on the "
                     "arrow before it"),
             fontsize=9)
plt.show()

# %% [markdown]
# ### The parameters
#
# `net.parameters()` yields every parameter registered in the module and its submodules, layer by
# layer, including any frozen with `requires_grad=False` (none here): a weight and a
# bias for each of the five layers, so ten tensors. The weight of `conv1` holds 6 filters, each
# with 1 input channel and a 5x5 window.

# %%
params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's weight
print(net.conv1.weight.shape == params[0].shape)

# %% [markdown]
# `named_parameters()` adds the attribute names, and adding up `numel()` gives the size of the
# model: about 62 thousand numbers, most of them in `fc1`.

# %%
for name, p in net.named_parameters():
    print(f"{name:12} {str(tuple(p.shape)):16} {p.numel():6}")
print("total", sum(p.numel() for p in net.parameters()))

# %% [markdown]
# ### Exercise 1.1: count what will be trained
#
# A parameter can be *frozen* with `p.requires_grad_(False)`: it stays in `parameters()` but the
# optimizer will not change it. Write `count_trainable(model)` that returns, as a Python `int`, the
# number of **elements** (not tensors) in the parameters of `model` that require a gradient.

# %% nbgrader={"grade": false, "grade_id": "neural-count-trainable", "locked": false, "schema_version": 3, "solution": true, "task": false}
def count_trainable(model):
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "neural-count-trainable-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_function("count_trainable", [((nn.Linear(3, 2),), 8), ((nn.Conv2d(1, 6, 5),), 156)])
### BEGIN HIDDEN TESTS
_frozen = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 4))
_frozen[0].requires_grad_(False)
check_function("count_trainable", [((Net(),), 61706), ((_frozen,), 84)], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### A forward pass
#
# Call the module like a function: `net(x)` goes through `nn.Module.__call__`, which runs `forward`
# together with any hooks registered on the module (with `register_forward_hook` and its relatives,
# as profilers and debugging tools do). Calling `net.forward(x)` yourself would skip those hooks. The
# input is a random stand-in for an image, with shape `(1, 1, 32, 32)`: one image, one channel,
# 32 rows, 32 columns. The output holds the 10 scores.

# %%
torch.manual_seed(1)
input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

# %% [markdown]
# `out` is not a leaf: it was computed from the parameters, so it has a `grad_fn` and can send a
# gradient back. Resetting the gradient of every parameter first (`zero_grad()` sets each `.grad`
# to `None`) and then calling `backward`
# with a random vector of 10 numbers (the gradient of some imaginary loss with respect to `out`)
# fills `.grad` for all ten parameter tensors.

# %%
net.zero_grad()
torch.manual_seed(2)
out.backward(torch.randn(1, 10))
print(all(p.grad is not None for p in net.parameters()))
print(net.conv1.bias.grad)

# %% [markdown]
# ### Why the extra dimension? Mini-batches
#
# The input above had shape `(1, 1, 32, 32)`: its first dimension counts the examples, here a
# **mini-batch** of one. Networks are trained and run on mini-batches because processing many
# examples at once is what makes GPUs fast, and averaging the gradient over a batch makes training
# steadier.
#
# Many layers accept a single example as well. Since PyTorch 1.11, `nn.Conv2d` takes an unbatched
# `channels x height x width` tensor as well as a batched `batch x channels x height x width` one,
# and `nn.Linear` takes any shape whose last dimension holds the features, `(*, in_features)`.
# What needs the batch dimension is this network's own `forward`: `torch.flatten(x, 1)` flattens
# from dimension 1 on, taking dimension 0 to be the batch. Given a single `1 x 32 x 32` image, the
# convolutions and poolings work and produce `16 x 5 x 5`; the flattening then keeps the 16 channels
# apart, as if they were 16 examples of 25 numbers each, and `fc1`, which expects 400 numbers per
# example, refuses them:

# %%
torch.manual_seed(3)
one_image = torch.randn(1, 32, 32)   # channels x height x width
try:
    net(one_image)
except RuntimeError as error:
    print("RuntimeError:", error)

# %% [markdown]
# `unsqueeze(0)` inserts a dimension of size 1 in front, which turns the image into a batch of one.
# Its output then has a batch dimension too, and a batch of four gives four rows of scores.

# %%
batch = one_image.unsqueeze(0)       # 1 x channels x height x width
print(one_image.shape, "->", batch.shape)
print(net(batch).shape)

torch.manual_seed(4)
four_images = torch.randn(4, 1, 32, 32)
print(net(four_images).shape)

# %% [markdown]
# ### Exercise 1.2: scores for one image
#
# A batch goes in, a batch comes out: for one image, `net` returns scores of shape `(1, 10)`. Write
# `scores_of_one(model, image)` that runs `model` (any network that, like `net`, needs a batch) on a
# **single** example `image` and returns that example's scores without any batch dimension: for
# `net` and a `1 x 32 x 32` image, a tensor of shape `(10,)`. Use the model's output as it is (its
# values, and the graph that leads to them); do not change `image`. The answer cell then applies it
# to `digit`, a crude drawing of a "1".

# %%
digit = torch.zeros(1, 32, 32)
digit[0, 6:26, 14:18] = 1.0      # a crude "1"

# %% nbgrader={"grade": false, "grade_id": "neural-batch-one", "locked": false, "schema_version": 3, "solution": true, "task": false}
def scores_of_one(model, image):
    ### BEGIN SOLUTION
    return model(image.unsqueeze(0))[0]  # a batch of one in, its only row out
    ### END SOLUTION


digit_scores = scores_of_one(net, digit)

# %% nbgrader={"grade": true, "grade_id": "neural-batch-one-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("digit_scores", net(digit[None])[0].detach(), grad_fn=True)
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(10))
_small = nn.Sequential(nn.Conv2d(3, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 4))
_image = torch.randn(3, 8, 8)
check_function("scores_of_one", [((_small, _image), _small(_image[None])[0].detach()),
                                 ((net, digit), net(digit[None])[0].detach())], grad_fn=True, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 1.3: a module to a specification
#
# Chapter 4 trains on real digits that are only 8 x 8 pixels. Complete the class `TinyConvNet`, a
# subclass of `nn.Module` for inputs of shape `batch x 1 x 8 x 8` (the cell below creates one
# instance of it, `tiny_net`). Its `forward` does, in this order:
#
# 1. a convolution from 1 to 8 channels with 3x3 kernels and `padding=1` (the 8x8 size is kept),
# 2. a ReLU,
# 3. a 2x2 max-pooling (8x8 becomes 4x4),
# 4. flattening everything but the batch dimension,
# 5. one linear layer to 10 outputs.
#
# Create the two layers in `__init__` in the order they are used (convolution first). The answer
# cell seeds the random number generator before it creates `tiny_net`, so its starting weights are
# known: besides counting parameters and checking the output's shape, the check compares what
# `tiny_net` computes on random images with the result of the specification above.

# %% nbgrader={"grade": false, "grade_id": "neural-define-module", "locked": false, "schema_version": 3, "solution": true, "task": false}
class TinyConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 10)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(torch.flatten(x, 1))
        ### END SOLUTION


torch.manual_seed(0)   # known starting weights: the check rebuilds them
tiny_net = TinyConvNet()

# %% nbgrader={"grade": true, "grade_id": "neural-define-module-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check_module("tiny_net", input_shape=(2, 1, 8, 8), output_shape=(2, 10), n_param_tensors=4, n_params=1370)
### BEGIN HIDDEN TESTS
check_that("TinyConvNet", lambda cls: isinstance(cls, type) and issubclass(cls, nn.Module),
           "is not a subclass of nn.Module.", hidden=True)
check_module("tiny_net", input_shape=(5, 1, 8, 8), output_shape=(5, 10), n_params=1370, hidden=True)
torch.manual_seed(hidden_seed(11))
_images = torch.rand(6, 1, 8, 8)
torch.manual_seed(0)   # the layers of the specification, with the starting weights of the answer cell
_conv, _fc = nn.Conv2d(1, 8, 3, padding=1), nn.Linear(8 * 4 * 4, 10)
_want = _fc(torch.flatten(F.max_pool2d(F.relu(_conv(_images)), 2), 1)).detach()
check_function("tiny_net", [((_images,), _want)], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### `nn.Sequential`: when `forward` is a straight line
#
# `TinyConvNet.forward`, like `Net.forward`, only passes its input through one step after another.
# For such networks `nn.Sequential` saves writing a class: it holds modules in a list and its
# `forward` calls them in order, each on the previous one's output. The functions called in
# `forward` become modules here: `nn.ReLU()`, `nn.MaxPool2d(2)` and `nn.Flatten()`, which, like
# `torch.flatten(x, 1)`, keeps dimension 0 as the batch.
#
# Here is `Net` as a `Sequential`:

# %%
seq_net = nn.Sequential(
    nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
    nn.Linear(120, 84), nn.ReLU(),
    nn.Linear(84, 10),
)
print(seq_net[0])
print([name for name, _ in seq_net.named_parameters()][:4])

# %% [markdown]
# Its modules are numbered, so `seq_net[0]` is the first convolution and its parameters are named
# `0.weight`, `0.bias`, `3.weight`, ... They come in the same order as `net`'s, and copying `net`'s
# values into them (inside `no_grad()`, since this is not part of any computation to differentiate)
# makes the two networks compute the same scores:

# %%
with torch.no_grad():
    for mine, theirs in zip(seq_net.parameters(), net.parameters()):
        mine.copy_(theirs)
print(torch.equal(seq_net(input), net(input)))

# %% [markdown]
# A `Sequential` is enough when the data flows along one line, even through the same layer twice
# (one module object may appear at two positions, and then both share its parameters). A network
# whose `forward` branches, or adds an input back to a later result (as residual networks do),
# needs a `forward` of its own.
#
# ### Exercise 1.4: `TinyConvNet` as a `Sequential`
#
# Set `tiny_seq` to an `nn.Sequential` that computes the same five steps as `TinyConvNet`, built
# from `torch.nn` layers only. The answer cell seeds the random number generator with the same
# seed as before, so if you create the layers in the order of the steps, `tiny_seq` starts with
# exactly the weights of `tiny_net`.

# %% nbgrader={"grade": false, "grade_id": "neural-sequential", "locked": false, "schema_version": 3, "solution": true, "task": false}
torch.manual_seed(0)   # the same starting weights as tiny_net's
### BEGIN SOLUTION
tiny_seq = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "neural-sequential-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_that("tiny_seq", lambda s: isinstance(s, nn.Sequential), "is not an nn.Sequential.", quiet=True)
check_that("tiny_seq", lambda s: all(type(m).__module__.startswith("torch.nn.modules") for m in s.modules()),
           "contains a module that is not a torch.nn layer.",
           hint="chain nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.Flatten and nn.Linear; do not wrap TinyConvNet.", quiet=True)
check_module("tiny_seq", input_shape=(2, 1, 8, 8), output_shape=(2, 10), n_param_tensors=4, n_params=1370)
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(12))
_images = torch.rand(6, 1, 8, 8)
torch.manual_seed(0)   # the answer cell's seed: the layers of the specification with tiny_seq's starting weights
_conv, _fc = nn.Conv2d(1, 8, 3, padding=1), nn.Linear(8 * 4 * 4, 10)
_want = _fc(torch.flatten(F.max_pool2d(F.relu(_conv(_images)), 2), 1)).detach()
check_function("tiny_seq", [((_images,), _want)], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### `nn.Parameter`: a module's own tensors
#
# The layers keep their weights in `nn.Parameter` objects. A `Parameter` is a tensor (with
# `requires_grad=True` unless told otherwise) that registers itself with the module it is assigned
# to as an attribute: it then appears in `parameters()`, which is what optimizers are given, is
# saved in the module's `state_dict()` and moves along with `.to(device)`. A plain tensor stored as
# an attribute gets none of that: it is a constant the module happens to hold.

# %%
class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.tensor(2.0))   # registered: trained and saved
        self.offset = torch.tensor(1.0)                # a plain tensor: neither

    def forward(self, x):
        return self.gain * x + self.offset


scale = Scale()
print([name for name, _ in scale.named_parameters()], list(scale.state_dict()))
scale(torch.tensor([1.0, 2.0])).sum().backward()
print(scale.gain.grad, scale.offset.grad)

# %% [markdown]
# The gradient reached `gain` (1 + 2 = 3), while `offset` has none and no optimizer would ever see
# it. (A tensor that belongs to the module's state without being trained, such as the running mean
# of a batch normalisation layer, is registered with `self.register_buffer(name, tensor)` instead:
# it is saved and moved, but not handed to optimizers.)
#
# ### Exercise 1.5: a linear layer by hand
#
# Complete `Affine`, a hand-made `nn.Linear`. Its `__init__(self, weight, bias)` receives the
# starting values, a tensor of shape `out_features x in_features` and one of `out_features`, and
# registers them as parameters named `weight` and `bias`. Its `forward(x)` returns
# `x @ weight.T + bias`, computed with those parameters, so that a gradient reaches them.

# %% nbgrader={"grade": false, "grade_id": "neural-parameter", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Affine(nn.Module):
    def __init__(self, weight, bias):
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(bias)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return x @ self.weight.T + self.bias
        ### END SOLUTION


torch.manual_seed(6)
affine = Affine(torch.randn(2, 3), torch.randn(2))

# %% nbgrader={"grade": true, "grade_id": "neural-parameter-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_that("affine", lambda m: sorted(name for name, _ in m.named_parameters()) == ["bias", "weight"],
           "does not have two parameters named weight and bias.",
           hint="assign nn.Parameter(...) objects to self.weight and self.bias.", quiet=True)
check_module("affine", input_shape=(4, 3), output_shape=(4, 2), n_param_tensors=2, n_params=8)
### BEGIN HIDDEN TESTS
torch.manual_seed(6)   # the answer cell's seed: the starting values affine was given
_weight, _bias = torch.randn(2, 3), torch.randn(2)
torch.manual_seed(hidden_seed(13))
_x = torch.randn(5, 3)
check_function("affine", [((_x,), _x @ _weight.T + _bias)], requires_grad=True, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The loss function
#
# A loss function takes the network's output and the target and returns one number that says how
# wrong the output is. `torch.nn` has many; `nn.MSELoss` computes the mean squared error, the
# average of `(output - target) ** 2` over all elements.
#
# The target here is random (this network has not been trained on anything yet); it is reshaped to
# `1 x 10` to match the output.

# %%
torch.manual_seed(5)
output = net(input)
target = torch.randn(10)
target = target.view(1, -1)   # the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

# %% [markdown]
# ### Following the graph backwards
#
# `loss` remembers the operation that produced it in `loss.grad_fn`, and every such node lists the
# nodes of its inputs in `next_functions`. Following them from the loss leads back through the whole
# forward pass, in reverse, to the parameters.
#
# A linear layer shows up as `AddmmBackward0` (a matrix product plus the bias); its first input node
# is the bias (an `AccumulateGrad`, where a leaf's gradient is collected) and its second the ReLU
# before it.

# %%
print(type(loss.grad_fn).__name__)                                      # MSELoss
print(type(loss.grad_fn.next_functions[0][0]).__name__)                 # fc3
print([type(f).__name__ for f, _ in loss.grad_fn.next_functions[0][0].next_functions])


# %% [markdown]
# The walk below follows the path of the data back to the input. At each node it skips the inputs
# that belong to a parameter: `AccumulateGrad` nodes and `TBackward0`, the transposed weight of a
# linear layer. What it prints is the forward pass in reverse.

# %%
SKIPPED = ("AccumulateGrad", "TBackward0")

node = loss.grad_fn
while node is not None:
    print(type(node).__name__)
    node = next((f for f, _ in node.next_functions if f is not None and type(f).__name__ not in SKIPPED), None)

# %% [markdown]
# The picture below is drawn by the same walk, this time keeping the skipped nodes as well: the data
# path runs down the middle, and each node's other inputs are drawn beside it, its parameters'
# `AccumulateGrad` nodes labelled with the parameter's name. The arrows follow `next_functions`,
# which is the way `backward()` sends gradients: from the loss to the leaves, where they are added
# into `.grad`.

# %%
def graph_layout(root, names):
    """{node: (label, column, row)} and [(node, input node)] for the graph behind root:
    the data path in column 0, each node's other inputs to its left and right."""
    boxes, arrows = {}, []

    def label(node):
        variable = getattr(node, "variable", None)   # an AccumulateGrad node knows its leaf
        return type(node).__name__ + ("" if variable is None else "\n" + names.get(id(variable), "?"))

    def place(node, column, row, step):
        boxes[node] = (label(node), column, row)
        for child in (f for f, _ in node.next_functions if f is not None):
            arrows.append((node, child))
            place(child, column + step, row, step)

    node, row = root, 0
    while node is not None:
        boxes[node] = (label(node), 0, -row)
        inputs = [f for f, _ in node.next_functions if f is not None]
        main = next((f for f in inputs if type(f).__name__ not in SKIPPED), None)
        for k, child in enumerate(f for f in inputs if f is not main):
            arrows.append((node, child))
            place(child, -1 if k % 2 == 0 else 1, -row, -1 if k % 2 == 0 else 1)
        if main is not None:
            arrows.append((node, main))
        node, row = main, row + 1
    return boxes, arrows


def draw_graph(ax, boxes, arrows):
    """Draw graph_layout's boxes (leaves in green) and arrows."""
    artists = {}
    for node, (text, column, row) in boxes.items():
        colour = "#c7e9c0" if text.startswith("AccumulateGrad") else "#deebf7"
        artists[node] = ax.text(2 * column, row, text, ha="center", va="center", fontsize=7.5,
                                bbox={"boxstyle": "round", "facecolor": colour, "edgecolor": "gray"})
    for start, end in arrows:
        ax.annotate("", xy=(0.5, 0.5), xycoords=artists[end], xytext=(0.5, 0.5), textcoords=artists[start],
                    arrowprops={"arrowstyle": "->", "color": "gray", "patchA": artists[start].get_bbox_patch(),
                                "patchB": artists[end].get_bbox_patch()})
    columns = [2 * column for _, column, _ in boxes.values()]
    rows = [row for _, _, row in boxes.values()]
    ax.set_xlim(min(columns) - 1, max(columns) + 1)
    ax.set_ylim(min(rows) - 0.5, max(rows) + 0.5)
    ax.axis("off")


boxes, arrows = graph_layout(loss.grad_fn, {id(p): name for name, p in net.named_parameters()})
print(len(boxes), "nodes,", sum(label.startswith("AccumulateGrad") for label, _, _ in boxes.values()), "of them leaves")
fig, ax = plt.subplots(figsize=(8, 7.5), layout="constrained")
draw_graph(ax, boxes, arrows)
ax.set_title(tr_plot("the graph behind loss, from loss.grad_fn (top) along next_functions"), fontsize=9)
plt.show()

# %% [markdown]
# ### Exercise 2.1: mean squared error by hand
#
# Write `mse(output, target)` that returns the mean squared error of two tensors of the same shape
# **without** using `nn.MSELoss` or `F.mse_loss`. The result must be a 0-dimensional tensor (not a
# Python number), so that `backward()` can be called on it.

# %% nbgrader={"grade": false, "grade_id": "neural-mse", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mse(output, target):
    ### BEGIN SOLUTION
    return ((output - target) ** 2).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "neural-mse-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def computes_the_loss_itself(mse):
    """True unless the graph of mse's result holds MseLossBackward0, the node of nn.MSELoss and F.mse_loss."""
    try:
        result = mse(torch.arange(6.0).view(2, 3).requires_grad_(), torch.ones(2, 3))
    except NotImplementedError:
        raise
    except Exception:   # an error is for the checks below to report
        return True
    todo, seen = [getattr(result, "grad_fn", None)], set()
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        if type(node).__name__ == "MseLossBackward0":
            return False
        seen.add(node)
        todo.extend(f for f, _ in node.next_functions)
    return True


check_that("mse", computes_the_loss_itself, "calls nn.MSELoss or F.mse_loss: its result's graph holds MseLossBackward0.",
           hint="write the mean of the squared differences with tensor operations.", quiet=True)
check_function("mse", [
    ((torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 0.0, 0.0]])), torch.tensor(13 / 3)),
    ((output.detach(), target), criterion(output, target).detach()),
])
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(21))
_o, _t = torch.randn(4, 10), torch.randn(4, 10)
check_function("mse", [((_o, _t), F.mse_loss(_o, _t)), ((_t, _o), F.mse_loss(_t, _o)),
                       ((torch.ones(2, 3), torch.ones(2, 3)), torch.tensor(0.0))], hidden=True)
_leaf = torch.randn(3, requires_grad=True)
check_that("mse", lambda f: f(_leaf, torch.zeros(3)).grad_fn is not None,
           "returns a tensor without grad_fn: backward() could not be called on it.", hidden=True,
           inputs={"_leaf": _leaf})
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Backpropagation
#
# `loss.backward()` fills the `.grad` of every parameter that contributed to the loss. Gradients
# **accumulate**: `backward()` adds to whatever `.grad` already holds. So the old gradients are
# cleared first with `net.zero_grad()`, which (since PyTorch 2.0) resets each `.grad` to `None`
# rather than to a tensor of zeros.
#
# Compare `conv1`'s bias gradient before and after the backward pass:

# %%
net.zero_grad()
print("conv1.bias.grad before backward")
print(net.conv1.bias.grad)

loss.backward()

print("conv1.bias.grad after backward")
print(net.conv1.bias.grad)

# %% [markdown]
# `torch.nn` holds many more building blocks (recurrent and transformer layers, normalisation,
# dropout, dozens of losses); its documentation lists them all. The pattern stays the same.
#
# ## 4. Updating the weights
#
# The simplest update rule is **stochastic gradient descent** (SGD): move each parameter a small step
# against its gradient, `weight = weight - learning_rate * gradient`.
#
# Written by hand, the update must happen inside `torch.no_grad()`. The parameters are leaves that
# require gradients, and outside `no_grad()` autograd would have to record an in-place change to
# such a leaf, which it refuses: `p -= lr * p.grad` raises `RuntimeError: a leaf Variable that
# requires grad is being used in an in-place operation`. Inside `no_grad()` nothing is recorded,
# which is what we want: the update is not part of the model's computation.

# %%
learning_rate = 0.01
before = net.conv1.bias.detach().clone()
with torch.no_grad():
    for p in net.parameters():
        p -= learning_rate * p.grad
after = net.conv1.bias.detach().clone()
print(torch.allclose(after, before - learning_rate * net.conv1.bias.grad))


# %% [markdown]
# ### Exercise 4.1: one manual SGD step
#
# Write `sgd_step(model, lr)` that applies `p = p - lr * p.grad` **in place** to every parameter
# `p` of `model` that has a gradient. It returns nothing. Unlike `net` above, a model may hold
# parameters whose `.grad` is `None`: parameters frozen with `requires_grad_(False)`, or ones the
# loss did not use. Those must stay exactly as they are. Rebinding a name (`p = p - ...`) would not
# change the model, and an in-place update outside `torch.no_grad()` raises an error.
#
# The check gives it a small linear layer whose loss used only its weight, so that its bias has no
# gradient, and compares both afterwards with the ones expected.

# %% nbgrader={"grade": false, "grade_id": "neural-manual-sgd", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sgd_step(model, lr):
    ### BEGIN SOLUTION
    with torch.no_grad():  # the update itself must not be recorded by autograd
        for param in model.parameters():
            if param.grad is not None:  # frozen or unused: nothing to follow
                param -= lr * param.grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "neural-manual-sgd-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
torch.manual_seed(30)
probe = nn.Linear(3, 2)
(torch.randn(4, 3) @ probe.weight.T).pow(2).sum().backward()   # the bias is not used: its .grad stays None
expected_weight = (probe.weight - 0.1 * probe.weight.grad).detach()
expected_bias = probe.bias.detach().clone()
check_function("sgd_step", [
    Case((probe, 0.1), None, after={0: [expected_weight, expected_bias]},
         problem="probe's weight and bias do not hold the expected values after one step "
                 "(p - lr * p.grad for the weight, the bias without a gradient unchanged).")
], check_mutation=False)
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(31))
_m = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1), nn.Linear(1, 3))
_m[:3](torch.randn(6, 5)).mean().backward()   # the last layer is not used: no gradient
_want = [(p - 0.5 * p.grad).detach() if p.grad is not None else p.detach().clone() for p in _m.parameters()]
check_function("sgd_step", [Case((_m, 0.5), None, after={0: _want},
                                 problem="does not update every parameter by -lr * grad.")],
               check_mutation=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### The `torch.optim` package
#
# Other update rules (SGD with momentum, Nesterov, Adagrad, RMSProp, Adam, ...) keep some state
# between steps, and writing them by hand gets tedious. `torch.optim` implements them behind one
# interface: give the optimizer the parameters once, then each step is
#
# 1. `optimizer.zero_grad()`: clear the gradients of the parameters it manages,
# 2. forward pass and loss,
# 3. `loss.backward()`,
# 4. `optimizer.step()`: apply the update rule.
#
# Repeating the step on the same input and target drives the loss down:

# %%
optimizer = optim.SGD(net.parameters(), lr=0.01)

for step in range(5):
    optimizer.zero_grad()          # clear the gradients
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()               # do the update
    print(step, round(loss.item(), 4))

# %% [markdown]
# ### Why zero the gradients every step?
#
# Because `backward()` **adds** into `.grad`. Without `zero_grad()`, each step would use the sum of
# all gradients so far, not the gradient of the current loss. Two backward passes on the same loss,
# without clearing in between, leave exactly twice the gradient:

# %%
optimizer.zero_grad()
criterion(net(input), target).backward()
once = net.conv1.bias.grad.clone()
criterion(net(input), target).backward()      # no zero_grad() in between
print(torch.allclose(net.conv1.bias.grad, 2 * once))


# %% [markdown]
# ### Exercise 4.2: one optimizer step
#
# Write `train_step(model, optimizer, criterion, inputs, target)` that performs one complete
# training step with the optimizer (clear the gradients, forward pass, loss, backward pass, update)
# and returns the loss **before** the update as a Python `float`.
#
# The check calls it twice in a row on a fresh model, so forgetting to clear the gradients shows up.

# %% nbgrader={"grade": false, "grade_id": "neural-train-step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_step(model, optimizer, criterion, inputs, target):
    ### BEGIN SOLUTION
    optimizer.zero_grad()  # 1. forget the gradients of any earlier step
    loss = criterion(model(inputs), target)
    loss.backward()  # 2. fresh gradients of this loss
    optimizer.step()  # 3. move the parameters
    return loss.item()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "neural-train-step-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# two calls in a row on an nn.Linear(3, 1) that holds a stale gradient: each must return its loss
# and leave the weights one SGD step (lr=0.1) further
check_function("train_step", train_step_cases(seed=40, lr=0.1, calls=2), check_mutation=False)
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(41))
_xs, _ys = torch.randn(16, 4), torch.randint(0, 3, (16,))
_student, _ref = nn.Linear(4, 3), nn.Linear(4, 3)
_ref.load_state_dict(_student.state_dict())
_student(_xs).sum().backward()
_ref_opt = optim.SGD(_ref.parameters(), lr=0.5, momentum=0.9)
_expected = []
for _ in range(3):
    _ref_opt.zero_grad()
    _l = nn.CrossEntropyLoss()(_ref(_xs), _ys)
    _l.backward()
    _ref_opt.step()
    _expected.append(_l.item())
_opt = optim.SGD(_student.parameters(), lr=0.5, momentum=0.9)
_args = (_student, _opt, nn.CrossEntropyLoss(), _xs, _ys)
_cases = [Case(_args, e) for e in _expected[:-1]]
_cases.append(Case(_args, _expected[-1], after={0: [p.detach().clone() for p in _ref.parameters()]},
                   problem="does not update the weights correctly."))
check_function("train_step", _cases, check_mutation=False, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# - A network is an `nn.Module`: layers with parameters are attributes created in `__init__`,
#   the computation is `forward`, and autograd provides the backward pass.
# - `parameters()` / `named_parameters()` list the registered parameters (frozen ones too); `numel()`
#   counts their elements.
# - Networks run on mini-batches, the first dimension counting the examples; `Net` needs one because
#   `torch.flatten(x, 1)` keeps dimension 0 apart. `unsqueeze(0)` turns one example into a batch of one.
# - `nn.Sequential` chains modules when `forward` is a straight line; `nn.Parameter` registers a
#   tensor of your own as a trainable parameter of a module.
# - A loss such as `nn.MSELoss` reduces output and target to one number whose `grad_fn` chain leads
#   back through the whole network.
# - Gradients accumulate: clear them (`zero_grad()`) before every `backward()`.
# - Update by hand inside `torch.no_grad()`, or let a `torch.optim` optimizer do it with `step()`.
#
# Next: chapter 4 trains a network on real handwritten digits.
