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
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

from autograder import Case, check_function, check_module, check_tensor, check_that, check_value, hidden_seed


# %% [markdown]
# ## 1. Defining a network
#
# The network below is a LeNet-style classifier for 32x32 grayscale images of digits. The image
# passes through two *stages*, each a convolution followed by a ReLU and a 2x2 max-pooling, and then
# through three fully connected (linear) layers; the last one outputs 10 numbers, one score per digit.
#
# The shapes shrink as the image moves through:
#
# | step | shape of one example |
# | --- | --- |
# | input | 1 x 32 x 32 |
# | `conv1` (6 filters of 5x5), ReLU | 6 x 28 x 28 |
# | max-pool 2x2 | 6 x 14 x 14 |
# | `conv2` (16 filters of 5x5), ReLU | 16 x 10 x 10 |
# | max-pool 2x2 | 16 x 5 x 5 |
# | flatten | 400 |
# | `fc1`, ReLU / `fc2`, ReLU / `fc3` | 120 / 84 / 10 |
#
# Layers that hold parameters are created in `__init__` and stored as attributes, which registers
# them with the module. Operations without parameters (ReLU, pooling, flattening) come from
# `torch.nn.functional` and are simply called in `forward`. You never write a `backward` method:
# autograd derives it from what `forward` did.

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
# ### The parameters
#
# `net.parameters()` yields every trainable tensor the module owns, layer by layer: a weight and a
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
# Calling the module like a function runs `forward` (plus any hooks PyTorch attaches; never call
# `net.forward(x)` directly). The input is a random stand-in for an image, with shape
# `(1, 1, 32, 32)`: one image, one channel, 32 rows, 32 columns. The output holds the 10 scores.

# %%
torch.manual_seed(1)
input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

# %% [markdown]
# `out` is not a leaf: it was computed from the parameters, so it has a `grad_fn` and can send a
# gradient back. Clearing the gradient buffers of every parameter first and then calling `backward`
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
# `torch.nn` layers work on **mini-batches**, never on single examples: the first dimension of the
# input always counts the examples. `nn.Conv2d` takes a 4-D tensor `batch x channels x height x
# width`, `nn.Linear` a 2-D tensor `batch x features`. Processing many examples at once is what makes
# GPUs fast, and averaging the gradient over a batch makes training steadier.
#
# A single image, `channels x height x width`, is made into a batch of one with `unsqueeze(0)`,
# which inserts a dimension of size 1 in front. Its output then has a batch dimension too.

# %%
torch.manual_seed(3)
one_image = torch.randn(1, 32, 32)   # channels x height x width
batch = one_image.unsqueeze(0)       # 1 x channels x height x width
print(one_image.shape, "->", batch.shape)
print(net(batch).shape)

torch.manual_seed(4)
four_images = torch.randn(4, 1, 32, 32)
print(net(four_images).shape)

# %% [markdown]
# ### Exercise 1.2: a batch of one
#
# `digit` below is a single 1 x 32 x 32 image. Set `digit_batch` to the same image as a batch of one,
# a tensor that `net` accepts.

# %%
digit = torch.zeros(1, 32, 32)
digit[0, 6:26, 14:18] = 1.0      # a crude "1"

# %% nbgrader={"grade": false, "grade_id": "neural-batch-one", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
digit_batch = digit.unsqueeze(0)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "neural-batch-one-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_tensor("digit_batch", shape=(1, 1, 32, 32), dtype=torch.float32)
### BEGIN HIDDEN TESTS
check_tensor("digit_batch", digit.view(1, 1, 32, 32), hidden=True)
check_that("digit_batch", lambda b: tuple(net(b).shape) == (1, 10), "is not accepted by net.", hidden=True)
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
# The check builds a random batch, runs it through `tiny_net`, and counts its parameters.

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


tiny_net = TinyConvNet()

# %% nbgrader={"grade": true, "grade_id": "neural-define-module-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check_module("tiny_net", input_shape=(2, 1, 8, 8), output_shape=(2, 10), n_param_tensors=4, n_params=1370)
### BEGIN HIDDEN TESTS
check_that("TinyConvNet", lambda cls: isinstance(cls, type) and issubclass(cls, nn.Module),
           "is not a subclass of nn.Module.", hidden=True)
