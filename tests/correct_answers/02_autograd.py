# Correct answers for chapter 02 written another way than the solution: answer grade_id -> [answer cell source].
# Each must be graded "Correct" in the learner's kernel and by `course grade` (tests/test_correct_answers.py).
CORRECT_ANSWERS = {
    "autograd-which-grad-fn": [
        'tracked = set(["s", "g", "h"])\n',
        'tracked = set("hsg")\n',
    ],
    "autograd-requires-grad": [
        "scale.requires_grad_()\nscaled = torch.sum(scale * data)\n",
        "scale.requires_grad_(True)\nscaled = (data * scale).sum()\n",
        "scale.requires_grad_(True)\nscaled = scale @ data\n",
        "scale.requires_grad_()\nscaled = sum(scale * data)\n",
        "scale.requires_grad_(True)\nscaled = torch.dot(scale, data)\n",
    ],
    "autograd-by-hand": [
        "def by_hand(x):\n    return (6 * x + 12) / x.numel()\n",
        "def by_hand(x):\n    n = x.numel()\n    return 6 / n * (x + 2)\n",
    ],
    "autograd-grad-at": [
        "def grad_at(f, x):\n    x = x.clone().detach().requires_grad_()\n    y = f(x)\n    y.backward()\n    return x.grad\n",
        "def grad_at(f, x):\n    leaf = x.detach().clone()\n    leaf.requires_grad = True\n"
        "    torch.autograd.backward(f(leaf))\n    return leaf.grad\n",
    ],
    "autograd-vjp": [
        "def vjp(f, x, v):\n    leaf = x.clone().detach().requires_grad_()\n    y = f(leaf)\n    y.backward(gradient=v)\n"
        "    return leaf.grad\n",
        "def vjp(f, x, v):\n    leaf = x.detach().clone().requires_grad_(True)\n    torch.autograd.backward(f(leaf), v)\n"
        "    return leaf.grad\n",
    ],
    "autograd-zero-grad": [
        "def checked_grad(f, x):\n    leaf = x.clone().detach().requires_grad_(True)\n    f(leaf).backward()\n"
        "    g = leaf.grad\n    if torch.isnan(g).any() or torch.isinf(g).any():\n"
        "        raise ValueError('the gradient is not finite')\n    return g\n",
        "def checked_grad(f, x):\n    leaf = x.detach().clone().requires_grad_(True)\n    f(leaf).backward()\n"
        "    if not bool(torch.all(torch.isfinite(leaf.grad))):\n        raise ValueError(str(leaf.grad))\n"
        "    return leaf.grad\n",
    ],
    "autograd-second-derivative": [
        "def second_derivative(f, x):\n    leaf = x.detach().clone().requires_grad_()\n"
        "    (slope,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)\n"
        "    slope.sum().backward()\n    return leaf.grad\n",
        "def second_derivative(f, x):\n    leaf = x.detach().requires_grad_(True)\n"
        "    slope = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)[0]\n"
        "    return torch.autograd.grad(slope.sum(), leaf)[0]\n",
    ],
    "autograd-no-grad-eval": [
        "def evaluate(weight, inputs, targets):\n    with torch.no_grad():\n        errors = inputs @ weight - targets\n"
        "        return errors.pow(2).mean()\n",
        "def evaluate(weight, inputs, targets):\n    with torch.set_grad_enabled(False):\n"
        "        return torch.nn.functional.mse_loss(torch.matmul(inputs, weight), targets)\n",
    ],
}
