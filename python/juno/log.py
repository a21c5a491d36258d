"""JUNO's structured logs, in Python's :mod:`logging`.

The Rust core raises its log events on three channels; importing :mod:`juno` forwards
them to three loggers:

=====================  ==============================================================
``juno.application``   a database opened, backed up or restored; each sync and cycle;
                       a source, executor, notifier or language model that failed
``juno.governance``    every audit entry once it is committed: ``event``
                       (``request_approved``, ``refused``, …), ``seq``, ``actor``,
                       ``subject``; refusals and failures are warnings
``juno.performance``   how long a sync, each stage of a cycle and a cleanup took
=====================  ==============================================================

Each record's ``juno`` attribute is a dict of the event's fields, for handlers that
write structured logs (JSON lines, a log shipper)::

    import logging
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    with juno.Juno("juno.db") as j:
        ...   # INFO juno.governance request_approved request:42 by lead@company.com

Nothing is printed unless the host configures :mod:`logging` (the ``juno`` logger has a
:class:`logging.NullHandler`). With the setting ``LOG_PSEUDONYM_KEY``, every user
identifier in these records is a keyed-hash pseudonym (``user-3fa2…``): the same user
is the same pseudonym, and the key is needed to link a name to one. No record carries a
secret, an audit payload or a request's text.

Levels are read from the loggers when a :class:`juno.Juno` opens, on :func:`flush` or
:func:`refresh_levels`, and at most once a second after that; call
:func:`refresh_levels` after changing a level to have it apply at once. Events raised
while a call has released the GIL are delivered by a background thread as soon as it
can take the GIL; :func:`flush` delivers them at once (and runs at exit).
"""

from __future__ import annotations

import atexit
import logging

from juno import _juno

APPLICATION = "juno.application"
GOVERNANCE = "juno.governance"
PERFORMANCE = "juno.performance"
#: The three loggers, in the order above.
CHANNELS = (APPLICATION, GOVERNANCE, PERFORMANCE)

logging.getLogger("juno").addHandler(logging.NullHandler())

#: False when another ``tracing`` subscriber was installed in this process first (a Rust
#: host embedding Python): JUNO's events then go to that subscriber instead.
installed: bool = _juno._log_install()


def flush() -> None:
    """Delivers every event still waiting for the GIL, and re-reads the loggers' levels."""
    _juno._log_flush()


def refresh_levels() -> None:
    """Re-reads the loggers' levels now (they are otherwise re-read at most once a second)."""
    _juno._log_refresh()


atexit.register(_juno._log_close)

__all__ = ["APPLICATION", "CHANNELS", "GOVERNANCE", "PERFORMANCE", "flush", "installed", "refresh_levels"]
