# Realistic wrong answers for chapter 01: answer grade_id -> [(answer cell source, part of the message)].
WRONG_ANSWERS = {
    "tensors-zeros-long": [
        ("zeros_long = torch.zeros(5, 3)\n", "dtype torch.float32"),
        ("zeros_long = torch.zeros(3, 5, dtype=torch.long)\n", "transposed"),
    ],
    "tensors-new-ones-double": [
        ("ones_double = template.new_ones(3, 2)\n", "dtype torch.int64"),
        ("ones_double = template.new_zeros(3, 2, dtype=torch.double)\n", "should hold 1 everywhere"),
    ],
    "tensors-size-elements": [
        ("n_elements = grid.size()\n", "is a torch.Size"),
        ("n_elements = torch.tensor(grid.size()).prod()\n", ".item()"),
    ],
    "tensors-scaled-sum": [
        ("def scaled_sum(u, v, alpha):\n    return u.add_(alpha * v)\n", "changed its argument"),
        ("def scaled_sum(u, v, alpha):\n    return alpha * u + v\n", "not the expected values"),
    ],
    "tensors-index-column": [
        ("second_column = table[1]\n", "shape (4,)"),
        ("second_column = table[:, 0]\n", "not the expected values"),
        ("second_column = torch.tensor([1, 5, 9])\n", "not taken from table by indexing"),
    ],
    "tensors-view-infer": [
        ("pairs = table.view(2, -1)\n", "transposed"),
    ],
    "tensors-item": [
        ("mean_score = scores.mean()\n", ".item()"),
        ("mean_score = scores.sum().item()\n", "not the expected answer"),
    ],
    "tensors-numpy-shared": [
        ("shared = torch.tensor(readings)\n", "torch.tensor() copies"),
        ("shared = torch.from_numpy(readings).float()\n", "dtype torch.float32"),
    ],
    "tensors-to-device": [
        ("on_device = readings_t.to('meta')\n", "device meta"),
    ],
}
