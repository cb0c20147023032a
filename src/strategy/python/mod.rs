//! Strategies written in Python: a `.py` file with a class, run inside the
//! simulator through the [`Strategy`](crate::strategy::Strategy) trait.
//!
//! ```python
//! from ticklab import Strategy, Tif
//!
//! class Quoter(Strategy):
//!     def __init__(self, qty=0.01):
//!         self.qty = qty
//!
//!     def on_bbo(self, ctx, ev):
//!         if not ctx.open_orders:
//!             ctx.buy(self.qty, ctx.book.best_bid, tif=Tif.POST_ONLY)
//! ```
//!
//! - **The file**: the class is the file's one `ticklab.Strategy`
//!   subclass, or the one named in [`PythonSpec::class`]; the run
//!   configuration's `[params]` reach its `__init__` as keyword arguments.
//!   Of `on_start`, `on_depth`, `on_trade`, `on_bbo`, `on_market`,
//!   `on_order`, `on_timer` and `on_finish`, only those the class defines
//!   are called (checked once at load): for each market event `on_market`
//!   first, then `on_trade` or `on_depth` by kind, then `on_bbo` when the
//!   best bid or ask (price or size) changed and the book is consistent.
//! - **The `ticklab` module** (embedded; type stub in
//!   `assets/python/ticklab.pyi`): `Strategy`, `Side`, `Tif`,
//!   `OrderStatus`, `OrderType`, `EventKind`, `UpdateKind`, `Liquidity`,
//!   `OrderError`, `GuardError`, `CallbackTimeout` and constants.
//! - **`ctx`**: clock (`now` in ns, `now_dt`), `book`, account (`position`,
//!   `avg_price`, `cash`, `equity`, `pnl`), `open_orders` with queue
//!   position, `buy` / `sell` / `cancel` / `cancel_all` / `modify` /
//!   `submit_batch`, `set_timer`, `log`, `register` (an indicator of
//!   `ticklab.indicators`, fed by the run). Prices and sizes are floats in
//!   natural units; an off-grid price raises `ValueError` naming the price
//!   and the tick size.
//! - **Console**: `print` and `logging` output of a callback goes to the
//!   run's log, stamped with the data time of the event being handled.
//! - **Errors**: a syntax error, an import error or an exception stops the
//!   run with the Python traceback and the data time; a callback running
//!   past its wall-clock budget ([`PythonOptions::callback_budget`]) is
//!   interrupted and reported the same way.
//! - **Guard rails**: an audit hook refuses network access (unless
//!   [`PythonOptions::allow_network`]), file writes outside
//!   [`PythonOptions::write_dirs`] and starting processes. It runs in the
//!   same process as the strategy: it stops mistakes, it is not a sandbox
//!   (native code such as ctypes can go around it).
//!
//! The interpreter is the one found when ticklab was built (pyo3); it
//! starts on first use and lives as long as the process, shared by every
//! Python strategy, each of which gets a module namespace of its own.
//! Packages installed for that Python (numpy, ...) can be imported.

mod book;
mod book_follower;
mod call;
mod console;
mod ctx;
mod environment;
mod errors;
mod event;
mod guard;
mod host;
mod indicators;
mod load;
mod members;
mod module;
mod object;
mod orders;
mod params;
mod process;
mod random_state;
mod scope;
mod slot;
mod units;
mod watchdog;

pub use console::format_data_time;
pub use environment::PYTHON_ENV;
pub use host::{PythonOptions, PythonSpec, PythonStrategy, DEFAULT_CALLBACK_BUDGET};
pub use module::strategy_module;
pub use object::PythonObject;
pub use process::{enable_crash_tracebacks, installation_paths};
pub use random_state::{taking_turns, GlobalRandom};

/// Runs `f` with this thread attached to the Python interpreter, so that the
/// Python strategy callbacks inside cost no attach and detach each.
///
/// Holding on lets other threads run Python only when a callback reaches a
/// switch point; use it around a whole run, not around a paused session.
pub fn attached<R>(f: impl FnOnce() -> R) -> R {
    pyo3::Python::attach(|_py| f())
}
