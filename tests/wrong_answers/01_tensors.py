# Realistic wrong answers for chapter 01: answer grade_id -> [(answer cell source, part of the message)].
WRONG_ANSWERS = {
    "tensors-zeros-long": [
        ("def zeros_long(rows, cols):\n    return torch.zeros(rows, cols)\n", "dtype torch.float32"),
        ("def zeros_long(rows, cols):\n    return torch.zeros(cols, rows, dtype=torch.long)\n", "transposed"),
        # the size seen in the lesson, hard-coded: the hidden sizes differ
        ("def zeros_long(rows, cols):\n    return torch.zeros(5, 3, dtype=torch.long)\n", "has shape (5, 3)"),
        ("def zeros_long(rows, cols):\n    return torch.zeros(rows, cols, dtype=torch.int32)\n", "dtype torch.int32"),
    ],
    "tensors-new-ones": [
        ("def ones_from(t, rows, cols):\n    return torch.ones(rows, cols)\n", "dtype torch.float32"),
        # the *_like functions keep t's shape: no new size
        ("def ones_from(t, rows, cols):\n    return torch.ones_like(t)\n", "has shape (3,)"),
        # the dtype of the lesson's example, hard-coded
        ("def ones_from(t, rows, cols):\n    return t.new_ones(rows, cols, dtype=torch.double)\n", "dtype torch.float64"),
        # right dtype, but a factory starts on the CPU whatever t's device
        ("def ones_from(t, rows, cols):\n    return torch.ones(rows, cols, dtype=t.dtype)\n", "device of t"),
        ("def ones_from(t, rows, cols):\n    return t.new_zeros(rows, cols)\n", "not the expected values"),
    ],
    "tensors-size-elements": [
        # every number of the batch, the batch dimension included
        ("def per_example(t):\n    return t.numel()\n", "not the expected answer"),
        # the second size only: right for a matrix, wrong for images
        ("def per_example(t):\n    return t.size(1)\n", "not the expected answer"),
        ("def per_example(t):\n    return t.size()[1:]\n", "is a torch.Size"),
        # the total divided by the batch size: fails on an empty batch
        ("def per_example(t):\n    return t.numel() // len(t)\n", "ZeroDivisionError"),
        ("def per_example(t):\n    return t.numel() / t.size(0)\n", "plain Python int"),
        ("def per_example(t):\n    return torch.tensor(t.size()[1:]).prod()\n", ".item()"),
    ],
    "tensors-scaled-sum": [
        ("def scaled_sum(u, v, alpha):\n    return u.add_(alpha * v)\n", "changed its argument"),
        ("def scaled_sum(u, v, alpha):\n    return alpha * u + v\n", "not the expected values"),
        ("def scaled_sum(u, v, alpha):\n    return (u + v) * alpha\n", "not the expected values"),
    ],
    "tensors-index-column": [
        # an integer index drops the dimension
        ("second_column = table[:, 1]\n", "shape (3,); expected shape (3, 1)"),
        ("second_column = table[1:2]\n", "shape (1, 4)"),
        ("second_column = table[:, 0:1]\n", "not the expected values"),
        # indexing with a list keeps the dimension but copies
        ("second_column = table[:, [1]]\n", "not taken from table by indexing"),
        ("second_column = torch.tensor([[1], [5], [9]])\n", "not taken from table by indexing"),
    ],
    "tensors-view-infer": [
        ("def as_pairs(t):\n    return t.view(2, -1)\n", "transposed"),
        # the size of table, hard-coded
        ("def as_pairs(t):\n    return t.view(6, 2)\n", "is invalid for input of size 4"),
        ("def as_pairs(t):\n    return t.reshape(-1, 2).clone()\n", "returns a copy"),
        ("def as_pairs(t):\n    return torch.arange(12).view(-1, 2)\n", "shape (6, 2)"),
    ],
    "tensors-item": [
        ("def mean_of(t):\n    return t.mean()\n", ".item()"),
        ("def mean_of(t):\n    return t.sum().item()\n", "not the expected answer"),
        ("def mean_of(t):\n    return 79.0\n", "not the expected answer"),
        # len() counts rows only: right for the vectors seen, wrong for a matrix
        ("def mean_of(t):\n    return (t.sum() / len(t)).item()\n", "not the expected answer"),
    ],
    "tensors-reshape-transposed": [
        ("def read_by_columns(m):\n    return m.T.view(-1)\n", "view size is not compatible"),
        ("def read_by_columns(m):\n    return m.reshape(-1)\n", "not the expected values"),
        ("def read_by_columns(m):\n    return m.view(-1)\n", "not the expected values"),
        ("def read_by_columns(m):\n    return m.T\n", "has shape (3, 2); expected shape (6,)"),
        ("def read_by_columns(m):\n    return torch.tensor([0, 3, 1, 4, 2, 5])\n", "shape (6,); expected shape (4,)"),
    ],
    "tensors-broadcast-rows": [
        # the mean without keepdim lines up with the columns
        ("def center_rows(m):\n    return m - m.mean(dim=1)\n", "must match the size"),
        ("def center_rows(m):\n    return m - m.mean()\n", "not the expected values"),
        ("def center_rows(m):\n    return m - m.mean(dim=0)\n", "not the expected values"),
        ("def center_rows(m):\n    return m.sub_(m.mean(dim=1, keepdim=True))\n", "changed its argument"),
    ],
    "tensors-clip-rows": [
        # scales every row to max_norm, lengthening the short ones
        ("def clip_rows(m, max_norm):\n    return m * (max_norm / m.norm(dim=1, keepdim=True))\n", "not the expected values"),
        # clips each number, not each row's length
        ("def clip_rows(m, max_norm):\n    return m.clamp(-max_norm, max_norm)\n", "not the expected values"),
        # the norm without keepdim does not line up with the rows
        ("def clip_rows(m, max_norm):\n    norms = m.norm(dim=1)\n"
         "    return torch.where(norms > max_norm, m * (max_norm / norms), m)\n", "must match the size"),
        # the length of each column instead of each row
        ("def clip_rows(m, max_norm):\n    norms = m.norm(dim=0, keepdim=True)\n"
         "    return torch.where(norms > max_norm, m * (max_norm / norms), m)\n", "not the expected values"),
        # scales the long rows in place, through a mask
        ("def clip_rows(m, max_norm):\n    norms = m.norm(dim=1, keepdim=True)\n    long = (norms > max_norm).squeeze(1)\n"
         "    m[long] *= max_norm / norms[long]\n    return m\n", "changed its argument"),
    ],
    "tensors-matmul-dots": [
        ("def all_dots(a, b):\n    return a @ b\n", "not the expected values"),
        ("def all_dots(a, b):\n    return b @ a.T\n", "transposed"),
        ("def all_dots(a, b):\n    return a * b\n", "must match the size"),
        ("def all_dots(a, b):\n    return a.T @ b\n", "cannot be multiplied"),
    ],
    "tensors-cat-stack": [
        ("def append_rows(batch, samples):\n    return torch.cat([batch] + samples)\n", "same number of dimensions"),
        ("def append_rows(batch, samples):\n    return torch.stack([batch] + samples)\n", "stack expects each tensor"),
        ("def append_rows(batch, samples):\n    return torch.cat([torch.stack(samples), batch])\n",
         "not the expected values"),
        ("def append_rows(batch, samples):\n    return torch.cat([batch, torch.stack(samples, dim=1)])\n",
         "not the expected values"),
    ],
    "tensors-numpy-shared": [
        # one row per measurement: the array's own layout
        ("shared = torch.from_numpy(readings)\n", "transposed"),
        # the right numbers, copied
        ("shared = torch.tensor(readings).T\n", "always copies"),
        ("shared = torch.from_numpy(readings.T.copy())\n", "it is a copy"),
        # a view of the right shape, but reshape does not swap rows and columns
        ("shared = torch.from_numpy(readings).reshape(3, 4)\n", "not the expected values"),
        ("shared = torch.from_numpy(readings).T.float()\n", "dtype torch.float32"),
    ],
    "tensors-to-device": [
        ("def to_device(batch, device):\n    return tuple(t.to(device, copy=True) for t in batch)\n", "returns a copy"),
        ("def to_device(batch, device):\n    return tuple(t.clone().to(device) for t in batch)\n", "returns a copy"),
        # a list, not a tuple
        ("def to_device(batch, device):\n    return [t.to(device) for t in batch]\n", "does not return a tuple"),
        # only the first tensor moves
        ("def to_device(batch, device):\n    return (batch[0].to(device),) + tuple(batch[1:])\n", "does not put every tensor"),
        # the batch itself, as the lesson's one tensor
        ("def to_device(batch, device):\n    return batch.to(device)\n", "does not return a tuple"),
    ],
}
