"""The course's data files match their data cards and hold what the chapters expect."""

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


def card_sha256(card):
    match = re.search(r"\| sha256 \| `([0-9a-f]{64})` \|", card.read_text())
    assert match, f"{card.name} has no sha256 row"
    return match.group(1)


@pytest.mark.parametrize("name", ["digits"])
def test_data_file_checksum_matches_its_card(name):
    digest = hashlib.sha256((DATA / f"{name}.npz").read_bytes()).hexdigest()
    assert digest == card_sha256(DATA / f"{name}.md"), (
        f"data/{name}.npz changed: regenerate it with data/make_{name}.py and update data/{name}.md")


def test_digits_arrays_have_the_documented_shapes_and_a_clean_split():
    with np.load(DATA / "digits.npz", allow_pickle=False) as digits:
        images, labels = digits["images"], digits["labels"]
        train_idx, test_idx = digits["train_idx"], digits["test_idx"]
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert images.min() == 0 and images.max() == 16
    assert labels.shape == (1797,) and labels.dtype == np.int64 and set(labels.tolist()) == set(range(10))
    assert (len(train_idx), len(test_idx)) == (1438, 359)
    assert train_idx.dtype == test_idx.dtype == np.int64
    assert not np.intersect1d(train_idx, test_idx).size
    assert np.array_equal(np.sort(np.concatenate([train_idx, test_idx])), np.arange(1797))
    # stratified: every digit has about a fifth of its images in the test split
    share = np.bincount(labels[test_idx], minlength=10) / np.bincount(labels, minlength=10)
    assert np.all(np.abs(share - 0.2) < 0.01)


def test_data_script_imports_no_http_client_and_is_documented():
    script = (DATA / "make_digits.py").read_text()
    assert "urllib" not in script and "requests" not in script
    assert "make_digits.py" in (DATA / "digits.md").read_text()
