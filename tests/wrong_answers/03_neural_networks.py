"""Realistic wrong answers for chapter 03: grade_id -> [(answer cell source, substring of the failure)]."""

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
        ("digit_batch = digit\n", "unsqueeze(0)"),
        ("digit_batch = digit.unsqueeze(-1)\n", "shape (1, 32, 32, 1)"),
        # a hard-coded blank image of the right shape
        ("digit_batch = torch.zeros(1, 1, 32, 32)\n", "not the expected values"),
    ],
    "neural-define-module": [
        # no padding: the conv shrinks 8x8 to 6x6 and the linear layer no longer fits
        ("class TinyConvNet(nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        self.conv = nn.Conv2d(1, 8, 3)\n"
         "        self.fc = nn.Linear(8 * 4 * 4, 10)\n\n"
         "    def forward(self, x):\n"
         "        x = F.max_pool2d(F.relu(self.conv(x)), 2)\n"
         "        return self.fc(torch.flatten(x, 1))\n\n\n"
         "tiny_net = TinyConvNet()\n",
         "mat1 and mat2 shapes cannot be multiplied"),
        # an extra hidden layer: wrong parameter count
        ("class TinyConvNet(nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        self.conv = nn.Conv2d(1, 8, 3, padding=1)\n"
         "        self.fc1 = nn.Linear(8 * 4 * 4, 32)\n"
         "        self.fc2 = nn.Linear(32, 10)\n\n"
         "    def forward(self, x):\n"
         "        x = F.max_pool2d(F.relu(self.conv(x)), 2)\n"
         "        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))\n\n\n"
         "tiny_net = TinyConvNet()\n",
         "parameter tensors; expected 4"),
        # the class is defined but no instance is made
        ("class TinyConvNet(nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        self.conv = nn.Conv2d(1, 8, 3, padding=1)\n"
         "        self.fc = nn.Linear(8 * 4 * 4, 10)\n\n"
         "    def forward(self, x):\n"
         "        x = F.max_pool2d(F.relu(self.conv(x)), 2)\n"
         "        return self.fc(torch.flatten(x, 1))\n\n\n"
         "tiny_net = TinyConvNet\n",
         "an instance of a torch.nn.Module subclass was expected"),
    ],
    "neural-mse": [
        # sum instead of mean
        ("def mse(output, target):\n    return ((output - target) ** 2).sum()\n", "not the expected values"),
        # forgets to reduce
        ("def mse(output, target):\n    return (output - target) ** 2\n", "expected shape ()"),
        # a Python number: backward() is impossible
        ("def mse(output, target):\n    return ((output - target) ** 2).mean().item()\n",
         "a torch.Tensor was expected"),
    ],
    "neural-manual-sgd": [
        # rebinding the loop variable changes nothing
        ("def sgd_step(model, lr):\n"
         "    for p in model.parameters():\n"
         "        p = p - lr * p.grad\n",
         "do not hold the expected values"),
        # in-place update outside torch.no_grad()
        ("def sgd_step(model, lr):\n"
         "    for p in model.parameters():\n"
         "        p -= lr * p.grad\n",
         "a leaf Variable that requires grad is being used in an in-place operation"),
        # the sign is wrong: gradient ascent
        ("def sgd_step(model, lr):\n"
         "    with torch.no_grad():\n"
         "        for p in model.parameters():\n"
         "            p += lr * p.grad\n",
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
