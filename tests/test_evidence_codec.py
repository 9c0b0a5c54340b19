"""The evidence format (issue 21.1): what a kernel sends is read within fixed limits, never recursively."""

import base64
import io
import struct
import zipfile

import pytest
import torch

from autograder.learner import evidence as ev
from autograder.learner.evidence_codec import LIMITS, MAGIC, EvidenceRejected, Limits, decode, encode


def test_honest_evidence_comes_back_as_sent():
    value = {"nonce": "n" * 32, "evidence": [
        ev.probe_value("x", {"x": torch.arange(6.0).reshape(2, 3).requires_grad_()}),
        ev.probe_value("m", {"m": torch.tensor([True, False])}),
        ev.probe_value("e", {"e": torch.zeros(0, 3, dtype=torch.long)}),
        ev.probe_value("s", {"s": (1, 2**70, -3.5, None, "héllo", float("nan"))}),
        ev.probe_value("d", {"d": {"a": [torch.tensor(2.5, dtype=torch.bfloat16)], "b": {}}}),
        ev.probe_value("missing", {}),
    ]}
    back = decode(encode(value))
    facts = back["evidence"][0]["facts"]
    assert facts["shape"] == [2, 3] and facts["requires_grad"] is True
    assert torch.equal(facts["values"], torch.arange(6.0).reshape(2, 3))
    assert torch.equal(back["evidence"][1]["facts"]["values"], torch.tensor([True, False]))
    assert back["evidence"][2]["facts"]["values"].shape == (0, 3)
    assert [i.get("value") for i in back["evidence"][3]["facts"]["items"]] == [1, 2**70, -3.5, None, "héllo", "nan"]
    assert back["evidence"][4]["facts"]["values"][0]["items"][0]["values"].dtype == torch.bfloat16
    assert back["evidence"][5] == {"defined": False, "missing": "missing"}
    assert type(decode(encode((1, [2]))) ) is tuple


def _record(body):
    return MAGIC + body


def _list(n):
    return b"l" + struct.pack("<I", n)


@pytest.mark.parametrize("data, why", [
    (b"PK\x03\x04 a torch.save zip", "not in the evidence format"),
    (_record(b"s" + struct.pack("<I", 10) + b"abc"), "truncated"),
    (_record(b"N" + b"N"), "bytes after"),
    (_record(_list(2**31)), "longer than the record"),
    (_record(b"?"), "unknown tag"),
    (_record(b"s" + struct.pack("<I", 2) + b"\xff\xfe"), "not UTF-8"),
    (_record(b"d" + struct.pack("<I", 1) + _list(0) + b"N"), "dict key"),
    (_record(b"I" + struct.pack("<I", 3) + b"1e9"), "not a number"),
    (_record(b"X" + bytes([11]) + b"torch.alien" + bytes([0]) + struct.pack("<Q", 1) + b"x"), "unknown dtype"),
    (_record(b"X" + bytes([13]) + b"torch.float32" + bytes([1]) + struct.pack("<QQ", 3, 4) + b"abcd"),
     "do not fit"),
])
def test_anything_that_is_not_a_record_is_rejected_with_its_reason(data, why):
    with pytest.raises(EvidenceRejected, match=why):
        decode(data)


def test_every_limit_stops_the_reader_with_its_reason():
    small = Limits(max_bytes=4096, max_nodes=50, max_depth=4, max_string=16, max_elements=8)
    cases = [
        (_record(b"N" * 5000), "bytes"),
        (_record(_list(60) + b"N" * 60), "nodes"),
        (_record(_list(1) * 6 + _list(0)), "deeper"),
        (_record(b"s" + struct.pack("<I", 17) + b"a" * 17), "string"),
        (_record(b"X" + bytes([13]) + b"torch.float32" + bytes([1]) + struct.pack("<QQ", 9, 36) + b"\0" * 36),
         "elements"),
    ]
    for data, why in cases:
        with pytest.raises(EvidenceRejected, match=why):
            decode(data, small)
    with pytest.raises(EvidenceRejected, match="nodes"):
        encode([None] * 60, small)
    with pytest.raises(EvidenceRejected, match="deeper"):
        encode([[[[[[]]]]]], small)


def test_a_deep_record_is_read_without_recursion():
    # a million nested lists: rejected at the depth limit after reading LIMITS.max_depth of them
    with pytest.raises(EvidenceRejected, match="deeper"):
        decode(_record(_list(1) * 1_000_000)[:LIMITS.max_bytes])


def test_shared_references_cannot_multiply_the_work():
    """An aliasing bomb: a few KB of pickle that names one list width**3 times. The format has no
    references, so the kernel would have to send every copy, and the node limit stops it."""
    leaf = list(range(100))
    bomb = [[[leaf] * 100] * 100]
    with pytest.raises(EvidenceRejected, match="nodes"):
        encode(bomb)
    aliased = [leaf, leaf]
    assert decode(encode(aliased)) == [leaf, leaf]   # honest sharing is just sent twice


def test_a_decompression_bomb_is_not_evidence():
    """torch.load would inflate a deflated zip entry; the format has no compression to inflate."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", b"\0" * (64 * 1024**2))
    packed = buffer.getvalue()
    assert len(packed) < 200_000
    with pytest.raises(EvidenceRejected, match="not in the evidence format"):
        decode(packed)
    with pytest.raises(EvidenceRejected, match="not in the evidence format"):
        decode(base64.b64decode(base64.b64encode(b"\x1f\x8b" + packed)))


def test_the_kernel_never_sends_what_the_grader_would_refuse():
    with pytest.raises(EvidenceRejected, match="string"):
        encode("x" * (LIMITS.max_string + 1))
    with pytest.raises(EvidenceRejected, match="elements"):
        encode(torch.zeros(LIMITS.max_elements + 1, dtype=torch.bool))
    with pytest.raises(EvidenceRejected, match="not evidence"):
        encode(object())
