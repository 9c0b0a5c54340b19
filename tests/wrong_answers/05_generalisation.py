"""Realistic wrong answers for chapter 05: grade_id -> [(answer cell source, substring of the failure)]."""

from functools import partial

_SPLIT = "def split_indices(n, n_val, generator):\n    shuffled = {order}\n    return {result}\n"
_split = partial(_SPLIT.format, order="torch.randperm(n, generator=generator)", result="shuffled[n_val:], shuffled[:n_val]")

_RING_DATASET = (
    "class RingDataset({base}):\n"
    "    def __init__(self, points, labels):\n"
    "        self.points = points.float()\n"
    "        self.targets = {targets}\n\n"
    "    def __len__(self):\n"
    "        return len(self.points)\n\n"
    "    def __getitem__(self, index):\n"
    "        return self.points[index], self.targets[index]\n"
)
_ring_dataset = partial(_RING_DATASET.format, base="Dataset", targets="labels.float().unsqueeze(1)")

_BCE = "def bce_from_logits(logits, targets):\n    {body}\n"
_STABLE = "torch.clamp(-logits, min=0) + torch.log1p(torch.exp(-logits.abs()))"

_EVALUATE = (
    "def evaluate(model, loader):\n"
    "{mode}"
    "    model_device = next(model.parameters()).device\n"
    "    losses, sizes = [], []\n"
    "    with torch.no_grad():\n"
    "        for inputs, labels in loader:\n"
    "            inputs, labels = inputs.to(model_device), labels.to(model_device)\n"
    "            losses.append(F.cross_entropy(model(inputs), labels){item})\n"
    "            sizes.append(len(labels))\n"
    "    return {result}\n"
)
_evaluate = partial(_EVALUATE.format, mode="    model.eval()\n", item=".item()",
                    result="sum(l * s for l, s in zip(losses, sizes)) / sum(sizes)")

_BATCHNORM = (
    "def batchnorm_by_hand(x, bn):\n"
    "    if {condition}:\n"
    "        mean, var = x.mean(dim=0), {variance}\n"
    "    else:\n"
    "        mean, var = bn.running_mean, bn.running_var\n"
    "    return (x - mean) / torch.sqrt({denominator}) * bn.weight + bn.bias\n"
)
_batchnorm = partial(_BATCHNORM.format, condition="bn.training", variance="x.var(dim=0, unbiased=False)",
                     denominator="var + bn.eps")

_GROUPS = (
    "def adamw_with_groups(model, lr, weight_decay):\n"
    "    decayed = [p for p in model.parameters() if {test}]\n"
    "    others = [p for p in model.parameters() if not ({test})]\n"
    "    return {optimizer}([{{'params': {first}, 'weight_decay': weight_decay}},\n"
    "                        {{'params': {second}, 'weight_decay': 0.0}}], lr=lr)\n"
)
_groups = partial(_GROUPS.format, test="p.ndim >= 2", optimizer="optim.AdamW", first="decayed", second="others")

_INIT = (
    "def init_conv_net(module):\n"
    "    if isinstance(module, nn.Conv2d):\n"
    "        {draw}\n"
    "{bias}"
    "{batchnorm}"
)
_KAIMING = 'nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")'
_BIAS = "        if module.bias is not None:\n            nn.init.zeros_(module.bias)\n"
_BN = ("    elif isinstance(module, nn.BatchNorm2d):\n        nn.init.ones_(module.weight)\n"
       "        nn.init.zeros_(module.bias)\n")
_init = partial(_INIT.format, draw=_KAIMING, bias=_BIAS, batchnorm=_BN)

_EARLY = (
    "def early_stopping(val_losses, patience):\n"
    "    best_epoch, since_best = 0, 0\n"
    "    for epoch, loss in enumerate(val_losses):\n"
    "        if loss {better} val_losses[best_epoch]:\n"
    "            best_epoch, since_best = epoch, 0\n"
    "        elif epoch > 0:\n"
    "            since_best += 1\n"
    "            if since_best {stop} patience:\n"
    "                return {result}\n"
    "    return best_epoch, len(val_losses) - 1\n"
)
_early = partial(_EARLY.format, better="<", stop="==", result="best_epoch, epoch")

_CHECKPOINT = (
    "def save_checkpoint(target, model, optimizer, epoch):\n"
    "    torch.save({saved}, target)\n\n\n"
    "def load_checkpoint(source, model, optimizer):\n"
    "    checkpoint = torch.load(source, map_location=next(model.parameters()).device, weights_only=True)\n"
    "    model.load_state_dict(checkpoint['model'])\n"
    "{load_optimizer}"
    "    return {result}\n"
)
_SAVED = "{'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'epoch': epoch}"
_checkpoint = partial(_CHECKPOINT.format, saved=_SAVED, load_optimizer="    optimizer.load_state_dict(checkpoint['optimizer'])\n",
                      result="checkpoint['epoch'] + 1")

# built without RingDataset, so that a wrong RingDataset in the same notebook does not break these
_RINGS = (
    "torch.manual_seed(9)\n"
    "ring_model = {model}.to(device)\n"
    "ring_xy, ring_labels = make_rings(2000, torch.Generator().manual_seed(10))\n"
    "ring_loader = DataLoader(TensorDataset(ring_xy, ring_labels.float().unsqueeze(1)), batch_size=64,\n"
    "                         shuffle=True, generator=torch.Generator().manual_seed(12))\n"
    "ring_optimizer = optim.AdamW(ring_model.parameters(), lr=3e-3)\n"
    "for _ in range({epochs}):\n"
    "    for points, targets in ring_loader:\n"
    "        ring_optimizer.zero_grad()\n"
    "        nn.BCEWithLogitsLoss()(ring_model(points.to(device)), targets.to(device)).backward()\n"
    "        ring_optimizer.step()\n"
)


