"""Evidence on the wire: a bounded tree format that the kernel writes and the grader reads without recursion.

The learner's kernel is hostile, so what it sends must be readable at a cost known in advance.
The format is a tree written in prefix order: each node is a one-byte tag and its payload; a
container says how many children follow. It has no references, so one node can never be read
twice (a shared-reference bomb is impossible), and no compression (a decompression bomb is
impossible): the bytes read are the bytes sent. :func:`decode` walks it with an explicit stack
and stops at the first limit it passes: total bytes, node count, depth, string length, tensor
elements (:class:`Limits`). Tensors are a dtype, a shape and their raw bytes (CPU, contiguous,
native byte order: the kernel runs on the grader's kind of machine).

Nodes: ``N`` None, ``T``/``F`` booleans, ``i`` int64, ``I`` a bigger int (decimal text), ``f``
float64, ``s`` str (UTF-8), ``l`` list, ``t`` tuple, ``d`` dict (str or int keys), ``X`` tensor.
"""

import math
import struct
from dataclasses import dataclass

import torch

MAGIC = b"course-evidence/1\n"
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")
_DTYPES = {str(d): d for d in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                                torch.uint16, torch.uint32, torch.uint64, torch.float16, torch.bfloat16,
                                torch.float32, torch.float64, torch.complex64, torch.complex128)}


@dataclass(frozen=True)
class Limits:
    """What the grader reads of one evidence record, at most."""

    max_bytes: int = 16 * 1024**2       # the whole record (there is no compression: read = sent)
    max_nodes: int = 100_000            # tags of every kind, containers included
    max_depth: int = 32                 # nested containers
    max_string: int = 64 * 1024         # bytes of one str (UTF-8)
    max_int_digits: int = 400           # digits of an int beyond 64 bits
    max_elements: int = 4_000_000       # elements of one tensor
    max_dims: int = 16                  # dimensions of one tensor


LIMITS = Limits()


class EvidenceRejected(ValueError):
    """The record is not evidence, or it passes one of the limits: it earns nothing."""


# ---------------------------------------------------------------- encoding (the kernel)

def encode(value, limits=LIMITS):
    """``value`` (None, bool, int, float, str, list, tuple, dict with str/int keys, CPU tensors) as bytes.

    Raises :class:`EvidenceRejected` when the result would pass ``limits``: what the kernel sends
    honestly, the grader can always read."""
    out = bytearray(MAGIC)
    nodes = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise EvidenceRejected(f"more than {limits.max_nodes} nodes")
        kind = type(item)
        if item is None:
            out += b"N"
        elif kind is bool:
            out += b"T" if item else b"F"
        elif kind is int:
            if -2**63 <= item < 2**63:
                out += b"i" + _I64.pack(item)
            else:
                _text(out, b"I", str(item), limits.max_int_digits + 1)
        elif kind is float:
            out += b"f" + _F64.pack(item)
        elif kind is str:
            _text(out, b"s", item, limits.max_string)
        elif kind in (list, tuple, dict):
            if depth >= limits.max_depth:
                raise EvidenceRejected(f"nested deeper than {limits.max_depth}")
            children = [c for pair in item.items() for c in pair] if kind is dict else list(item)
            if kind is dict and any(type(k) not in (str, int) for k in item):
                raise EvidenceRejected("a dict key that is not a str or an int")
            out += {list: b"l", tuple: b"t", dict: b"d"}[kind] + _U32.pack(len(item))
            stack.extend((c, depth + 1) for c in reversed(children))
        elif isinstance(item, torch.Tensor):
            _tensor(out, item, limits)
        else:
            raise EvidenceRejected(f"{kind.__name__} is not evidence")
        if len(out) > limits.max_bytes:
            raise EvidenceRejected(f"more than {limits.max_bytes} bytes")
    return bytes(out)


def _text(out, tag, text, limit):
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise EvidenceRejected(f"a string of {len(data)} bytes (at most {limit})")
    out += tag + _U32.pack(len(data)) + data


def _tensor(out, tensor, limits):
    tensor = torch.Tensor.detach(tensor)
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    tensor = tensor.to("cpu").resolve_conj().resolve_neg().contiguous()
    name = str(tensor.dtype)
    if name not in _DTYPES:
        raise EvidenceRejected(f"a tensor of dtype {name}")
    if tensor.dim() > limits.max_dims or tensor.numel() > limits.max_elements:
        raise EvidenceRejected(f"a tensor of shape {tuple(tensor.shape)}: more than {limits.max_elements} "
                               f"elements or {limits.max_dims} dimensions")
    data = tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
    out += b"X" + bytes([len(name)]) + name.encode("ascii") + bytes([tensor.dim()])
    out += b"".join(_U64.pack(d) for d in tensor.shape) + _U64.pack(len(data)) + data


