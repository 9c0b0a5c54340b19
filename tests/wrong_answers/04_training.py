"""Realistic wrong answers for chapter 04: grade_id -> [(answer cell source, substring of the failure)]."""

from functools import partial

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
# the solution; keyword arguments change one part
_epoch = partial(_EPOCH.format, train="    model.train()\n", zero="        optimizer.zero_grad()\n",
                 item="batch_loss.item()", result="sum(losses) / len(losses)")


_FIT = (
    "def fit(model, loader, optimizer, loss_fn, n_epochs):\n"
    "{setup}"
    "    for _ in range({epochs}):\n"
    "        {record}train_one_epoch({model}, loader, optimizer, loss_fn){close}\n"
    "    return {result}\n"
)
_fit = partial(_FIT.format, setup="", epochs="n_epochs", record="last_loss = ", model="model", close="",
               result="last_loss")


_RESTORE = (
    "def restore(model, source):\n"
    "{body}\n\n\n"
    "torch.save(model.state_dict(), exercise_checkpoint)\n"
    "{copy}\n"
)
_LOAD = "    model.load_state_dict(torch.load(source, map_location=device))\n    model.eval()"
_restore = partial(_RESTORE.format, body=_LOAD,
                   copy="model_copy = DigitNet().to(device)\nrestore(model_copy, exercise_checkpoint)")


_TEST_LOADER = "DataLoader(test_set, batch_size=128)"
_SIZES = ("[batch_size] * (n_examples // batch_size) + "
          "([n_examples % batch_size] if n_examples % batch_size and not drop_last else [])")
_LOADER = "test_loader = {loader}\n\n\ndef batch_sizes(n_examples, batch_size, drop_last=False):\n    return {sizes}\n"

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
        (_LOADER.format(loader="DataLoader(test_set, batch_size=128, shuffle=True)", sizes=_SIZES), "shuffle"),
        (_LOADER.format(loader="DataLoader(train_set, batch_size=128)", sizes=_SIZES), "does not load test_set"),
        (_LOADER.format(loader="DataLoader(test_set)", sizes=_SIZES), "batches of 128"),
        # the incomplete last batch forgotten
        (_LOADER.format(loader=_TEST_LOADER, sizes="[batch_size] * (n_examples // batch_size)"), "not the expected answer"),
        # every batch counted as full
        (_LOADER.format(loader=_TEST_LOADER, sizes="[batch_size] * -(-n_examples // batch_size)"), "not the expected answer"),
        # drop_last ignored
        (_LOADER.format(loader=_TEST_LOADER, sizes="[batch_size] * (n_examples // batch_size) + "
                                                   "([n_examples % batch_size] if n_examples % batch_size else [])"),
         "not the expected answer"),
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
    "training-fit-loop": [
        # one epoch, whatever n_epochs says
        (_fit(epochs="1"), "not the expected answer"),
        # an optimizer of its own instead of the one it is given
        (_fit(setup="    optimizer = optim.SGD(model.parameters(), lr=0.05)\n"), "not the expected answer"),
        # trains a copy, so the caller's model never changes
        (_fit(setup="    model = copy.deepcopy(model)\n    optimizer = optim.SGD(model.parameters(), lr=0.05)\n"),
         "leaves the parameters of the model it is given unchanged"),
        # returns every epoch's loss instead of the last one
        (_fit(setup="    losses = []\n", record="losses.append(", close=")", result="losses"),
         "expected a Python number"),
    ],
    "training-fit": [
        # the demo's trained network, no training at all
        ("my_model = model\n", "holds the parameters of model"),
        # a copy of the demo's trained weights
        ("my_model = copy.deepcopy(model)\n", "holds the parameters of model"),
        # a new model that was never trained
        ("torch.manual_seed(7)\nmy_model = DigitNet().to(device)\n", "fewer than 95% of the training images"),
        # the class, not an instance
        ("my_model = DigitNet\n", "an instance of a torch.nn.Module subclass was expected"),
    ],
    "training-save-load": [
        # no copy at all: the same object
        (_restore(copy="model_copy = model"), "must be a new DigitNet instance"),
        # pickles the whole module instead of its state_dict
        (_restore().replace("torch.save(model.state_dict(), exercise_checkpoint)", "torch.save(model, exercise_checkpoint)")
         .replace("model_copy = DigitNet().to(device)\nrestore(model_copy, exercise_checkpoint)",
                  "model_copy = torch.load(exercise_checkpoint, weights_only=False)"),
         "does not hold the state_dict of model"),
        # a restore that never reads the checkpoint: model_copy is a copy made in memory
        (_restore(body="    model.eval()", copy="model_copy = copy.deepcopy(model)"),
         "does not leave model holding the state_dict saved in source"),
        # loads, but leaves the model in training mode
        (_restore(body="    model.load_state_dict(torch.load(source, map_location=device))"), "evaluation mode"),
        # saves, but never loads into the fresh model
        (_restore(copy="model_copy = DigitNet().to(device)"), "load_state_dict"),
    ],
}
