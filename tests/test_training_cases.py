"""The ready-made cases of the training exercises pass a correct step and catch the usual mistakes."""

import pytest
import torch

from autograder import Incorrect, check_function, one_epoch_cases, train_step_cases


def train_step(model, optimizer, criterion, inputs, target):
    optimizer.zero_grad()
    loss = criterion(model(inputs), target)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_step_keeping_old_gradients(model, optimizer, criterion, inputs, target):
    loss = criterion(model(inputs), target)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_one_epoch(model, loader, optimizer, criterion):
    model.train()
    losses = [train_step(model, optimizer, criterion, x, y) for x, y in loader]
    return sum(losses) / len(losses)


def train_one_epoch_in_eval_mode(model, loader, optimizer, criterion):
    losses = [train_step(model, optimizer, criterion, x, y) for x, y in loader]
    return sum(losses) / len(losses)


def test_train_step_cases_pass_a_correct_step_and_catch_a_missing_zero_grad(capsys):
    check_function("train_step", train_step_cases(), check_mutation=False, namespace={"train_step": train_step})
    assert "Correct: train_step" in capsys.readouterr().out
    with pytest.raises(Incorrect, match="zero_grad"):
        check_function("train_step", train_step_cases(), check_mutation=False,
                       namespace={"train_step": train_step_keeping_old_gradients})


def test_one_epoch_cases_pass_a_correct_epoch_and_catch_a_model_left_in_eval_mode(capsys):
    torch.manual_seed(0)
    images, labels = torch.rand(16, 1, 8, 8), torch.randint(0, 10, (16,))
    check_function("train_one_epoch", one_epoch_cases(images, labels), check_mutation=False,
                   namespace={"train_one_epoch": train_one_epoch})
    assert "Correct: train_one_epoch" in capsys.readouterr().out
    with pytest.raises(Incorrect):
        check_function("train_one_epoch", one_epoch_cases(images, labels), check_mutation=False,
                       namespace={"train_one_epoch": train_one_epoch_in_eval_mode})


def test_cases_are_the_same_on_every_call():
    first, second = train_step_cases(), train_step_cases()
    assert [c.expected for c in first] == [c.expected for c in second]
    assert all(torch.equal(a, b) for c, d in zip(first, second) for a, b in zip(c.after[0], d.after[0]))
