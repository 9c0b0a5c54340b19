"""Realistic wrong answers for chapter 03: grade_id -> [(answer cell source, substring of the failure)]."""

from functools import partial

_SCORES = "def scores_of_one(model, image):\n    return {result}\n\n\ndigit_scores = scores_of_one(net, digit)\n"

_TINY = (
    "class TinyConvNet(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.conv = nn.Conv2d(1, 8, 3{padding})\n"
    "{linear}\n"
    "    def forward(self, x):\n"
    "        x = {pool}({relu}(self.conv(x)), 2)\n"
    "        return {head}\n\n\n"
    "torch.manual_seed(0)\n"
    "tiny_net = TinyConvNet{call}\n"
)
# the solution; keyword arguments change one part
_tiny = partial(_TINY.format, padding=", padding=1", linear="        self.fc = nn.Linear(8 * 4 * 4, 10)\n",
                pool="F.max_pool2d", relu="F.relu", head="self.fc(torch.flatten(x, 1))", call="()")


_AFFINE = (
    "class Affine(nn.Module):\n"
    "    def __init__(self, weight, bias):\n"
    "        super().__init__()\n"
    "        self.weight = {weight}\n"
    "        self.bias = {bias}\n\n"
    "    def forward(self, x):\n"
    "        return {forward}\n\n\n"
    "torch.manual_seed(6)\n"
    "affine = Affine(torch.randn(2, 3), torch.randn(2))\n"
)
_affine = partial(_AFFINE.format, weight="nn.Parameter(weight)", bias="nn.Parameter(bias)",
                  forward="x @ self.weight.T + self.bias")


def _seq(*layers):
    return "torch.manual_seed(0)\ntiny_seq = nn.Sequential(" + ", ".join(layers) + ")\n"


_CONV, _FC = "nn.Conv2d(1, 8, 3, padding=1)", "nn.Linear(8 * 4 * 4, 10)"