check_module("tiny_net", input_shape=(5, 1, 8, 8), output_shape=(5, 10), n_params=1370, hidden=True)
torch.manual_seed(hidden_seed(11))
_a, _b = torch.rand(3, 1, 8, 8), torch.rand(3, 1, 8, 8)
check_that("tiny_net", lambda m: not torch.allclose(m(_a), m(_b)), "gives the same output for different images.", hidden=True,
           inputs={"_a": _a, "_b": _b})
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
# `loss` remembers the operation that produced it in `loss.grad_fn`, and every such node lists its
# inputs' nodes in `next_functions`. Walking them from the loss reaches the network's input:
#
# ```
# input -> conv2d -> relu -> maxpool2d -> conv2d -> relu -> maxpool2d
#       -> flatten -> linear -> relu -> linear -> relu -> linear
#       -> MSELoss -> loss
# ```
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
# Written by hand, the update must happen inside `torch.no_grad()`: the parameters require gradients,
# and an in-place change to such a leaf would otherwise be recorded (PyTorch refuses it with an
# error). The update is not part of the model's computation, so it must stay out of the graph.

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
# `p` of `model` (assume every parameter has a `.grad`). It returns nothing. Rebinding a name
# (`p = p - ...`) would not change the model, and an in-place update outside `torch.no_grad()`
# raises an error.
#
# The check gives it a small linear layer whose gradients are already computed, and compares the
# weights afterwards with the ones expected.

# %% nbgrader={"grade": false, "grade_id": "neural-manual-sgd", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sgd_step(model, lr):
    ### BEGIN SOLUTION
    with torch.no_grad():  # the update itself must not be recorded by autograd
        for param in model.parameters():
            param -= lr * param.grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "neural-manual-sgd-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
torch.manual_seed(30)
probe = nn.Linear(3, 2)
probe(torch.randn(4, 3)).pow(2).sum().backward()
expected_weight = (probe.weight - 0.1 * probe.weight.grad).detach()
expected_bias = (probe.bias - 0.1 * probe.bias.grad).detach()
check_function("sgd_step", [
    Case((probe, 0.1), None, after={0: [expected_weight, expected_bias]},
         problem="probe's weight and bias do not hold the expected values after one step (p - lr * p.grad).")
], check_mutation=False)
### BEGIN HIDDEN TESTS
torch.manual_seed(hidden_seed(31))
_m = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1))
_m(torch.randn(6, 5)).mean().backward()
_want = [(p - 0.5 * p.grad).detach() for p in _m.parameters()]
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
torch.manual_seed(40)
xs, ys = torch.randn(8, 3), torch.randn(8, 1)
student = nn.Linear(3, 1)
# the expected losses and weights of two SGD steps (lr=0.1), computed with plain tensors
w, b = student.weight.detach().clone(), student.bias.detach().clone()
expected = []
for _ in range(2):
    w.requires_grad_(), b.requires_grad_()
    step_loss = ((xs @ w.T + b - ys) ** 2).mean()
    grad_w, grad_b = torch.autograd.grad(step_loss, (w, b))
    expected.append((step_loss.item(), w.detach(), b.detach()))
    w, b = (w - 0.1 * grad_w).detach(), (b - 0.1 * grad_b).detach()
expected.append((None, w, b))

student(xs).sum().backward()           # a stale gradient left over from earlier work
student_optimizer = optim.SGD(student.parameters(), lr=0.1)
# two calls in a row on the same model: each returns its loss and leaves the weights one step further
check_function("train_step", [
    Case((student, student_optimizer, nn.MSELoss(), xs, ys), expected[call][0],
         after={0: [expected[call + 1][1], expected[call + 1][2]]},
         problem=f"after {call + 1} call(s) of train_step its weights differ from {call + 1} correct SGD step(s).",
         hint="clear old gradients with optimizer.zero_grad() before loss.backward(), then call optimizer.step().")
    for call in range(2)
], check_mutation=False)
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
# - `parameters()` / `named_parameters()` list the trainable tensors; `numel()` counts their elements.
# - `torch.nn` works on mini-batches; `unsqueeze(0)` turns one example into a batch of one.
# - A loss such as `nn.MSELoss` reduces output and target to one number whose `grad_fn` chain leads
#   back through the whole network.
# - Gradients accumulate: clear them (`zero_grad()`) before every `backward()`.
# - Update by hand inside `torch.no_grad()`, or let a `torch.optim` optimizer do it with `step()`.
#
# Next: chapter 4 trains a network on real handwritten digits.
