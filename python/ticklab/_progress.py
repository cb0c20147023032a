"""The progress bar of a run: tqdm's (a widget in a notebook, text in a
terminal), shown only once a run has lasted a second."""

from __future__ import annotations

import sys
import time
from typing import Any, Optional

#: A run shorter than this shows no bar.
SHOW_AFTER_SECS = 1.0


class Progress:
    """Called by the engine with ``(events_done, events_total)`` between
    slices of the run."""

    def __init__(
        self,
        label: str,
        show_after_secs: float = SHOW_AFTER_SECS,
        interactive: Optional[bool] = None,
    ):
        self.label = label
        self.show_after_secs = show_after_secs
        # A bar is for a person: a terminal or a notebook, not a log file.
        self.interactive = _is_interactive() if interactive is None else interactive
        self.started = time.monotonic()
        self.bar: Optional[Any] = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if not self.interactive or time.monotonic() - self.started < self.show_after_secs:
                return
            self.bar = _make_bar(self.label, total, done)
            if self.bar is None:
                return
        self.bar.update(done - self.bar.n)

    def write(self, line: str) -> None:
        """Prints a log line without breaking the bar."""
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _is_interactive() -> bool:
    """True in a notebook (an IPython kernel) or when stderr is a terminal."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _make_bar(label: str, total: int, done: int) -> Optional[Any]:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is a dependency; a broken install shows no bar
        return None
    return tqdm(
        total=total,
        initial=done,
        desc=label or "ticklab",
        unit="ev",
        unit_scale=True,
        leave=False,
        file=sys.stderr,
    )
