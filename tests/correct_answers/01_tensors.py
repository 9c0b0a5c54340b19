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
        "def count_elements(t):\n    count = 1\n    for size in t.shape:\n        count = count * size\n    return count\n",
        "import math\n\n\ndef count_elements(t):\n    return math.prod(t.size())\n",
    ],
    "tensors-scaled-sum": [
        "def scaled_sum(u, v, alpha):\n    return u + alpha * v\n",
        "def scaled_sum(u, v, alpha):\n    return v.mul(alpha).add(u)\n",
    ],
    "tensors-index-column": [   # views by indexing, as the lesson's indexing gives
        "second_column = table.select(1, 1)\n",
        "second_column = table[:, 1:2].squeeze(1)\n",
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
        "shared = torch.as_tensor(readings)\n",
        "shared = torch.asarray(readings)\n",
    ],
    "tensors-to-device": [
        "def to_device(t, device):\n    return t.to(device=device)\n",
        "def to_device(t, device):\n    return t.to(torch.device(device))\n",
    ],
}
