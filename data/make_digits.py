"""Produce data/digits.npz from the UCI handwritten-digits copy inside scikit-learn.

The course never imports scikit-learn; this script ran once, in a throwaway
virtual environment, to write the committed file:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
    /tmp/skl/bin/python data/make_digits.py            # writes data/digits.npz

It reads ``sklearn/datasets/data/digits.csv.gz`` (1797 rows of 64 pixel counts
0..16 and a label) and needs nothing but numpy at run time (``--source`` names
the csv.gz directly, so scikit-learn itself need not be importable). The output
is byte-for-byte reproducible: a fixed stratified split (seed 0) and zip
entries with a fixed timestamp. Print the sha256 of the result and copy it
into data/digits.md.
"""

import argparse
import gzip
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

SEED = 0
TEST_FRACTION = 0.2
OUT = Path(__file__).resolve().parent / "digits.npz"


def default_source():
    import sklearn  # only to locate the file inside the installed wheel

    return Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"


def read_csv_gz(path):
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    assert table.shape == (1797, 65), table.shape
    images = table[:, :64].reshape(-1, 8, 8)
    assert images.min() >= 0 and images.max() <= 16
    return images.astype(np.uint8), table[:, 64].astype(np.int64)


def stratified_split(labels, test_fraction=TEST_FRACTION, seed=SEED):
    """Sorted train and test indices; each digit keeps its share in both parts."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        n_test = int(round(test_fraction * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def write_npz(path, arrays):
    """Like np.savez_compressed, but with fixed zip timestamps so the bytes never change."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="path of sklearn's digits.csv.gz")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    source = args.source or default_source()
    images, labels = read_csv_gz(source)
    train_idx, test_idx = stratified_split(labels)
    write_npz(args.out, {"images": images, "labels": labels,
                         "train_idx": train_idx.astype(np.int64), "test_idx": test_idx.astype(np.int64)})
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"source  {source} (sha256 {hashlib.sha256(Path(source).read_bytes()).hexdigest()})")
    print(f"wrote   {args.out}: {len(labels)} images, {len(train_idx)} train / {len(test_idx)} test")
    print(f"sha256  {digest}")


if __name__ == "__main__":
    main()
