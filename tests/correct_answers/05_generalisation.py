# Correct answers for chapter 05 written another way than the solution: answer grade_id -> [answer cell source].
# Each must be graded "Correct" in the learner's kernel and by `course grade` (tests/test_correct_answers.py).
CORRECT_ANSWERS = {
    "generalisation-split": [
        "def split_indices(n, n_val, generator):\n    perm = torch.randperm(n, generator=generator)\n"
        "    val_idx, train_idx = perm.split([n_val, n - n_val])\n    return train_idx, val_idx\n",
        "def split_indices(n, n_val, generator):\n    order = torch.rand(n, generator=generator).argsort()\n"
        "    return order[n_val:], order[:n_val]\n",
    ],
    "generalisation-dataset": [
        "class RingDataset(Dataset):\n    def __init__(self, points, labels):\n        self.points, self.labels = points, labels\n\n"
        "    def __len__(self):\n        return self.labels.shape[0]\n\n"
        "    def __getitem__(self, i):\n        return self.points[i].to(torch.float32), torch.tensor([float(self.labels[i])])\n",
        "class RingDataset(TensorDataset):\n    def __init__(self, points, labels):\n"
        "        super().__init__(points.float(), labels.float().view(-1, 1))\n",
    ],
    "generalisation-bce": [
        "def bce_from_logits(logits, targets):\n    return (F.softplus(-logits) + (1 - targets) * logits).mean()\n",
        "def bce_from_logits(logits, targets):\n"
        "    loss = logits.clamp(min=0) - logits * targets + torch.log1p(torch.exp(-torch.abs(logits)))\n"
        "    return loss.sum() / loss.numel()\n",
    ],
    "generalisation-evaluate": [
        "def evaluate(model, loader):\n    model.eval()\n    where = next(model.parameters()).device\n    total, count = 0.0, 0\n"
        "    with torch.inference_mode():\n        for x, y in loader:\n            x, y = x.to(where), y.to(where)\n"
        "            total += nn.CrossEntropyLoss()(model(x), y).item() * len(y)\n            count += len(y)\n"
        "    return total / count\n",
        "def evaluate(model, loader):\n    model.train(False)\n    device = next(model.parameters()).device\n"
        "    with torch.no_grad():\n        losses = torch.cat([F.cross_entropy(model(x.to(device)), y.to(device), reduction='none')\n"
        "                            for x, y in loader])\n    return losses.mean().item()\n",
    ],
    "generalisation-batchnorm": [
        "def batchnorm_by_hand(x, bn):\n    if bn.training:\n        var, mean = torch.var_mean(x, dim=0, correction=0)\n"
        "    else:\n        var, mean = bn.running_var, bn.running_mean\n"
        "    return bn.weight * (x - mean) * torch.rsqrt(var + bn.eps) + bn.bias\n",
        "def batchnorm_by_hand(x, bn):\n    mean = x.mean(0) if bn.training else bn.running_mean\n"
        "    var = ((x - mean) ** 2).mean(0) if bn.training else bn.running_var\n"
        "    return (x - mean) / (var + bn.eps).sqrt() * bn.weight + bn.bias\n",
    ],
    "generalisation-param-groups": [
        "def adamw_with_groups(model, lr, weight_decay):\n    groups = [{'params': [], 'weight_decay': weight_decay},\n"
        "              {'params': [], 'weight_decay': 0.0}]\n    for name, p in model.named_parameters():\n"
        "        groups[0 if p.dim() > 1 else 1]['params'].append(p)\n    return torch.optim.AdamW(groups, lr=lr)\n",
        "def adamw_with_groups(model, lr, weight_decay):\n    params = list(model.parameters())\n"
        "    matrices = [p for p in params if len(p.shape) > 1]\n    vectors = [p for p in params if len(p.shape) <= 1]\n"
        "    return optim.AdamW([dict(params=matrices), dict(params=vectors, weight_decay=0.0)], lr=lr,\n"
        "                       weight_decay=weight_decay)\n",
    ],
    "generalisation-init": [
        "def init_conv_net(module):\n    if type(module) is nn.Conv2d:\n"
        "        fan_in = module.weight[0].numel()\n        nn.init.normal_(module.weight, 0.0, math.sqrt(2 / fan_in))\n"
        "        if module.bias is not None:\n            module.bias.data.zero_()\n"
        "    if isinstance(module, nn.BatchNorm2d):\n        with torch.no_grad():\n"
        "            module.weight.fill_(1.0)\n            module.bias.fill_(0.0)\n",
        "def init_conv_net(module):\n    if isinstance(module, nn.Conv2d):\n        nn.init.kaiming_normal_(module.weight)\n"
        "        if module.bias is not None:\n            nn.init.constant_(module.bias, 0)\n"
        "    elif isinstance(module, nn.BatchNorm2d):\n        nn.init.constant_(module.weight, 1)\n"
        "        nn.init.constant_(module.bias, 0)\n",
    ],
    "generalisation-early-stopping": [
        "def early_stopping(val_losses, patience):\n    best = 0\n    for epoch in range(len(val_losses)):\n"
        "        if val_losses[epoch] < val_losses[best]:\n            best = epoch\n"
        "        if epoch - best >= patience:\n            return best, epoch\n    return best, len(val_losses) - 1\n",
        "def early_stopping(val_losses, patience):\n    best_loss, best_epoch = float('inf'), 0\n"
        "    stop = len(val_losses) - 1\n    for epoch, loss in enumerate(val_losses):\n        if loss < best_loss:\n"
        "            best_loss, best_epoch = loss, epoch\n        elif epoch - best_epoch == patience:\n"
        "            stop = epoch\n            break\n    return best_epoch, stop\n",
    ],
    "generalisation-checkpoint": [
        "def save_checkpoint(target, model, optimizer, epoch):\n"
        "    torch.save(dict(epoch=epoch, model=model.state_dict(), optimizer=optimizer.state_dict()), target)\n\n\n"
        "def load_checkpoint(source, model, optimizer):\n"
        "    state = torch.load(source, weights_only=True, map_location=next(model.parameters()).device)\n"
        "    optimizer.load_state_dict(state['optimizer'])\n    model.load_state_dict(state['model'])\n"
        "    return int(state['epoch']) + 1\n",
        "def save_checkpoint(target, model, optimizer, epoch):\n    checkpoint = {}\n"
        "    checkpoint['model'] = model.state_dict()\n    checkpoint['optimizer'] = optimizer.state_dict()\n"
        "    checkpoint['epoch'] = epoch\n    torch.save(checkpoint, target)\n\n\n"
        "def load_checkpoint(source, model, optimizer):\n    device = next(model.parameters()).device\n"
        "    checkpoint = torch.load(source, map_location=device, weights_only=True)\n"
        "    model.load_state_dict(checkpoint['model'], strict=True)\n    optimizer.load_state_dict(checkpoint['optimizer'])\n"
        "    next_epoch = checkpoint['epoch'] + 1\n    return next_epoch\n",
    ],
    "generalisation-rings": [
        # a feature of its own (the squared radius) in front of a small network, trained with SGD + momentum
        "class RadiusNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.body = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))\n\n"
        "    def forward(self, xy):\n        return self.body(torch.cat([xy, (xy ** 2).sum(1, keepdim=True)], dim=1))\n\n\n"
        "torch.manual_seed(0)\nring_model = RadiusNet().to(device)\n"
        "points, labels = make_rings(3000, torch.Generator().manual_seed(1))\n"
        "loader = DataLoader(RingDataset(points, labels), batch_size=50, shuffle=True, generator=torch.Generator().manual_seed(2))\n"
        "opt = torch.optim.SGD(ring_model.parameters(), lr=0.1, momentum=0.9)\n"
        "for epoch in range(15):\n    for xy, target in loader:\n        opt.zero_grad()\n"
        "        loss = F.binary_cross_entropy_with_logits(ring_model(xy.to(device)), target.to(device))\n"
        "        loss.backward()\n        opt.step()\n",
        # a plain network with tanh, Adam and larger batches, trained on all points at once per epoch
        "torch.manual_seed(3)\nring_model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),\n"
        "                           nn.Linear(64, 1)).to(device)\n"
        "train_points = RingDataset(*make_rings(3000, torch.Generator().manual_seed(4)))\n"
        "optimizer = optim.Adam(ring_model.parameters(), lr=1e-2)\nloss_fn = nn.BCEWithLogitsLoss()\n"
        "for epoch in range(20):\n"
        "    for xy, target in DataLoader(train_points, batch_size=100, shuffle=True):\n"
        "        optimizer.zero_grad()\n        loss_fn(ring_model(xy.to(device)), target.to(device)).backward()\n"
        "        optimizer.step()\n",
    ],
}
