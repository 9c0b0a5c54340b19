# Correct answers for chapter 03 written another way than the solution: answer grade_id -> [answer cell source].
# Each must be graded "Correct" in the learner's kernel and by `course grade` (tests/test_correct_answers.py).
CORRECT_ANSWERS = {
    "neural-count-trainable": [
        "def count_trainable(model):\n    total = 0\n    for p in model.parameters():\n        if p.requires_grad:\n"
        "            total += p.numel()\n    return total\n",
        "def count_trainable(model):\n    return sum(p.nelement() for p in filter(lambda p: p.requires_grad, model.parameters()))\n",
    ],
    "neural-batch-one": [
        "def scores_of_one(model, image):\n    return model(image[None]).squeeze(0)\n\n\ndigit_scores = scores_of_one(net, digit)\n",
        "def scores_of_one(model, image):\n    return model(image.unsqueeze(0)).flatten()\n\n\n"
        "digit_scores = scores_of_one(net, digit)\n",
    ],
    "neural-define-module": [
        "class TinyConvNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(in_channels=1, out_channels=8, kernel_size=3, padding=1)\n"
        "        self.fc = nn.Linear(128, 10)\n\n    def forward(self, x):\n        x = self.conv(x).relu()\n"
        "        x = F.max_pool2d(x, kernel_size=2)\n        return self.fc(x.view(x.size(0), -1))\n\n\n"
        "torch.manual_seed(0)\ntiny_net = TinyConvNet()\n",
        "class TinyConvNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(1, 8, 3, padding=1)\n        self.pool = nn.MaxPool2d(2)\n"
        "        self.fc = nn.Linear(8 * 4 * 4, 10)\n\n    def forward(self, x):\n"
        "        return self.fc(self.pool(torch.relu(self.conv(x))).flatten(start_dim=1))\n\n\n"
        "torch.manual_seed(0)\ntiny_net = TinyConvNet()\n",
    ],
    "neural-sequential": [
        "torch.manual_seed(0)\ntiny_seq = nn.Sequential(\n    nn.Conv2d(1, 8, kernel_size=3, padding=1),\n    nn.ReLU(),\n"
        "    nn.MaxPool2d(kernel_size=2),\n    nn.Flatten(),\n    nn.Linear(128, 10),\n)\n",
        "torch.manual_seed(0)\nlayers = [nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(start_dim=1),\n"
        "          nn.Linear(8 * 4 * 4, 10)]\ntiny_seq = nn.Sequential(*layers)\n",
    ],
    "neural-parameter": [
        "class Affine(nn.Module):\n    def __init__(self, weight, bias):\n        super().__init__()\n"
        "        self.register_parameter('weight', nn.Parameter(weight))\n"
        "        self.register_parameter('bias', nn.Parameter(bias))\n\n    def forward(self, x):\n"
        "        return torch.matmul(x, self.weight.t()) + self.bias\n\n\n"
        "torch.manual_seed(6)\naffine = Affine(torch.randn(2, 3), torch.randn(2))\n",
        "class Affine(nn.Module):\n    def __init__(self, weight, bias):\n        super().__init__()\n"
        "        self.weight, self.bias = nn.Parameter(weight), nn.Parameter(bias)\n\n    def forward(self, x):\n"
        "        return self.bias + x @ self.weight.T\n\n\n"
        "torch.manual_seed(6)\naffine = Affine(torch.randn(2, 3), torch.randn(2))\n",
    ],
    "neural-mse": [
        "def mse(output, target):\n    return (output - target).pow(2).mean()\n",
        "def mse(output, target):\n    diff = output - target\n    return (diff * diff).sum() / diff.numel()\n",
    ],
    "neural-manual-sgd": [
        "def sgd_step(model, lr):\n    with torch.no_grad():\n        for p in model.parameters():\n"
        "            if p.grad is not None:\n                p.sub_(p.grad, alpha=lr)\n",
        "def sgd_step(model, lr):\n    with torch.no_grad():\n        for p in model.parameters():\n"
        "            if p.grad is not None:\n                p.add_(p.grad, alpha=-lr)\n",
    ],
    "neural-train-step": [
        "def train_step(model, optimizer, criterion, inputs, target):\n    optimizer.zero_grad()\n"
        "    output = model(inputs)\n    loss = criterion(output, target)\n    loss.backward()\n    optimizer.step()\n"
        "    return float(loss)\n",
        "def train_step(model, optimizer, criterion, inputs, target):\n    optimizer.zero_grad(set_to_none=True)\n"
        "    loss = criterion(model(inputs), target)\n    loss.backward()\n    optimizer.step()\n"
        "    return loss.detach().item()\n",
    ],
}