WRONG_ANSWERS = {
    "neural-count-trainable": [
        # counts tensors, not elements
        ("def count_trainable(model):\n    return len(list(model.parameters()))\n", "not the expected answer"),
        # ignores requires_grad: caught by the hidden check with a frozen layer
        ("def count_trainable(model):\n    return sum(p.numel() for p in model.parameters())\n",
         "not the expected answer"),
        # returns a tensor instead of an int
        ("def count_trainable(model):\n    return sum(torch.tensor(p.numel()) for p in model.parameters() if p.requires_grad)\n",
         "is a torch.Tensor; expected a Python number"),
    ],
    "neural-batch-one": [
        # no batch dimension: the flattening keeps the channels apart
        (_SCORES.format(result="model(image)"), "mat1 and mat2 shapes cannot be multiplied"),
        # the batch goes in, but stays in the result
        (_SCORES.format(result="model(image.unsqueeze(0))"), "has shape (1, 10); expected shape (10,)"),
        # the new dimension at the end: the image's height is taken for its channels
        (_SCORES.format(result="model(image.unsqueeze(-1))[0]"), "to have 1 channels"),
        # cut off from the graph
        (_SCORES.format(result="model(image.unsqueeze(0))[0].detach()"), "has no grad_fn"),
    ],
    "neural-define-module": [
        # no padding: the conv shrinks 8x8 to 6x6 and the linear layer no longer fits
        (_tiny(padding=""), "mat1 and mat2 shapes cannot be multiplied"),
        # an extra hidden layer: wrong parameter count
        (_tiny(linear="        self.fc1 = nn.Linear(8 * 4 * 4, 32)\n        self.fc2 = nn.Linear(32, 10)\n",
               head="self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))"), "parameter tensors; expected 4"),
        # the class is defined but no instance is made
        (_tiny(call=""), "an instance of a torch.nn.Module subclass was expected"),
        # the ReLU is left out: shapes and counts are right, the outputs are not
        (_tiny(relu=""), "not the expected values"),
        # average instead of max pooling
        (_tiny(pool="F.avg_pool2d"), "not the expected values"),
    ],
    "neural-sequential": [
        # no ReLU
        (_seq(_CONV, "nn.MaxPool2d(2)", "nn.Flatten()", _FC), "not the expected values"),
        # no Flatten: the linear layer gets 8 x 4 x 4 feature maps
        (_seq(_CONV, "nn.ReLU()", "nn.MaxPool2d(2)", _FC), "mat1 and mat2 shapes cannot be multiplied"),
        # wraps the class of exercise 1.3 instead of chaining layers
        (_seq("TinyConvNet()"), "not a torch.nn layer"),
        # the module of exercise 1.3 itself
        ("tiny_seq = tiny_net\n", "is not an nn.Sequential"),
    ],
    "neural-parameter": [
        # plain tensors are not registered
        (_affine(weight="weight", bias="bias"), "named weight and bias"),
        # ignores the given starting values
        (_affine(weight="nn.Parameter(torch.randn_like(weight))"), "not the expected values"),
        # forgets the transpose
        (_affine(forward="x @ self.weight + self.bias"), "mat1 and mat2 shapes cannot be multiplied"),
        # frozen parameters are not trainable
        (_affine(weight="nn.Parameter(weight, requires_grad=False)", bias="nn.Parameter(bias, requires_grad=False)"),
         "parameter tensors; expected 2"),
        # .data leaves the parameters out of the graph
        (_affine(forward="x @ self.weight.data.T + self.bias.data"), "autograd must track it"),
    ],
    "neural-mse": [
        # sum instead of mean
        ("def mse(output, target):\n    return ((output - target) ** 2).sum()\n", "not the expected values"),
        # forgets to reduce
        ("def mse(output, target):\n    return (output - target) ** 2\n", "expected shape ()"),
        # a Python number: backward() is impossible
        ("def mse(output, target):\n    return ((output - target) ** 2).mean().item()\n",
         "a torch.Tensor was expected"),
        # the library's loss, which the exercise rules out
        ("def mse(output, target):\n    return F.mse_loss(output, target)\n", "calls nn.MSELoss or F.mse_loss"),
        ("from torch.nn.functional import mse_loss\n\n\ndef mse(output, target):\n    return mse_loss(output, target) * 1.0\n",
         "calls nn.MSELoss or F.mse_loss"),
    ],
    "neural-manual-sgd": [
        # the lesson's loop: every parameter is assumed to have a gradient
        ("def sgd_step(model, lr):\n"
         "    with torch.no_grad():\n"
         "        for p in model.parameters():\n"
         "            p -= lr * p.grad\n",
         "unsupported operand type"),
        # skips frozen parameters by their flag only: an unused one still has no gradient
        ("def sgd_step(model, lr):\n"
         "    with torch.no_grad():\n"
         "        for p in model.parameters():\n"
         "            if p.requires_grad:\n"
         "                p -= lr * p.grad\n",
         "unsupported operand type"),
        # rebinding the loop variable changes nothing
        ("def sgd_step(model, lr):\n"
         "    for p in model.parameters():\n"
         "        if p.grad is not None:\n"
         "            p = p - lr * p.grad\n",
         "do not hold the expected values"),
        # in-place update outside torch.no_grad()
        ("def sgd_step(model, lr):\n"
         "    for p in model.parameters():\n"
         "        if p.grad is not None:\n"
         "            p -= lr * p.grad\n",
         "a leaf Variable that requires grad is being used in an in-place operation"),
        # the sign is wrong: gradient ascent
        ("def sgd_step(model, lr):\n"
         "    with torch.no_grad():\n"
         "        for p in model.parameters():\n"
         "            if p.grad is not None:\n"
         "                p += lr * p.grad\n",
         "do not hold the expected values"),
    ],
    "neural-train-step": [
        # forgets optimizer.zero_grad(): the stale gradient leaks into the step
        ("def train_step(model, optimizer, criterion, inputs, target):\n"
         "    loss = criterion(model(inputs), target)\n"
         "    loss.backward()\n"
         "    optimizer.step()\n"
         "    return loss.item()\n",
         "optimizer.zero_grad()"),
        # returns the loss tensor
        ("def train_step(model, optimizer, criterion, inputs, target):\n"
         "    optimizer.zero_grad()\n"
         "    loss = criterion(model(inputs), target)\n"
         "    loss.backward()\n"
         "    optimizer.step()\n"
         "    return loss\n",
         ".item()"),
        # forgets optimizer.step()
        ("def train_step(model, optimizer, criterion, inputs, target):\n"
         "    optimizer.zero_grad()\n"
         "    loss = criterion(model(inputs), target)\n"
         "    loss.backward()\n"
         "    return loss.item()\n",
         "optimizer.step()"),
    ],
}
