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
    ],
    "autograd-vjp": [
        # backward() without the vector on a non-scalar result
        ("def vjp(f, x, v):\n    x = x.detach().clone().requires_grad_(True)\n    f(x).backward()\n    return x.grad\n",
         "grad can be implicitly created only for scalar outputs"),
        # made it scalar by summing, which ignores v
        ("def vjp(f, x, v):\n    x = x.detach().clone().requires_grad_(True)\n    f(x).sum().backward()\n"
         "    return x.grad\n", "not the expected values"),
    ],
    "autograd-zero-grad": [
        # the draft itself: two backward passes add up
        ("def checked_grad(f, x):\n    return checked_grad_draft(f, x)\n", "exactly twice the expected"),
        # fixed the doubling, but zeroes and fills the caller's tensor
        ("def checked_grad(f, x):\n    x.requires_grad_(True)\n    value = f(x)\n"
         "    value.backward(retain_graph=True)\n    if not torch.isfinite(x.grad).all():\n"
         "        raise ValueError('not finite')\n    x.grad.zero_()\n    value.backward()\n    return x.grad\n",
         "changed its argument #2 in place"),
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
    ],
}
