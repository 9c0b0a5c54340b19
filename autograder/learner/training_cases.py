"""Ready-made cases for the exercises that write a training step or an epoch.

Each function sets up what the check needs (a small model, its optimizer and data), leaves the
model as a careless caller would find it (a stale gradient; evaluation mode), and computes with
plain autograd where one correct SGD step must leave its parameters. It returns the
:class:`~autograder.learner.checks.Case` list that ``check_function`` takes, so that a check cell is
one readable call, and grading records and probes these cases like any others.
"""

import copy

import torch
from torch import nn, optim

from .checks import Case

ZERO_GRAD_HINT = "clear old gradients with optimizer.zero_grad() before loss.backward(), then call optimizer.step()."


def train_step_cases(*, seed=40, lr=0.1, calls=2):
    """Cases for ``train_step(model, optimizer, loss_fn, xs, ys)``, called ``calls`` times in a row.

    The model is an ``nn.Linear(3, 1)`` holding a stale gradient, trained with ``optim.SGD(lr=lr)``
    and ``nn.MSELoss()`` on 8 random samples: call ``i`` must return the loss before step ``i``
    and leave the weights ``i`` SGD steps on, as computed with plain tensors.
    """
    torch.manual_seed(seed)
    xs, ys = torch.randn(8, 3), torch.randn(8, 1)
    student = nn.Linear(3, 1)
    w, b = student.weight.detach().clone(), student.bias.detach().clone()
    losses, weights = [], []
    for _ in range(calls):
        w.requires_grad_(), b.requires_grad_()
        step_loss = ((xs @ w.T + b - ys) ** 2).mean()
        grad_w, grad_b = torch.autograd.grad(step_loss, (w, b))
        losses.append(step_loss.item())
        w, b = (w - lr * grad_w).detach(), (b - lr * grad_b).detach()
        weights.append([w, b])

    student(xs).sum().backward()   # a stale gradient left over from earlier work
    optimizer = optim.SGD(student.parameters(), lr=lr)
    return [Case((student, optimizer, nn.MSELoss(), xs, ys), losses[call], after={0: weights[call]},
                 problem=f"after {call + 1} call(s) of train_step its weights differ from {call + 1} "
                         "correct SGD step(s).",
                 hint=ZERO_GRAD_HINT)
            for call in range(calls)]


def one_epoch_cases(images, labels, *, device="cpu", seed=40, lr=0.1):
    """Cases for ``train_one_epoch(model, loader, optimizer, loss_fn)`` on one batch.

    A linear classifier of the 8x8 ``images`` (on ``device``), left with a stale gradient and in
    evaluation mode, gets a loader of one batch holding all of them and ``optim.SGD(lr=lr)``: the
    epoch must return that batch's cross-entropy loss and leave the model in training mode, one
    SGD step on (the step computed on a twin with ``torch.autograd.grad``).
    """
    torch.manual_seed(seed)
    probe = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).to(device)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels),
                                         batch_size=len(images))
    twin = copy.deepcopy(probe)
    twin_loss = nn.CrossEntropyLoss()(twin(images.to(device)), labels.to(device))
    twin_grads = torch.autograd.grad(twin_loss, list(twin.parameters()))
    expected_params = [(p - lr * g).detach() for p, g in zip(twin.parameters(), twin_grads)]

    probe(images.to(device)).sum().backward()   # a stale gradient
    probe.eval()                                # left in evaluation mode
    optimizer = optim.SGD(probe.parameters(), lr=lr)
    return [Case((probe, loader, optimizer, nn.CrossEntropyLoss()), twin_loss.item(),
                 after={0: {"params": expected_params, "training": True, "atol": 1e-6}},
                 problem="after one epoch of one batch, its parameters are not one SGD step from that batch's loss.",
                 hint=ZERO_GRAD_HINT)]
