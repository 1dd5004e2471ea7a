"""JSON text exactly as ``json.dumps`` writes it, from a C encoder made once.

``json.dumps`` and ``JSONEncoder.encode`` make a new C encoder on every call,
about half the cost of encoding a small mapping (~3 us -> ~1.3 us). A profile
copy encodes ~34,000: each component's configuration and each event's details
and state. :func:`encoder` makes the encoder once, with the arguments
``JSONEncoder.iterencode`` passes it, and keeps it only if its text is
``JSONEncoder.encode``'s on a probe; elsewhere (no C encoder, other arguments)
it is ``JSONEncoder.encode`` itself.

One difference: it keeps no markers for circular values (a markers dict shared
between calls would be shared between threads, and one that an error left
entries in would refuse later values). A circular value fails with
``RecursionError`` where ``json.dumps`` raises ``ValueError``; callers that turn
an encoding error into a message catch both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

#: Values on which the fast encoder must write what ``JSONEncoder.encode`` writes.
_PROBE: Any = {"a": [1, -2.5, float("inf"), None, True, False, "é\n\"", {}],
               "b": {"z": 1, "c": []}, "ü": "x"}


def encoder(*, ensure_ascii: bool = True, separators: tuple[str, str] = (", ", ": "),
            sort_keys: bool = False) -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=..., separators=..., sort_keys=...)`` as a function
    of ``value``; ``TypeError`` for a value JSON has no form for, as json.dumps."""
    plain = json.JSONEncoder(ensure_ascii=ensure_ascii, separators=separators,
                             sort_keys=sort_keys)
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:
        return plain.encode
    try:
        chunks = make(None, plain.default,
                      _encoder.encode_basestring_ascii if ensure_ascii
                      else _encoder.encode_basestring,
                      None, plain.key_separator, plain.item_separator, sort_keys,
                      False, True)
    except TypeError:  # another Python's signature
        return plain.encode

    encode = _Encode(chunks)
    try:
        same = encode(_PROBE) == plain.encode(_PROBE)
    except Exception:
        same = False
    return encode if same else plain.encode


class _Encode:
    """The fast encoder as a callable object, not a closure: psycopg 3.3 keys its JSON
    dumpers by a function's code and, for a closure, warns on every connection ("may
    cause a resource leak") and makes a new dumper each time."""

    __slots__ = ("chunks",)

    def __init__(self, chunks: Callable[[Any, int], Any]) -> None:
        self.chunks = chunks

    def __call__(self, value: Any) -> str:
        return "".join(self.chunks(value, 0))


#: ``json.dumps(value)``: SQLAlchemy's JSON columns (the events' details and state).
dumps = encoder()
