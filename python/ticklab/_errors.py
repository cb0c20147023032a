"""The exceptions ticklab raises."""

from __future__ import annotations

from typing import Any, Optional


class TicklabError(Exception):
    """A ticklab run that failed after it started (bad data met on the way,
    an output file that could not be written).

    Attributes: ``message`` (one line), ``detail`` (causes or traceback),
    ``event_index`` (market events the strategy had seen), ``ts_ns`` and
    ``data_time`` (where in the data, UTC), and ``result``: a
    :class:`ticklab.RunResult` with every row up to the failure.
    """

    def __init__(self, error: dict, result: Any = None):
        self.message: str = error["message"]
        self.detail: str = error.get("detail") or ""
        self.event_index: Optional[int] = error.get("event_index")
        self.ts_ns: Optional[int] = error.get("ts_ns")
        self.data_time: Optional[str] = error.get("data_time")
        self.result = result
        at = ""
        if self.data_time is not None and self.event_index is not None:
            at = f" (at {self.data_time}, event {self.event_index})"
        elif self.event_index is not None:
            at = f" (at event {self.event_index})"
        text = f"{self.message}{at}"
        if self.detail:
            text += "\n" + self.detail.rstrip()
        super().__init__(text)


class RunError(TicklabError):
    """The run stopped on its data or output rather than on the strategy."""


class StrategyError(TicklabError):
    """The strategy raised (or could not be loaded); ``traceback`` holds
    Python's traceback, ``detail`` the same."""

    @property
    def traceback(self) -> str:
        return self.detail
