# Correct answers for chapter 04 written another way than the solution: answer grade_id -> [answer cell source].
# Each must be graded "Correct" in the learner's kernel and by `course grade` (tests/test_correct_answers.py).
CORRECT_ANSWERS = {
    "training-class-counts": [
        "train_counts = torch.from_numpy(np.bincount(labels[train_idx], minlength=10))\n",
        "train_counts = torch.zeros(10, dtype=torch.long)\nfor label in labels[train_idx]:\n"
        "    train_counts[int(label)] += 1\n",
    ],
    "training-test-loader": [
        "test_loader = DataLoader(test_set, batch_size=128, shuffle=False)\n\n\n"
        "def batch_sizes(n_examples, batch_size, drop_last=False):\n"
        "    sizes = [batch_size] * (n_examples // batch_size)\n"
        "    if n_examples % batch_size and not drop_last:\n        sizes.append(n_examples % batch_size)\n"
        "    return sizes\n",
        "test_loader = DataLoader(dataset=test_set, batch_size=128, shuffle=False, drop_last=False)\n\n\n"
        "def batch_sizes(n_examples, batch_size, drop_last=False):\n"
        "    import math\n    count = n_examples // batch_size if drop_last else math.ceil(n_examples / batch_size)\n"
        "    return [min(batch_size, n_examples - i * batch_size) for i in range(count)]\n",
    ],
    "training-epoch": [
        # np.mean returns a numpy.float64, which is a Python float
        "def train_one_epoch(model, loader, optimizer, loss_fn):\n    model.train()\n    losses = []\n"
        "    for inputs, targets in loader:\n        inputs, targets = inputs.to(device), targets.to(device)\n"
        "        optimizer.zero_grad()\n        loss = loss_fn(model(inputs), targets)\n        loss.backward()\n"
        "        optimizer.step()\n        losses.append(loss.item())\n    return np.mean(losses)\n",
        "def train_one_epoch(model, loader, optimizer, loss_fn):\n    model.train(True)\n    total, batches = 0.0, 0\n"
        "    for inputs, targets in loader:\n        optimizer.zero_grad()\n"
        "        loss = loss_fn(model(inputs.to(device)), targets.to(device))\n        loss.backward()\n"
        "        optimizer.step()\n        total += float(loss)\n        batches += 1\n    return total / batches\n",
    ],
    "training-accuracy": [
        "def accuracy(logits, labels):\n    return (logits.argmax(1) == labels).sum().item() / len(labels)\n",
        "def accuracy(logits, labels):\n    return np.mean((logits.argmax(dim=1) == labels).cpu().numpy())\n",
    ],
    "training-fit-loop": [
        "def fit(model, loader, optimizer, loss_fn, n_epochs):\n    last_loss = None\n    for epoch in range(n_epochs):\n"
        "        last_loss = train_one_epoch(model, loader, optimizer, loss_fn)\n    return last_loss\n",
        "def fit(model, loader, optimizer, loss_fn, n_epochs):\n"
        "    losses = [train_one_epoch(model, loader, optimizer, loss_fn) for _ in range(n_epochs)]\n    return losses[-1]\n",
    ],
    "training-fit": [
        "torch.manual_seed(7)\nmy_model = DigitNet().to(device)\noptimizer = optim.SGD(my_model.parameters(), lr=0.05, momentum=0.9)\n"
        "loss_fn = nn.CrossEntropyLoss()\nmy_last_loss = fit(my_model, train_loader, optimizer, loss_fn, n_epochs=15)\n",
        "torch.manual_seed(7)\nmy_model = DigitNet()\nmy_model.to(device)\n"
        "my_last_loss = fit(my_model, train_loader, torch.optim.SGD(my_model.parameters(), 0.05, momentum=0.9),\n"
        "                   torch.nn.CrossEntropyLoss(), 15)\n",
    ],
    "training-save-load": [
        "def restore(model, source):\n    state = torch.load(source, map_location=device)\n    model.load_state_dict(state)\n"
        "    model.eval()\n\n\ntorch.save(model.state_dict(), exercise_checkpoint)\nmodel_copy = DigitNet().to(device)\n"
        "restore(model_copy, exercise_checkpoint)\n",
        "def restore(model, source):\n    model.load_state_dict(torch.load(source, map_location=device, weights_only=True))\n"
        "    model.train(False)\n\n\ntorch.save(model.state_dict(), exercise_checkpoint)\n"
        "model_copy = DigitNet()\nmodel_copy.to(device)\nrestore(model_copy, exercise_checkpoint)\n",
    ],
}
