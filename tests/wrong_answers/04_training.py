"""Realistic wrong answers for chapter 04: grade_id -> [(answer cell source, substring of the failure)]."""

_EPOCH = (
    "def train_one_epoch(model, loader, optimizer, loss_fn):\n"
    "{train}"
    "    losses = []\n"
    "    for inputs, targets in loader:\n"
    "        inputs, targets = inputs.to(device), targets.to(device)\n"
    "{zero}"
    "        batch_loss = loss_fn(model(inputs), targets)\n"
    "        batch_loss.backward()\n"
    "        optimizer.step()\n"
    "        losses.append({item})\n"
    "    return {result}\n"
)


def _epoch(train="    model.train()\n", zero="        optimizer.zero_grad()\n", item="batch_loss.item()",
           result="sum(losses) / len(losses)"):
    return _EPOCH.format(train=train, zero=zero, item=item, result=result)


WRONG_ANSWERS = {
    "training-class-counts": [
        # counts every image, not only the training split
        ("train_counts = torch.bincount(torch.from_numpy(labels), minlength=10)\n",
         "does not add up to the number of training images"),
        # a NumPy array, not a tensor
        ("train_counts = np.bincount(labels[train_idx], minlength=10)\n", "a torch.Tensor was expected"),
        # float counts
        ("train_counts = torch.bincount(torch.from_numpy(labels[train_idx]), minlength=10).float()\n",
         "dtype torch.float32"),
    ],
    "training-test-loader": [
        ("test_loader = DataLoader(test_set, batch_size=128, shuffle=True)\n", "shuffle"),
        ("test_loader = DataLoader(train_set, batch_size=128)\n", "does not load test_set"),
        ("test_loader = DataLoader(test_set)\n", "batches of 128"),
    ],
    "training-epoch": [
        # forgets model.train(): a model left in eval mode stays there
        (_epoch(train=""), "model.train()"),
        # forgets optimizer.zero_grad(): gradients accumulate across batches
        (_epoch(zero=""), "optimizer.zero_grad()"),
        # keeps the loss tensors: the result is a tensor
        (_epoch(item="batch_loss", result="sum(losses) / len(losses)"), ".item()"),
        # returns the last batch's loss instead of the mean (caught by the hidden multi-batch check)
        (_epoch(result="losses[-1]"), "not the expected answer"),
    ],
    "training-accuracy": [
        # counts instead of a fraction
        ("def accuracy(logits, labels):\n    return (logits.argmax(dim=1) == labels).sum().item()\n",
         "not the expected answer"),
        # argmax over the wrong dimension
        ("def accuracy(logits, labels):\n    return (logits.argmax(dim=0) == labels).float().mean().item()\n",
         "must match the size of tensor b"),
        # a tensor, not a Python float
        ("def accuracy(logits, labels):\n    return (logits.argmax(dim=1) == labels).float().mean()\n",
         ".item()"),
    ],
    "training-fit": [
        # a model that was never trained
        ("torch.manual_seed(7)\nmy_model = DigitNet().to(device)\n", "fewer than 95% of the training images"),
        # far too few steps with a tiny learning rate
        ("torch.manual_seed(7)\n"
         "my_model = DigitNet().to(device)\n"
         "my_optimizer = optim.SGD(my_model.parameters(), lr=1e-4)\n"
         "train_one_epoch(my_model, train_loader, my_optimizer, nn.CrossEntropyLoss())\n",
         "fewer than 95% of the training images"),
        # the class, not an instance
        ("my_model = DigitNet\n", "an instance of a torch.nn.Module subclass was expected"),
    ],
    "training-save-load": [
        # no copy at all: the same object
        ("torch.save(model.state_dict(), exercise_checkpoint)\nmodel_copy = model\n",
         "must be a new DigitNet instance"),
        # pickles the whole module instead of its state_dict
        ("torch.save(model, exercise_checkpoint)\n"
         "model_copy = torch.load(exercise_checkpoint, weights_only=False)\n",
         "does not hold the state_dict of model"),
        # saves, but never loads into the fresh model
        ("torch.save(model.state_dict(), exercise_checkpoint)\nmodel_copy = DigitNet().to(device)\n",
         "load_state_dict"),
    ],
}
