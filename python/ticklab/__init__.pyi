# Type stub of the `ticklab` package: the strategy API (the classes the
# engine hands to strategy code, from the engine's own stub) and the
# package's functions.
from ticklab import convert as convert
from ticklab import data as data
from ticklab import indicators as indicators
from ticklab._errors import RunError as RunError
from ticklab._errors import StrategyError as StrategyError
from ticklab._errors import TicklabError as TicklabError
from ticklab._run import RunResult as RunResult
from ticklab._run import run as run
from ticklab._strategy_api import MAX_BATCH_ORDERS as MAX_BATCH_ORDERS
from ticklab._strategy_api import NS_PER_MS as NS_PER_MS
from ticklab._strategy_api import NS_PER_SECOND as NS_PER_SECOND
from ticklab._strategy_api import NS_PER_US as NS_PER_US
from ticklab._strategy_api import Book as Book
from ticklab._strategy_api import CallbackTimeout as CallbackTimeout
from ticklab._strategy_api import Ctx as Ctx
from ticklab._strategy_api import EventKind as EventKind
from ticklab._strategy_api import GuardError as GuardError
from ticklab._strategy_api import Liquidity as Liquidity
from ticklab._strategy_api import MarketEvent as MarketEvent
from ticklab._strategy_api import MarketState as MarketState
from ticklab._strategy_api import Order as Order
from ticklab._strategy_api import OrderError as OrderError
from ticklab._strategy_api import OrderStatus as OrderStatus
from ticklab._strategy_api import OrderType as OrderType
from ticklab._strategy_api import OrderUpdate as OrderUpdate
from ticklab._strategy_api import Side as Side
from ticklab._strategy_api import Strategy as Strategy
from ticklab._strategy_api import Tif as Tif
from ticklab._strategy_api import UpdateKind as UpdateKind
from ticklab._sweep import MonteCarloResult as MonteCarloResult
from ticklab._sweep import WalkForwardResult as WalkForwardResult
from ticklab._sweep import monte_carlo as monte_carlo
from ticklab._sweep import sweep as sweep

__version__: str
