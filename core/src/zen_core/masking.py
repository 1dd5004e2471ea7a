"""Secret masking, in one place: what counts as a secret and how it is shown.

- a component's secret fields (its flavor's ``SecretField``\\s, and keys named
  like secrets when the flavor is not installed) show as ``********``;
- a URL's password (``mysql://zenml:***@db/zenml``) and the values of its query
  parameters named like secrets (``?password=***``, ``&token=***``);
- any URL inside a message (:func:`mask_text`), so errors never echo them.
"""

from __future__ import annotations

import re

#: Shown instead of a secret field's value in every listing.
MASK = "********"
#: Shown instead of a password or token inside a URL.
URL_MASK = "***"

#: Names of config keys and URL query parameters whose values are secret.
SECRET_NAME = re.compile(
    r"password|passwd|pwd|secret|token|api_?key|private_key|access_key|credential", re.I
)

_USERINFO = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@?#]*):[^?#]*@")
_QUERY_PAIR = re.compile(r"([?&;])([^=&;#]+)=([^&;#]*)")
_URL_IN_TEXT = re.compile(r"[A-Za-z][\w+.-]*://[^\s'\"`<>]+")


def mask_url(url: str) -> str:
    """``mysql://zenml:secret@host/db?ssl_key=k&password=p`` ->
    ``mysql://zenml:***@host/db?ssl_key=k&password=***``.

    Everything up to the last ``@`` of the authority is masked: SQLAlchemy
    takes a password with a raw ``/`` in it, and a raw ``@`` must not leave
    part of it shown.
    """
    masked = _USERINFO.sub(rf"\1:{URL_MASK}@", url)
    if "?" not in masked:
        return masked
    head, _, query = masked.partition("?")

    def hide(match: re.Match[str]) -> str:
        separator, key, value = match.groups()
        shown = URL_MASK if value and SECRET_NAME.search(key) else value
        return f"{separator}{key}={shown}"

    return head + _QUERY_PAIR.sub(hide, "?" + query)


def mask_text(text: str) -> str:
    """``text`` with every URL in it masked (:func:`mask_url`)."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
