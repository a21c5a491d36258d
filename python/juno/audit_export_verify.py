#!/usr/bin/env python3
"""Checks a JUNO audit export (``juno-audit-export`` version 1, JSON lines) without JUNO.

::

    python audit_export_verify.py EXPORT.jsonl [--key VERIFIER_KEY] [--since NOTE_FILE]
                                  [--no-signatures] [--json]
    python -m juno.audit_export_verify EXPORT.jsonl ...
    python audit_export_verify.py --self-test

This file depends on nothing but the Python standard library (3.11 or later): it imports
nothing from JUNO and no third-party package, and verifies Ed25519 signatures with the
short pure-Python code below (RFC 8032 §5.1), so an auditor can read all of it and run it
as a single file. ``docs/audit-export.md`` describes the export format.

What a successful run shows:

- The entries form one unbroken hash chain: ``seq`` runs 1, 2, 3, ... without gaps, every
  payload matches its digest, every entry hash is recomputed from the entry's fields and
  every entry names the previous entry's hash. On its own this shows only that the file is
  internally consistent: whoever rewrites the file can recompute the whole chain.
- The ``tree`` line's root is the RFC 6962 Merkle root over all the entries.
- Every signed checkpoint's root is the Merkle root over the first ``size`` entries, and
  its Ed25519 signature verifies under the verifier key. So the key's holder vouched for
  exactly those entries: changing, dropping, inserting or reordering any of them would
  need a forged signature. The key must come from somewhere the auditor trusts
  (``--key``); a key read from the export's own header proves nothing about who wrote it.
- Every consistency proof verifies (RFC 9162 §2.1.4.2) between the roots recomputed from
  the entries, so the proofs are right for a client that holds only the checkpoints.
- With ``--since``: an older checkpoint the auditor kept still describes the first
  ``size`` entries of this export, i.e. the log was neither rewritten nor truncated since.

It cannot show that entries after the last signed checkpoint are genuine, nor that every
event that happened was logged.

Exit status: 0 when every check passed, 1 when any failed, 2 for a usage error or a file
that cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

FORMAT = "juno-audit-export"
VERSION = 1
ENTRY_DOMAIN = b"juno-audit-v1"
ZERO_HASH = bytes(32)
EMPTY_ROOT = hashlib.sha256(b"").digest()
SIG_PREFIX = "\u2014 "  # an em dash and a space start each signature line of a signed note
ED25519_TYPE = 0x01  # the signature-type byte of Ed25519 keys in C2SP signed notes
MAX_PROBLEMS = 200  # problems listed; the rest are only counted

U64_MAX = (1 << 64) - 1
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MS = timedelta(milliseconds=1)
DATETIME_MS_RANGE = (
    (datetime(1, 1, 1, tzinfo=timezone.utc) - EPOCH) // MS,
    (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc) - EPOCH) // MS,
)


class UsageError(Exception):
    """A bad argument or an unreadable file: exit status 2."""


# --------------------------------------------------------------------------------------
# Ed25519 verification (RFC 8032 §5.1), on edwards25519 in extended coordinates
# (X, Y, Z, T) with x = X/Z, y = Y/Z and x*y = T/Z.

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # the order of the base point
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]
IDENTITY: Point = (0, 1, 1, 0)


def _point_add(p: Point, q: Point) -> Point:
    """p + q (RFC 8032 §5.1.4; the formula is complete, so it also doubles)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _point_mul(s: int, p: Point) -> Point:
    """[s]p by double-and-add (verification handles public data only)."""
    q = IDENTITY
    while s > 0:
        if s & 1:
            q = _point_add(q, p)
        p = _point_add(p, p)
        s >>= 1
    return q


