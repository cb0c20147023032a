//! Streaming reader and writer of the canonical Parquet schema.
//!
//! One file holds one instrument's events of one day, sorted by `exch_ts`,
//! in natural units so that anyone can write it from pandas or polars:
//!
//! | column     | type                                   | meaning                               |
//! |------------|----------------------------------------|---------------------------------------|
//! | `exch_ts`  | int64 ns (or TIMESTAMP ns/µs/ms)        | exchange time since the epoch         |
//! | `local_ts` | int64 ns (or TIMESTAMP ns/µs/ms)        | when our feed saw it                  |
//! | `kind`     | string (dictionary)                    | depth, trade, bbo, clear, snapshot, add, modify, cancel, fill |
//! | `side`     | string (dictionary)                    | bid/ask (book), buy/sell/none (trade), bid/ask/none (clear), buy/sell (fill) |
//! | `price`    | double (float, int64 accepted)         | price in currency units               |
//! | `qty`      | double (float, int64 accepted)         | quantity in base units                |
//! | `order_id` | uint64, optional column                | L3 order id; absent or null → 0       |
//! | `flags`    | int32, optional column                 | bit 1 LAST_IN_BATCH, bit 2 SNAPSHOT   |
//!
//! Without a `flags` column, an event is last in its batch when the next
//! event's `exch_ts` differs (or it is the last row), and snapshot events get
//! the SNAPSHOT bit.
//!
//! Side names are exact (lower case) and must suit the row's kind: book
//! events take `bid`/`ask`, trades the aggressor `buy`/`sell` or `none`,
//! a clear `bid`/`ask` or `none` (both sides), a fill the filled order's
//! `buy`/`sell`; anything else is a [`DataError`] naming the value.
//!
//! Reading converts prices to ticks and quantities to lots with the
//! [`Instrument`](crate::market::Instrument) and validates every value; each
//! [`DataError`] names the file, the 0-based row index in the file and the
//! column. [`EventReader`] reads on the current thread; [`Loader`] reads on
//! a named thread and streams batches through a bounded channel. The
//! [`write_events`] / [`EventWriter`] side writes zstd-compressed files that
//! are byte-identical for identical input, with the instrument's symbol,
//! tick size and lot size in the key-value metadata.

mod codes;
mod columns;
mod convert;
mod error;
mod funding;
mod grid;
mod info;
mod loader;
mod parallel;
mod reader;
mod rle;
pub mod schema;
mod writer;

pub use error::DataError;
pub use info::{file_info, FileInfo};
pub use loader::{LoadTap, LoadedBatch, Loader, LOADER_THREAD_NAME};
pub use reader::{
    read_events, BatchCheck, EventReader, Events, LocalTsPolicy, ReadOptions, ReadSummary,
};
pub use writer::{write_events, EventWriter, WriteOptions, WriteSummary};