def _failing(message, *sources):
    """(source, message) pairs for wrong answers that all fail with the same message."""
    return [(source, message) for source in sources]


_NOT_EXPECTED_VALUES = "not the expected values"
_NOT_EXPECTED_ANSWER = "not the expected answer"
_RING_ACCURACY = "fewer than 90% of fresh ring points"

WRONG_ANSWERS = {
    "generalisation-split": [
        *_failing("does not draw a random split from the generator",
                  _split(order="torch.randperm(n)"),   # the global random number generator, not the one given
                  _split(order="torch.arange(n)")),    # no shuffling: the first n_val indices always validate
        # the two parts swapped
        (_split(result="shuffled[:n_val], shuffled[n_val:]"), "sizes n - n_val and n_val"),
        # one index lost at the seam
        (_split(result="shuffled[n_val + 1:], shuffled[:n_val]"), "hold every index once"),
    ],
    "generalisation-dataset": [
        *_failing("float targets of shape B x 1",
                  _ring_dataset(targets="labels"),            # int64: CrossEntropyLoss's target, not BCE's
                  _ring_dataset(targets="labels.float()")),   # float, but a number per example, not (1,)
        # a class with __len__ and __getitem__ that is not a Dataset
        (_ring_dataset(base="object"), "not a subclass of torch.utils.data.Dataset"),
    ],
    "generalisation-bce": [
        *_failing(_NOT_EXPECTED_VALUES,
                  # the textbook formula through sigmoid and log: infinite for large logits
                  _BCE.format(body="p = torch.sigmoid(logits)\n"
                                   "    return -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).mean()"),
                  _BCE.format(body=f"return ({_STABLE} + (1 - targets) * logits).sum()"),   # the sum, not the mean
                  _BCE.format(body=f"return ({_STABLE} + targets * logits).mean()")),       # the logit term's sign
        # a Python float: no gradient flows through it
        (_BCE.format(body=f"return ({_STABLE} + (1 - targets) * logits).mean().item()"), "a torch.Tensor was expected"),
    ],
    "generalisation-evaluate": [
        # forgets model.eval(): dropout stays on
        (_evaluate(mode=""), "leaves the model in training mode"),
        # the mean of the batch means: the smaller last batch weighs too much
        (_evaluate(result="sum(losses) / len(losses)"), _NOT_EXPECTED_ANSWER),
        # keeps the loss tensors: the result is a tensor
        (_evaluate(item=""), ".item()"),
    ],
    "generalisation-batchnorm": _failing(
        _NOT_EXPECTED_VALUES,
        _batchnorm(variance="x.var(dim=0)"),   # the unbiased variance (torch.var's default)
        _batchnorm(condition="True"),          # batch statistics whatever the mode
        _batchnorm(condition="False"),         # running statistics whatever the mode
        _batchnorm(denominator="var"),         # eps forgotten (invisible with the default eps, not with another)
    ),
    "generalisation-param-groups": [
        *_failing("in the first group",
                  # weight decay on everything, one group
                  "def adamw_with_groups(model, lr, weight_decay):\n"
                  "    return optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)\n",
                  _groups(first="others", second="decayed"),   # the groups in the other order
                  _groups(test="p.ndim > 2")),                 # convolution kernels only, not Linear weights
        # Adam, where weight decay is added to the gradient
        (_groups(optimizer="optim.Adam"), "does not return an optim.AdamW"),
    ],
    "generalisation-init": [
        *_failing("Kaiming-normal convolution weights",
                  _init(draw=_KAIMING.replace("normal_", "uniform_")),   # the right spread, not a normal draw
                  _init(draw=_KAIMING.replace("fan_in", "fan_out"))),
        # BatchNorm forgotten
        (_init(batchnorm=""), "BatchNorm weights of one"),
        # a bias that may not exist
        (_init(bias="        nn.init.zeros_(module.bias)\n"), "'NoneType' object has no attribute"),
    ],
    "generalisation-early-stopping": _failing(
        _NOT_EXPECTED_ANSWER,
        _early(better="<="),   # a tie counts as an improvement
        _early(stop=">"),      # waits one epoch too long
        # the best epoch over the whole list, even after stopping
        _early(result="min(range(len(val_losses)), key=val_losses.__getitem__), epoch"),
    ),
    "generalisation-checkpoint": [
        # the model only: nothing to restore the optimizer from
        (_checkpoint(saved="{'model': model.state_dict(), 'epoch': epoch}", load_optimizer=""),
         "does not save a dictionary with the keys"),
        # the objects themselves: they do not load with weights_only=True
        (_checkpoint(saved="{'model': model, 'optimizer': optimizer, 'epoch': epoch}"), "loads with weights_only=True"),
        *_failing("does not resume training exactly",
                  _checkpoint(load_optimizer=""),                 # AdamW restarts its running averages
                  _checkpoint(result="checkpoint['epoch']")),     # the epoch just finished would run again
    ],
    "generalisation-rings": [
        *_failing(_RING_ACCURACY,
                  # never trained
                  "ring_model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 1)).to(device)\n",
                  # no hidden layer: a straight line cannot separate a ring
                  _RINGS.format(model="nn.Linear(2, 1)", epochs=3),
                  # a sigmoid at the end: every output is positive, so every point is "on the ring"
                  _RINGS.format(model="nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())",
                                epochs=3)),
        # two outputs, as for CrossEntropyLoss
        ("ring_model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 2)).to(device)\n", "(5, 1)"),
    ],
}
