# Correct answers for chapter 01 written another way than the solution: answer grade_id -> [answer cell source].
# Each must be graded "Correct" in the learner's kernel and by `course grade` (tests/test_correct_answers.py).
CORRECT_ANSWERS = {
    "tensors-zeros-long": [
        "def zeros_long(rows, cols):\n    return torch.zeros((rows, cols), dtype=torch.int64)\n",
        "def zeros_long(rows, cols):\n    return torch.full((rows, cols), 0, dtype=torch.long)\n",
    ],
    "tensors-new-ones": [
        "def ones_from(t, rows, cols):\n    return torch.ones(rows, cols, dtype=t.dtype, device=t.device)\n",
        "def ones_from(t, rows, cols):\n    return t.new_full((rows, cols), 1)\n",
    ],
    "tensors-size-elements": [
        "import math\n\n\ndef per_example(t):\n    return math.prod(t.shape[1:])\n",
        "def per_example(t):\n    return t[0].numel() if len(t) else t.new_empty(t.shape[1:]).numel()\n",
    ],
    "tensors-scaled-sum": [
        "def scaled_sum(u, v, alpha):\n    return u + alpha * v\n",
        "def scaled_sum(u, v, alpha):\n    return v.mul(alpha).add(u)\n",
    ],
    "tensors-index-column": [   # (3, 1) views by indexing, as the instructions ask
        "second_column = table[:, 1].unsqueeze(1)\n",
        "second_column = table.narrow(1, 1, 1)\n",
        "second_column = table[:, 1, None]\n",
    ],
    "tensors-view-infer": [
        "def as_pairs(t):\n    return t.view(t.numel() // 2, 2)\n",
        "def as_pairs(t):\n    rows = t.numel() // 2\n    return t.view(rows, -1)\n",
    ],
    "tensors-item": [
        "def mean_of(t):\n    return (t.sum() / t.numel()).item()\n",
        "def mean_of(t):\n    return float(t.mean())\n",
    ],
    "tensors-reshape-transposed": [
        "def read_by_columns(m):\n    return m.t().flatten()\n",
        "def read_by_columns(m):\n    return m.T.contiguous().view(-1)\n",
    ],
    "tensors-broadcast-rows": [
        "def center_rows(m):\n    return m - m.mean(1).unsqueeze(1)\n",
        "def center_rows(m):\n    row_means = m.mean(dim=1)\n    return m - row_means[:, None]\n",
    ],
    "tensors-matmul-dots": [
        "def all_dots(a, b):\n    return torch.matmul(a, b.t())\n",
        "def all_dots(a, b):\n    return a.mm(b.T)\n",
    ],
    "tensors-cat-stack": [
        "def append_rows(batch, samples):\n    return torch.cat([batch] + [s.unsqueeze(0) for s in samples])\n",
        "def append_rows(batch, samples):\n    return torch.cat((batch, torch.stack(samples, dim=0)), dim=0)\n",
    ],
    "tensors-numpy-shared": [
        "shared = torch.from_numpy(readings).t()\n",
        "shared = torch.as_tensor(readings).permute(1, 0)\n",
    ],
    "tensors-to-device": [
        "def to_device(batch, device):\n    return tuple(map(lambda t: t.to(device), batch))\n",
        "def to_device(batch, device):\n    moved = []\n    for t in batch:\n        moved.append(t.to(device=device))\n"
        "    return tuple(moved)\n",
    ],
    "tensors-clip-rows": [
        "def clip_rows(m, max_norm):\n    return m * (max_norm / m.norm(dim=1, keepdim=True)).clamp(max=1)\n",
        "def clip_rows(m, max_norm):\n    norms = torch.linalg.vector_norm(m, dim=1, keepdim=True)\n"
        "    return m / torch.maximum(norms / max_norm, torch.ones_like(norms))\n",
    ],
}
