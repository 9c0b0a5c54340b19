# Realistic wrong answers for chapter 02: answer grade_id -> [(answer cell source, part of the message)].
WRONG_ANSWERS = {
    "autograd-which-grad-fn": [
        # w requires grad, so it "must" have a grad_fn: the leaf confusion.
        ('tracked = {"w", "h", "s", "g"}\n', "leaf has grad_fn None"),
        # mixing with the untracked k feels like it should switch tracking off.
        ('tracked = {"h", "s"}\n', "misses a tensor that has a grad_fn"),
        ('tracked = {"h", "k", "s", "g"}\n', "do not require grad"),
    ],
    "autograd-requires-grad": [
        # forgot to turn tracking on
        ("scaled = (scale * data).sum()\n", "requires_grad=False"),
        # turned it on for the result instead of the input: a new leaf, nothing recorded
        ("scaled = (scale * data).sum().requires_grad_(True)\n", "has no grad_fn"),
        # no sum: a vector, not a single number
        ("scale.requires_grad_(True)\nscaled = scale * data\n", "has shape (3,); expected shape ()"),
        # the right number in a tracked sum, but not computed from scale
        ("scale.requires_grad_(True)\nscaled = torch.tensor([1.0], requires_grad=True).sum()\n",
         "was not computed as the sum of scale * data"),
    ],
    "autograd-by-hand": [
        # forgot that the mean divides by the number of elements
        ("def by_hand(x):\n    return 6 * (x + 2)\n", "not the expected values"),
        # hard-coded the one value seen in the lesson: the visible (2, 2) case passes, the rest must not
        ("def by_hand(x):\n    return torch.full_like(x, 4.5)\n", "not the expected values"),
        # the derivative of the square without the chain factor 2
        ("def by_hand(x):\n    return 3 * (x + 2) / x.numel()\n", "not the expected values"),
    ],
    "autograd-grad-at": [
        # turns tracking on for the caller's tensor and leaves a .grad on it
        ("def grad_at(f, x):\n    x.requires_grad_(True)\n    f(x).backward()\n    return x.grad\n",
         "changed its argument #2 in place"),
        # detach() alone shares memory but is fine; forgetting requires_grad_ makes backward fail
        ("def grad_at(f, x):\n    leaf = x.detach().clone()\n    f(leaf).backward()\n    return leaf.grad\n",
         "does not require grad"),
        # torch.autograd.grad on the caller's untracked x
        ("def grad_at(f, x):\n    return torch.autograd.grad(f(x), x)[0]\n", "does not require grad"),
    ],
    "autograd-vjp": [
        # backward() without the vector on a non-scalar result
        ("def vjp(f, x, v):\n    x = x.detach().clone().requires_grad_(True)\n    f(x).backward()\n    return x.grad\n",
         "grad can be implicitly created only for scalar outputs"),
        # made it scalar by summing, which ignores v
        ("def vjp(f, x, v):\n    x = x.detach().clone().requires_grad_(True)\n    f(x).sum().backward()\n"
         "    return x.grad\n", "not the expected values"),
        # tracks and fills the caller's own tensor
        ("def vjp(f, x, v):\n    x.requires_grad_(True)\n    f(x).backward(v)\n    return x.grad\n",
         "changed its argument #2 in place"),
    ],
    "autograd-zero-grad": [
        # the draft itself: two backward passes add up
        ("def checked_grad(f, x):\n    return checked_grad_draft(f, x)\n", "exactly twice the expected"),
        # fixed the doubling, but zeroes and fills the caller's tensor
        ("def checked_grad(f, x):\n    x.requires_grad_(True)\n    value = f(x)\n"
         "    value.backward(retain_graph=True)\n    if not torch.isfinite(x.grad).all():\n"
         "        raise ValueError('not finite')\n    x.grad.zero_()\n    value.backward()\n    return x.grad\n",
         "changed its argument #2 in place"),
        # fixed the doubling but dropped the finiteness test
        ("def checked_grad(f, x):\n    leaf = x.detach().clone().requires_grad_(True)\n    f(leaf).backward()\n"
         "    return leaf.grad\n", "should raise ValueError"),
    ],
    "autograd-second-derivative": [
        # the first derivative only
        ("def second_derivative(f, x):\n    leaf = x.detach().requires_grad_(True)\n"
         "    return torch.autograd.grad(f(leaf).sum(), leaf)[0]\n", "not the expected values"),
        # the first gradient was not recorded, so it cannot be differentiated
        ("def second_derivative(f, x):\n    leaf = x.detach().requires_grad_(True)\n"
         "    (slope,) = torch.autograd.grad(f(leaf).sum(), leaf)\n"
         "    return torch.autograd.grad(slope.sum(), leaf)[0]\n", "does not require grad"),
        # no sum: the output is not a single number
        ("def second_derivative(f, x):\n    leaf = x.detach().requires_grad_(True)\n"
         "    (slope,) = torch.autograd.grad(f(leaf), leaf, create_graph=True)\n"
         "    return torch.autograd.grad(slope, leaf)[0]\n", "only for scalar outputs"),
        # two backward() calls into one .grad: the second adds f'' to f'
        ("def second_derivative(f, x):\n    leaf = x.detach().requires_grad_(True)\n"
         "    f(leaf).sum().backward(create_graph=True)\n    leaf.grad.sum().backward()\n    return leaf.grad\n",
         "not the expected values"),
        # tracks the caller's own tensor
        ("def second_derivative(f, x):\n    x.requires_grad_(True)\n"
         "    (slope,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)\n"
         "    return torch.autograd.grad(slope.sum(), x)[0]\n", "changed its argument #2 in place"),
    ],
    "autograd-no-grad-eval": [
        # computes the right number but builds a graph
        ("def evaluate(weight, inputs, targets):\n    return ((inputs @ weight - targets) ** 2).mean()\n",
         "autograd still tracks"),
        # returns a Python float instead of a tensor
        ("def evaluate(weight, inputs, targets):\n    with torch.no_grad():\n"
         "        return ((inputs @ weight - targets) ** 2).mean().item()\n", "a torch.Tensor was expected"),
        # switches tracking off on the caller's weight
        ("def evaluate(weight, inputs, targets):\n    weight.requires_grad_(False)\n"
         "    return ((inputs @ weight - targets) ** 2).mean()\n", "changed its argument #1 in place"),
        # builds the whole graph, then cuts the result off it
        ("def evaluate(weight, inputs, targets):\n    return ((inputs @ weight - targets) ** 2).mean().detach()\n",
         "builds a graph for backward"),
    ],
}
