# Type stub of the extension module; the package's modules wrap it.
from typing import Any, Callable, Dict, List, Optional

__version__: str

def strategy_module() -> Any: ...
def run(
    *,
    data: str,
    symbol: Optional[str],
    day: Optional[str],
    warmup: Optional[str],
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
def monte_carlo(
    *,
    run: str,
    run_label: str,
    data: str,
    samples: int,
    samples_name: str,
    seed: int,
    slippage_ticks: float,
    out: str,
) -> int: ...
def collect_row(plan: Dict[str, Any], folder: str, failure: Optional[str]) -> Dict[str, Any]: ...

class SweepPlanner:
    def __init__(
        self,
        *,
        data: str,
        symbol: Optional[str],
        day: Optional[str],
        strategy: str,
        config: Any,
        space: Dict[str, Any],
        search: str,
        samples: Optional[int],
        population: Optional[int],
        generations: Optional[int],
        seed: int,
        objective: str,
        require: List[str],
        identity: str,
        walk_forward: Optional[str] = None,
    ) -> None: ...
    def walk_train_runs(self) -> List[Dict[str, Any]]: ...
    def walk_test_runs(self, finished: List[Dict[str, Any]]) -> List[Dict[str, Any]]: ...
    def write_walk_forward(
        self, finished: List[Dict[str, Any]], equity: str, out: str
    ) -> Optional[float]: ...
    def next_runs(self, finished: List[Dict[str, Any]]) -> List[Dict[str, Any]]: ...
    def write_results(self, rows: List[Dict[str, Any]], path: str) -> None: ...
    def size(self) -> int: ...
