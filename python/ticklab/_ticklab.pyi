# Type stub of the extension module; the package's modules wrap it.
from typing import Any, Callable, Dict, List, Optional

__version__: str

def strategy_module() -> Any: ...
def run(
    *,
    data: str,
    symbol: Optional[str],
    day: Optional[str],
    strategy: Any,
    strategy_label: str,
    class_name: Optional[str],
    config: Any,
    params: Optional[Dict[str, Any]],
    seed: Optional[int],
    out: str,
    force: bool,
    csv: bool,
    callback_budget_ms: Optional[int],
    progress: Optional[Callable[[int, int], Any]],
    log: Optional[Callable[[str], Any]],
) -> Dict[str, Any]: ...
def catalog(data: str) -> Dict[str, Any]: ...
def day_events(data: str, symbol: Optional[str], day: Optional[str], out: str) -> int: ...
def convert(from_format: str, inputs: List[str], **options: Any) -> Dict[str, Any]: ...