def _point_equal(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def decode_point(data: bytes) -> Point | None:
    """The point a 32-byte encoding names (RFC 8032 §5.1.3), None if it names none."""
    if len(data) != 32:
        return None
    n = int.from_bytes(data, "little")
    x_sign = n >> 255
    y = n & ((1 << 255) - 1)
    if y >= P:  # non-canonical encoding
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vxx = v * x * x % P
    if vxx == (-u) % P:
        x = x * SQRT_M1 % P
    elif vxx != u:
        return None
    if x == 0 and x_sign == 1:
        return None
    if x & 1 != x_sign:
        x = P - x
    return (x, y, 1, x * y % P)


def _base_point() -> Point:
    b = decode_point((4 * pow(5, -1, P) % P).to_bytes(32, "little"))  # y = 4/5, x even
    if b is None:
        raise AssertionError("the Ed25519 base point does not decode")
    return b


BASE = _base_point()


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` by
    ``public_key`` (RFC 8032 §5.1.7, with the cofactorless check [S]B = R + [k]A)."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = decode_point(public_key)
    r = decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    digest = hashlib.sha512(signature[:32] + public_key + message).digest()
    k = int.from_bytes(digest, "little") % L
    return _point_equal(_point_mul(s, BASE), _point_add(r, _point_mul(k, a)))


# RFC 8032 §7.1 TEST 1, 2 and 3: (public key, message, signature), hex.
RFC8032_VECTORS = (
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
)


def self_test() -> list[str]:
    """Runs the RFC 8032 test vectors, and altered copies that must fail; the failures."""
    failures: list[str] = []
    for i, (pub_hex, msg_hex, sig_hex) in enumerate(RFC8032_VECTORS, 1):
        pub, msg, sig = bytes.fromhex(pub_hex), bytes.fromhex(msg_hex), bytes.fromhex(sig_hex)
        s_plus_l = (int.from_bytes(sig[32:], "little") + L).to_bytes(32, "little")
        cases = (
            ("the RFC vector", pub, msg, sig, True),
            ("another message", pub, msg + b"x", sig, False),
            ("a changed R", pub, msg, bytes([sig[0] ^ 1]) + sig[1:], False),
            ("a changed S", pub, msg, sig[:32] + bytes([sig[32] ^ 1]) + sig[33:], False),
            ("S + L", pub, msg, sig[:32] + s_plus_l, False),
        )
        for what, k, m, s, expected in cases:
            if ed25519_verify(k, m, s) != expected:
                failures.append(f"RFC 8032 TEST {i}, {what}: expected {expected}")
    return failures


# --------------------------------------------------------------------------------------
# Hashes and Merkle trees.


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right)


def entry_hash(
    seq: int,
    at_ms: int,
    actor: bytes,
    event: bytes,
    subject: bytes,
    payload_digest: bytes,
    prev_hash: bytes,
) -> bytes:
    """An entry's hash from its fields (the text fields already UTF-8 encoded)."""
    h = hashlib.sha256(ENTRY_DOMAIN)
    h.update(seq.to_bytes(8, "big"))
    h.update(at_ms.to_bytes(8, "big", signed=True))
    for text in (actor, event, subject):
        h.update(len(text).to_bytes(4, "big"))
        h.update(text)
    h.update(payload_digest)
    h.update(prev_hash)
    return h.digest()


class MerkleTree:
    """RFC 6962 Merkle tree over entry hashes, answering the root of any prefix.

    Keeps every complete subtree's hash (about 64 bytes an entry), so that the root over
    the first ``m`` entries costs O(log m) hashes once all entries are in.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]  # level i: subtrees of 2**i leaves
        self._size = 0
        self._built = False

    @property
    def size(self) -> int:
        return self._size

    def append(self, entry_hash: bytes) -> None:
        if self._built:
            raise RuntimeError("the tree is complete")
        self._levels[0] += _sha256(b"\x00" + entry_hash)
        self._size += 1

    def _build(self) -> None:
        level = self._levels[0]
        while len(level) >= 64:
            parent = bytearray()
            for i in range(0, len(level) - 63, 64):
                parent += _sha256(b"\x01" + level[i : i + 64])
            self._levels.append(parent)
            level = parent
        self._built = True

    def root(self, m: int) -> bytes:
        """The Merkle root over the first ``m`` entries (0 <= m <= size)."""
        if not 0 <= m <= self._size:
            raise ValueError(f"no prefix of {m} entries in a tree of {self._size}")
        if not self._built:
            self._build()
        if m == 0:
            return EMPTY_ROOT
        # The first m leaves split into complete subtrees, one per set bit of m, largest
        # first; RFC 6962 splits off the largest first, so the root folds them from the right.
        subtrees: list[bytes] = []
        start = 0
        for level in range(m.bit_length() - 1, -1, -1):
            if m >> level & 1:
                i = (start >> level) * 32
                subtrees.append(bytes(self._levels[level][i : i + 32]))
                start += 1 << level
        root = subtrees.pop()
        while subtrees:
            root = _node(subtrees.pop(), root)
        return root


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: whether ``path`` proves the tree of ``first`` leaves with root
    ``first_hash`` is a prefix of the tree of ``second`` leaves with root ``second_hash``
    (for 0 < first < second)."""
    if not 0 < first < second or not path:
        return False
    nodes = list(path)
    if first & (first - 1) == 0:  # a power of two: the old root is a node of the proof
        nodes.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            while fn != 0 and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# --------------------------------------------------------------------------------------
# C2SP signed notes and tlog checkpoints.


def _b64decode(text: str) -> bytes | None:
    """Standard, padded, canonical base64, or None."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if base64.b64encode(data).decode("ascii") == text else None


def _key_id(name: str, public_key: bytes) -> bytes:
    return _sha256(name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + public_key)[:4]


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise ValueError(f"a key name is non-empty, without '+' or spaces, got {name!r}")


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes  # 4 bytes
    public_key: bytes  # 32 bytes

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Reads ``<name>+<key ID, 8 hex digits>+<base64(0x01 || public key)>``."""
        parts = text.strip().split("+", 2)  # the base64 may itself hold '+'
        if len(parts) != 3:
            raise ValueError("expected <name>+<key ID>+<base64 key>")
        name, id_hex, key_b64 = parts
        _check_key_name(name)
        if len(id_hex) != 8 or any(c not in "0123456789abcdefABCDEF" for c in id_hex):
            raise ValueError("the key ID is not 8 hex digits")
        raw = _b64decode(key_b64)
        if raw is None:
            raise ValueError("the key is not standard base64")
        if len(raw) != 33 or raw[0] != ED25519_TYPE:
            raise ValueError("not an Ed25519 key (0x01 and 32 bytes)")
        public_key = raw[1:]
        if decode_point(public_key) is None:
            raise ValueError("not an Ed25519 public key (not a curve point)")
        key_id = bytes.fromhex(id_hex)
        if _key_id(name, public_key) != key_id:
            raise ValueError("the key ID does not match the key")
        return cls(name, key_id, public_key)

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"


@dataclass(frozen=True)
class Note:
    """A signed checkpoint: its signed text and body fields, and its signature lines."""

    text: bytes  # the signed text, with its final newline
    origin: str
    size: int
    root: bytes
    signatures: tuple[tuple[str, bytes], ...]  # (key name, key ID || signature)

    @classmethod
    def parse(cls, note: str) -> Note:
        """Reads a C2SP signed note holding a C2SP tlog checkpoint."""
        split = note.rfind("\n\n")
        if split < 0:
            raise ValueError("no blank line before the signatures")
        text, sig_lines = note[: split + 1], note[split + 2 :]
        if not sig_lines.endswith("\n"):
            raise ValueError("a signed note ends with a signature line and a newline")
        lines = text.split("\n")[:-1]  # the text ends with a newline
        if len(lines) < 3:
            raise ValueError("a checkpoint has an origin, a size and a root line")
        origin, size_text, root_text = lines[:3]  # extension lines, if any, are ignored
        if not origin:
            raise ValueError("the origin line is empty")
        if (
            not size_text
            or any(c not in "0123456789" for c in size_text)
            or (size_text != "0" and size_text.startswith("0"))
            or int(size_text) > U64_MAX
        ):
            raise ValueError(f"the size line {size_text!r} is not a decimal number")
        root = _b64decode(root_text)
        if root is None or len(root) != 32:
            raise ValueError("the root line is not 32 bytes of standard base64")
        signatures: list[tuple[str, bytes]] = []
        for line in sig_lines[:-1].split("\n"):
            if not line.startswith(SIG_PREFIX):
                raise ValueError(f"a signature line starts with an em dash, got {line!r}")
            name, _, sig_b64 = line[len(SIG_PREFIX) :].partition(" ")
            blob = _b64decode(sig_b64)
            if not name or blob is None or len(blob) < 5:
                raise ValueError(f"a signature line is '\u2014 <name> <base64>', got {line!r}")
            signatures.append((name, blob))
        try:
            text_bytes = text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("the note's text is not valid Unicode") from None
        return cls(text_bytes, origin, int(size_text), root, tuple(signatures))

    def signature_problem(self, key: VerifierKey) -> str | None:
        """None when a signature line of ``key`` verifies, else what is wrong."""
        tried = False
        for name, blob in self.signatures:
            if name == key.name and blob[:4] == key.key_id:
                tried = True
                if ed25519_verify(key.public_key, self.text, blob[4:]):
                    return None
        if tried:
            return f"the signature by {key} does not verify: the note was altered"
        signers = ", ".join(f"{name}+{blob[:4].hex()}" for name, blob in self.signatures)
        return f"the note carries no signature by the key {key} (it is signed by {signers})"


# --------------------------------------------------------------------------------------
# The export.


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"the key {k!r} appears twice")
        obj[k] = v
    return obj


def _is_int(v: object, low: int, high: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _hash_field(v: object) -> bytes | None:
    if not isinstance(v, str) or len(v) != 64:
        return None
    try:
        data = bytes.fromhex(v)
    except ValueError:
        return None
    return data if len(data) == 32 else None


def _at_problem(at: object, at_ms: int) -> str | None:
    """What is wrong with the ``at`` text (not hashed: a readable copy of ``at_ms``)."""
    if at is None:
        return None
    if not isinstance(at, str):
        return "at is not a string"
    try:
        t = datetime.fromisoformat(at)
    except ValueError:
        if DATETIME_MS_RANGE[0] <= at_ms <= DATETIME_MS_RANGE[1]:
            return f"at {at!r} is not an RFC 3339 time"
        return None  # outside what Python's datetime can read: not checked
    if t.tzinfo is None:
        return f"at {at!r} has no UTC offset"
    if (t - EPOCH) // timedelta(microseconds=1) != at_ms * 1000:
        return f"at {at!r} does not match at_ms {at_ms}"
    return None


@dataclass
class _Checkpoint:
    line: int
    size: int
    root: bytes
    note: str


@dataclass
class _Proof:
    line: int
    old_size: int
    new_size: int
    path: list[bytes]


@dataclass
class Result:
    entries: int = 0
    checkpoints: int = 0
    proofs: int = 0
    root: str = ""
    key: str | None = None
    problems: list[str] | None = None
    warnings: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "checkpoints": self.checkpoints,
            "proofs": self.proofs,
            "root": self.root,
            "problems": self.problems or [],
            "warnings": self.warnings or [],
        }


_ORDER = {"header": 0, "entry": 1, "checkpoint": 2, "consistency": 3, "tree": 4}


class ExportVerifier:
    """Reads an export line by line (entries are checked as they arrive and only their
    hashes are kept), then checks the checkpoints, proofs and tree at the end."""

    def __init__(
        self, key: VerifierKey | None, since: Note | None, check_signatures: bool
    ) -> None:
        self._cli_key = key
        self._since = since
        self._check_signatures = check_signatures
        self._problems: list[str] = []
        self._more_problems = 0
        self._warnings: list[str] = []
        self._tree = MerkleTree()
        self._line = 0
        self._last_rank = -1
        self._header_seen = False
        self._origin: str | None = None
        self._header_key: VerifierKey | None = None
        self._header_key_bad = False
        self._entry_lines = 0
        self._next_seq = 1
        self._prev_hash: bytes | None = ZERO_HASH  # None: unknown after a malformed entry
        self._checkpoints: list[_Checkpoint] = []
        self._proofs: list[_Proof] = []
        self._tree_line: tuple[int, int, bytes] | None = None

    def _problem(self, message: str) -> None:
        if len(self._problems) < MAX_PROBLEMS:
            self._problems.append(message)
        else:
            self._more_problems += 1

    def feed(self, raw: bytes) -> None:
        """Checks the next line of the file (with or without its newline)."""
        self._line += 1
        n = self._line
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._problem(f"line {n}: not UTF-8")
            return
        if not text.strip():
            self._problem(f"line {n}: empty line")
            return
        try:
            obj = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        except ValueError as e:
            self._problem(f"line {n}: not a JSON object ({e})")
            return
        if not isinstance(obj, dict):
            self._problem(f"line {n}: not a JSON object")
            return
        kind = obj.get("type")
        rank = _ORDER.get(kind) if isinstance(kind, str) else None
        if rank is None:
            self._problem(f"line {n}: unknown line type {kind!r}")
            return
        if n == 1 and kind != "header":
            self._problem("line 1: the first line is not the header")
        if self._tree_line is not None:
            self._problem(f"line {n}: a {kind} line after the tree line, which must be last")
        elif rank < self._last_rank:
            self._problem(
                f"line {n}: a {kind} line out of order "
                "(header, entries, checkpoints, consistency proofs, tree)"
            )
        self._last_rank = max(self._last_rank, rank)
        if kind == "header":
            self._header(n, obj)
        elif kind == "entry":
            self._entry(n, obj)
        elif kind == "checkpoint":
            self._checkpoint(n, obj)
        elif kind == "consistency":
            self._consistency(n, obj)
        else:
            self._tree_end(n, obj)

    def _header(self, n: int, obj: dict[str, Any]) -> None:
        if self._header_seen:
            self._problem(f"line {n}: a second header")
            return
        self._header_seen = True
        if obj.get("format") != FORMAT:
            self._problem(f"line {n}: format is {obj.get('format')!r}, not {FORMAT!r}")
        if obj.get("version") != VERSION or isinstance(obj.get("version"), bool):
            self._problem(
                f"line {n}: version {obj.get('version')!r}; this script reads version {VERSION}"
            )
        origin = obj.get("origin")
        if origin is not None and not isinstance(origin, str):
            self._problem(f"line {n}: origin is neither a string nor null")
        elif origin is not None:
            self._origin = origin
        vkey = obj.get("verifier_key")
        if vkey is not None and not isinstance(vkey, str):
            self._problem(f"line {n}: verifier_key is neither a string nor null")
            self._header_key_bad = True
        elif isinstance(vkey, str):
            try:
                self._header_key = VerifierKey.parse(vkey)
            except ValueError as e:
                self._problem(f"line {n}: the header's verifier_key is malformed: {e}")
                self._header_key_bad = True

    def _entry(self, n: int, obj: dict[str, Any]) -> None:
        first = self._entry_lines == 0
        self._entry_lines += 1
        seq = obj.get("seq")
        if not _is_int(seq, 0, U64_MAX):
            self._problem(f"line {n}: an entry without a valid seq")
            self._next_seq += 1
            self._prev_hash = None
            return
        assert isinstance(seq, int)
        where = f"line {n}: entry {seq}"
        if seq != self._next_seq:
            self._problem(
                f"{where}: expected seq {self._next_seq} (entries run 1, 2, 3, ... without gaps)"
            )
        self._next_seq = seq + 1

        at_ms = obj.get("at_ms")
        texts = {k: obj.get(k) for k in ("actor", "event", "subject", "payload")}
        hashes = {k: _hash_field(obj.get(k)) for k in ("payload_digest", "prev_hash", "hash")}
        bad = [k for k, v in texts.items() if not isinstance(v, str)]
        bad += [k for k, h in hashes.items() if h is None]
        if not _is_int(at_ms, I64_MIN, I64_MAX):
            bad.insert(0, "at_ms")
        if bad:
            self._problem(f"{where}: missing or malformed {', '.join(bad)}")
            self._prev_hash = hashes["hash"]
            return
        assert isinstance(at_ms, int)
        try:
            encoded = {k: str(v).encode("utf-8") for k, v in texts.items()}
        except UnicodeEncodeError:
            self._problem(f"{where}: a text field is not valid Unicode")
            self._prev_hash = hashes["hash"]
            return
        digest, prev_hash, stated_hash = (
            hashes["payload_digest"],
            hashes["prev_hash"],
            hashes["hash"],
        )
        assert digest is not None and prev_hash is not None and stated_hash is not None

        if _sha256(encoded["payload"]) != digest:
            self._problem(f"{where}: payload_digest is not the SHA-256 of the payload")
        if first and prev_hash != ZERO_HASH:
            self._problem(f"{where}: the first entry's prev_hash is not 32 zero bytes")
        elif not first and self._prev_hash is not None and prev_hash != self._prev_hash:
            self._problem(
                f"{where}: prev_hash is not the previous entry's hash (the chain breaks here)"
            )
        h = entry_hash(
            seq,
            at_ms,
            encoded["actor"],
            encoded["event"],
            encoded["subject"],
            digest,
            prev_hash,
        )
        if h != stated_hash:
            self._problem(f"{where}: hash is not the hash of the entry's fields")
        at_problem = _at_problem(obj.get("at"), at_ms)
        if at_problem:
            self._problem(f"{where}: {at_problem}")
        self._tree.append(h)
        self._prev_hash = stated_hash

    def _checkpoint(self, n: int, obj: dict[str, Any]) -> None:
        size, root, note = obj.get("size"), _hash_field(obj.get("root")), obj.get("note")
        if not _is_int(size, 0, U64_MAX) or root is None or not isinstance(note, str):
            self._problem(f"line {n}: a checkpoint needs size, root (64 hex digits) and note")
            return
        assert isinstance(size, int)
        self._checkpoints.append(_Checkpoint(n, size, root, note))

    def _consistency(self, n: int, obj: dict[str, Any]) -> None:
        old, new, path = obj.get("old_size"), obj.get("new_size"), obj.get("path")
        hashes = [_hash_field(p) for p in path] if isinstance(path, list) else [None]
        if not _is_int(old, 0, U64_MAX) or not _is_int(new, 0, U64_MAX) or None in hashes:
            self._problem(
                f"line {n}: a consistency proof needs old_size, new_size and path "
                "(a list of 64-hex-digit hashes)"
            )
            return
        assert isinstance(old, int) and isinstance(new, int)
        self._proofs.append(_Proof(n, old, new, [h for h in hashes if h is not None]))

    def _tree_end(self, n: int, obj: dict[str, Any]) -> None:
        size, root = obj.get("size"), _hash_field(obj.get("root"))
        if not _is_int(size, 0, U64_MAX) or root is None:
            self._problem(f"line {n}: the tree line needs size and root (64 hex digits)")
            self._tree_line = (n, -1, ZERO_HASH)
            return
        assert isinstance(size, int)
        self._tree_line = (n, size, root)

    def _key(self) -> tuple[VerifierKey | None, str]:
        if self._cli_key is not None:
            if self._header_key is not None and self._header_key != self._cli_key:
                self._warnings.append(
                    f"the export's header names the key {self._header_key}, not {self._cli_key}"
                )
            return self._cli_key, "from --key"
        return self._header_key, "from the export's header"

    def finish(self) -> Result:
        """Checks what needs all the entries, and returns the outcome."""
        if self._line == 0:
            self._problem("the file is empty")
        elif not self._header_seen:
            self._problem("no header line")
        n = self._tree.size
        root = self._tree.root(n)

        if self._tree_line is None:
            self._problem("no tree line at the end: the export is incomplete")
        elif self._tree_line[1] >= 0:
            line, size, tree_root = self._tree_line
            if size != n:
                self._problem(
                    f"line {line}: the tree line says {size} entries, the export has {n}"
                )
            elif tree_root != root:
                self._problem(
                    f"line {line}: the tree line's root is not the Merkle root over the entries"
                )

        key, key_source = self._key()
        signed = bool(self._checkpoints) or self._since is not None
        check_sigs = self._check_signatures and key is not None
        if signed and not self._check_signatures:
            self._warnings.append("signatures were not checked (--no-signatures)")
        elif signed and key is None and not self._header_key_bad:
            self._problem(
                "signatures were not checked: no verifier key (pass --key, "
                "or --no-signatures to check everything else)"
            )
        elif check_sigs and self._cli_key is None:
            self._warnings.append(
                "signatures were checked with the key in the export's own header, which "
                "shows only that the export is self-consistent; pass --key with a key "
                "obtained independently"
            )
        if not self._checkpoints:
            self._warnings.append(
                "the export holds no signed checkpoint: nothing in it is signed"
            )

        for cp in self._checkpoints:
            where = f"line {cp.line}: checkpoint of {cp.size} entries"
            try:
                note = Note.parse(cp.note)
            except ValueError as e:
                self._problem(f"{where}: the note is malformed: {e}")
                continue
            if note.size != cp.size or note.root != cp.root:
                self._problem(
                    f"{where}: the note says size {note.size}, root {note.root.hex()}, "
                    f"the line size {cp.size}, root {cp.root.hex()}"
                )
            self._check_note(where, note, n, key if check_sigs else None)

        expected_pairs = sorted({cp.size for cp in self._checkpoints if cp.size <= n} | {n})
        wanted = {(a, b) for a, b in zip(expected_pairs, expected_pairs[1:])}
        for pr in self._proofs:
            wanted.discard((pr.old_size, pr.new_size))
            where = (
                f"line {pr.line}: consistency proof from {pr.old_size} to {pr.new_size} entries"
            )
            if pr.old_size > pr.new_size:
                self._problem(f"{where}: old_size is larger than new_size")
            elif pr.new_size > n:
                self._problem(f"{where}: the export has only {n} entries")
            elif pr.old_size == 0 or pr.old_size == pr.new_size:
                if pr.path:
                    self._problem(f"{where}: the path must be empty")
            elif not verify_consistency(
                pr.old_size,
                pr.new_size,
                self._tree.root(pr.old_size),
                self._tree.root(pr.new_size),
                pr.path,
            ):
                self._problem(
                    f"{where}: does not verify between the roots recomputed from the entries"
                )
        for a, b in sorted(wanted):
            self._warnings.append(f"no consistency proof from {a} to {b} entries in the export")

        if self._since is not None:
            self._check_note("--since checkpoint", self._since, n, key if check_sigs else None)

        problems = list(self._problems)
        if self._more_problems:
            problems.append(f"... and {self._more_problems} more problems")
        return Result(
            entries=n,
            checkpoints=len(self._checkpoints),
            proofs=len(self._proofs),
            root=root.hex(),
            key=f"{key} ({key_source})" if check_sigs else None,
            problems=problems,
            warnings=list(self._warnings),
        )

    def _check_note(self, where: str, note: Note, n: int, key: VerifierKey | None) -> None:
        """A signed checkpoint against the entries: signature, origin, size and root."""
        if key is not None:
            sig_problem = note.signature_problem(key)
            if sig_problem:
                self._problem(f"{where}: {sig_problem}")
        if self._origin is not None and note.origin != self._origin:
            self._problem(
                f"{where}: the checkpoint is of the log {note.origin!r}, "
                f"the export of {self._origin!r}"
            )
        if note.size > n:
            self._problem(
                f"{where}: it covers {note.size} entries but the export has only {n}: "
                "the log was truncated"
            )
        elif self._tree.root(note.size) != note.root:
            self._problem(
                f"{where}: its root is not the Merkle root over the first {note.size} "
                "entries: history was rewritten"
            )


def verify_export(
    path: str,
    key: VerifierKey | None = None,
    since: Note | None = None,
    check_signatures: bool = True,
) -> Result:
    """Checks the export at ``path``; raises :class:`UsageError` when it cannot be read."""
    verifier = ExportVerifier(key, since, check_signatures)
    try:
        with open(path, "rb") as f:
            for raw in f:
                verifier.feed(raw.rstrip(b"\n"))
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    return verifier.finish()


def _read_since(path: str) -> Note:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read the --since note {path}: {e}") from None
    if not text.endswith("\n"):
        text += "\n"  # the final newline is not signed; a copy may have lost it
    try:
        return Note.parse(text)
    except ValueError as e:
        raise UsageError(f"the --since note {path} is malformed: {e}") from None


def _print_human(path: str, r: Result) -> None:
    print(f"export:      {path}")
    print(f"entries:     {r.entries}")
    print(f"checkpoints: {r.checkpoints}")
    print(f"proofs:      {r.proofs}")
    print(f"root:        {r.root}")
    if r.key:
        print(f"key:         {r.key}")
    for w in r.warnings or []:
        print(f"warning: {w}")
    if r.ok:
        print("OK")
    else:
        problems = r.problems or []
        print(f"FAILED: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        for p in problems:
            print(f"  - {p}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="audit_export_verify",
        description="Checks a JUNO audit export (JSON lines) with the standard library only.",
    )
    parser.add_argument("export", nargs="?", metavar="EXPORT.jsonl", help="the export file")
    parser.add_argument(
        "--key",
        metavar="VERIFIER_KEY",
        help="the verifier key <name>+<key ID>+<base64>, obtained independently "
        "(default: the export header's, which proves less)",
    )
    parser.add_argument(
        "--since",
        metavar="NOTE_FILE",
        help="an older signed checkpoint note that the export must still agree with",
    )
    parser.add_argument(
        "--no-signatures",
        action="store_true",
        help="do not check signatures, and do not fail for want of a key",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check the Ed25519 code against the RFC 8032 test vectors, then exit",
    )
    args = parser.parse_args(argv)
    if args.self_test:
        failures = self_test()
        for f in failures:
            print(f"self-test: {f}", file=sys.stderr)
        print("self-test: FAILED" if failures else "self-test: OK")
        return 1 if failures else 0
    if args.export is None:
        parser.error("the export file is required")
    try:
        key = VerifierKey.parse(args.key) if args.key is not None else None
    except ValueError as e:
        parser.error(f"--key: {e}")
    try:
        since = _read_since(args.since) if args.since is not None else None
        result = verify_export(args.export, key, since, not args.no_signatures)
    except UsageError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        _print_human(args.export, result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