# ---------------------------------------------------------------- decoding (the grader)

class _Reader:
    def __init__(self, data):
        self.data = memoryview(data)
        self.pos = 0

    def take(self, n):
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise EvidenceRejected("truncated")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def unpack(self, fmt):
        return fmt.unpack(self.take(fmt.size))[0]


class _Frame:
    """A container being read: its kind, how many children are still to come, what was read."""

    __slots__ = ("kind", "left", "items")

    def __init__(self, kind, left):
        self.kind, self.left, self.items = kind, left, []

    def finish(self):
        if self.kind == b"t":
            return tuple(self.items)
        if self.kind == b"d":
            keys, values = self.items[0::2], self.items[1::2]
            if any(type(k) not in (str, int) for k in keys):
                raise EvidenceRejected("a dict key that is not a str or an int")
            return dict(zip(keys, values))
        return self.items


def decode(data, limits=LIMITS):
    """The value in ``data`` (bytes from :func:`encode`), or raise :class:`EvidenceRejected` with the reason.

    Cost is linear in ``len(data)``: no recursion, no reference, no compression."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise EvidenceRejected("not bytes")
    if len(data) > limits.max_bytes:
        raise EvidenceRejected(f"{len(data)} bytes (at most {limits.max_bytes})")
    reader = _Reader(data)
    if bytes(data[:len(MAGIC)]) != MAGIC:
        raise EvidenceRejected("not in the evidence format")
    reader.pos = len(MAGIC)
    nodes = 0
    stack = [_Frame(b"l", 1)]          # holds the root
    while True:
        frame = stack[-1]
        if frame.left == 0:
            stack.pop()
            value = frame.finish()
            if not stack:
                break
            stack[-1].items.append(value)
            stack[-1].left -= 1
            continue
        nodes += 1
        if nodes > limits.max_nodes:
            raise EvidenceRejected(f"more than {limits.max_nodes} nodes")
        tag = bytes(reader.take(1))
        if tag in (b"l", b"t", b"d"):
            count = reader.unpack(_U32) * (2 if tag == b"d" else 1)
            if count > len(data) - reader.pos:       # every child takes at least one byte
                raise EvidenceRejected("a container longer than the record")
            if len(stack) > limits.max_depth:
                raise EvidenceRejected(f"nested deeper than {limits.max_depth}")
            stack.append(_Frame(tag, count))
            continue
        frame.items.append(_scalar(tag, reader, limits))
        frame.left -= 1
    if reader.pos != len(data):
        raise EvidenceRejected("bytes after the evidence")
    return value[0]


def _scalar(tag, reader, limits):
    if tag == b"N":
        return None
    if tag in (b"T", b"F"):
        return tag == b"T"
    if tag == b"i":
        return reader.unpack(_I64)
    if tag == b"f":
        return reader.unpack(_F64)
    if tag == b"s":
        size = reader.unpack(_U32)
        if size > limits.max_string:
            raise EvidenceRejected(f"a string of {size} bytes (at most {limits.max_string})")
        try:
            return str(reader.take(size), "utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise EvidenceRejected("a string that is not UTF-8") from None
    if tag == b"I":
        size = reader.unpack(_U32)
        if size > limits.max_int_digits + 1:
            raise EvidenceRejected(f"an int of {size} digits")
        text = bytes(reader.take(size)).decode("ascii", "replace")
        if not text.lstrip("-").isdigit() or not text.isascii():
            raise EvidenceRejected("an int that is not a number")
        return int(text)
    if tag == b"X":
        return _read_tensor(reader, limits)
    raise EvidenceRejected(f"unknown tag {tag!r}")


def _read_tensor(reader, limits):
    name = bytes(reader.take(reader.take(1)[0])).decode("ascii", "replace")
    dtype = _DTYPES.get(name)
    if dtype is None:
        raise EvidenceRejected(f"a tensor of unknown dtype {name[:40]!r}")
    ndim = reader.take(1)[0]
    if ndim > limits.max_dims:
        raise EvidenceRejected(f"a tensor of {ndim} dimensions")
    shape = [reader.unpack(_U64) for _ in range(ndim)]
    if any(d > limits.max_elements for d in shape) or math.prod(shape) > limits.max_elements:
        raise EvidenceRejected(f"a tensor of more than {limits.max_elements} elements")
    size = reader.unpack(_U64)
    if size != math.prod(shape) * dtype.itemsize:
        raise EvidenceRejected("tensor bytes that do not fit its shape and dtype")
    data = reader.take(size)
    if not size:
        return torch.empty(shape, dtype=dtype)
    if dtype == torch.bool:   # any byte but 0 would be a bool that is neither
        return torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(shape) != 0
    return torch.frombuffer(bytearray(data), dtype=dtype).reshape(shape)
