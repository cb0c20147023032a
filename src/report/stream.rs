//! The run's tables written as the run goes: rows are buffered up to a row
//! group and then appended to their files by a writer thread, and the
//! statistics are computed from the same rows, so memory stays bounded
//! however long the data.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use crate::market::Instrument;
use crate::report::account::AccountStats;
use crate::report::columns::{equity_rows_into, fill_rows_into, order_rows_into};
use crate::report::days::{DayStats, DayTallies};
use crate::report::table::{CsvTableWriter, ParquetTableWriter, ReportError, Table};
use crate::report::trades::{trip_rows_into, TRADES_TABLE};
use crate::report::{create_out_dir, OutputFormats};
use crate::sim::record::{EquitySample, FillRecord, RecordSink};
use crate::sim::stats::{Stats, StatsBuilder};
use crate::sim::trades::RoundTrip;
use crate::sim::update::OrderUpdate;

/// Rows buffered before they are written, one Parquet row group each.
pub const ROWS_PER_GROUP: usize = 32_768;

/// Fills a table with the columns of some rows.
type FillTable<T> = fn(&[T], &Instrument, &mut Table);

/// One table's files, and the table its rows are turned into (its buffers
/// reused from one row group to the next).
struct RowStream<T> {
    to_table: FillTable<T>,
    table: Table,
    /// True in a run over several instruments: a `symbol` column last.
    symbol_column: bool,
    parquet: Option<(PathBuf, ParquetTableWriter)>,
    csv: Option<(PathBuf, CsvTableWriter)>,
}

impl<T> RowStream<T> {
    fn create(
        out_dir: &Path,
        name: &str,
        to_table: FillTable<T>,
        instrument: &Instrument,
        formats: OutputFormats,
        symbol_column: bool,
    ) -> Result<Self, ReportError> {
        let mut like = Table::new();
        to_table(&[], instrument, &mut like);
        if symbol_column {
            like.fill_text("symbol", "");
        }
        let parquet = if formats.parquet {
            let path = out_dir.join(format!("{name}.parquet"));
            let writer = ParquetTableWriter::create(&path, &like)?;
            Some((path, writer))
        } else {
            None
        };
        let csv = if formats.csv {
            let path = out_dir.join(format!("{name}.csv"));
            let writer = CsvTableWriter::create(&path, &like)?;
            Some((path, writer))
        } else {
            None
        };
        Ok(RowStream {
            to_table,
            table: like,
            symbol_column,
            parquet,
            csv,
        })
    }

    /// Writes `rows` as one row group (nothing when empty).
    fn write_rows(&mut self, rows: &[T], instrument: &Instrument) -> Result<(), ReportError> {
        if rows.is_empty() {
            return Ok(());
        }
        (self.to_table)(rows, instrument, &mut self.table);
        if self.symbol_column {
            self.table.fill_text("symbol", &instrument.symbol);
        }
        if let Some((_, writer)) = &mut self.parquet {
            writer.append(&self.table)?;
        }
        if let Some((_, writer)) = &mut self.csv {
            writer.append(&self.table)?;
        }
        Ok(())
    }

    /// Closes the files; returns their paths, Parquet first.
    fn close(self) -> Result<Vec<PathBuf>, ReportError> {
        let mut paths = Vec::new();
        if let Some((path, writer)) = self.parquet {
            writer.close()?;
            paths.push(path);
        }
        if let Some((path, writer)) = self.csv {
            writer.close()?;
            paths.push(path);
        }
        Ok(paths)
    }
}

/// Rows of one instrument (its index in the run) on their way to the
/// writer thread.
enum Chunk {
    Fills(usize, Vec<FillRecord>),
    Equity(usize, Vec<EquitySample>),
    Orders(usize, Vec<OrderUpdate>),
    Trades(usize, Vec<RoundTrip>),
}

/// Chunks that may wait for the writer thread before the run waits for it.
const CHUNKS_IN_FLIGHT: usize = 2;

/// Emptied chunks the writer thread hands back for the run to refill.
const SPARE_CHUNKS: usize = 6;

/// The tables' files, owned by the writer thread.
struct TableFiles {
    instruments: Vec<Instrument>,
    fills: RowStream<FillRecord>,
    equity: RowStream<EquitySample>,
    orders: RowStream<OrderUpdate>,
    trades: RowStream<RoundTrip>,
}

impl TableFiles {
    /// Writes the rows of `chunk` and returns it emptied.
    fn write(&mut self, chunk: Chunk) -> Result<Chunk, ReportError> {
        let index = match &chunk {
            Chunk::Fills(i, _)
            | Chunk::Equity(i, _)
            | Chunk::Orders(i, _)
            | Chunk::Trades(i, _) => *i,
        };
        let Some(inst) = self.instruments.get(index) else {
            return Ok(chunk);
        };
        Ok(match chunk {
            Chunk::Fills(i, mut rows) => {
                self.fills.write_rows(&rows, inst)?;
                rows.clear();
                Chunk::Fills(i, rows)
            }
            Chunk::Equity(i, mut rows) => {
                self.equity.write_rows(&rows, inst)?;
                rows.clear();
                Chunk::Equity(i, rows)
            }
            Chunk::Orders(i, mut rows) => {
                self.orders.write_rows(&rows, inst)?;
                rows.clear();
                Chunk::Orders(i, rows)
            }
            Chunk::Trades(i, mut rows) => {
                self.trades.write_rows(&rows, inst)?;
                rows.clear();
                Chunk::Trades(i, rows)
            }
        })
    }

    /// Writes every chunk received, handing each back emptied to `spares`
    /// (when there is room), then closes the files; returns their paths,
    /// or the first error (the chunks after it are dropped).
    fn run(
        mut self,
        chunks: &Receiver<Chunk>,
        spares: &Sender<Chunk>,
    ) -> Result<Vec<PathBuf>, ReportError> {
        for chunk in chunks {
            let emptied = self.write(chunk)?;
            let _ = spares.try_send(emptied);
        }
        let mut paths = self.fills.close()?;
        paths.extend(self.equity.close()?);
        paths.extend(self.orders.close()?);
        paths.extend(self.trades.close()?);
        Ok(paths)
    }
}

/// Writes a run's fills, equity curve, order updates and round trips as
/// the engine produces them (it is the engine's [`RecordSink`]), and
/// computes the statistics from the same rows. The files are those of
/// [`crate::report::write_run`], with the same rows; Parquet files hold a row
/// group per [`ROWS_PER_GROUP`] rows.
///
/// Rows are gathered on the run's thread and encoded on a writer thread
/// (named `ticklab-writer`), at most a few row groups behind, so the run
/// neither waits for the encoder nor holds more than those row groups. The
/// row buffers go back and forth between the two threads, and each table's
/// columns are reused from one row group to the next: a long run allocates
/// nothing per row group once it is under way.
pub struct RecordWriter {
    /// Statistics of each instrument, in the order named.
    stats: Vec<StatsBuilder>,
    /// The account's statistics in a run over several instruments.
    account: Option<AccountStats>,
    /// Each day's statistics, when asked for ([`RecordWriter::track_days`]).
    days: Option<DayTallies>,
    initial_cash: f64,
    /// Rows waiting for their row group, per instrument.
    fills: Vec<Vec<FillRecord>>,
    equity: Vec<Vec<EquitySample>>,
    orders: Vec<Vec<OrderUpdate>>,
    /// Closed round trips, money in the account's currency.
    trades: Vec<Vec<RoundTrip>>,
    chunks: Option<Sender<Chunk>>,
    spares: Receiver<Chunk>,
    spare_fills: Vec<Vec<FillRecord>>,
    spare_equity: Vec<Vec<EquitySample>>,
    spare_orders: Vec<Vec<OrderUpdate>>,
    writer: Option<JoinHandle<Result<Vec<PathBuf>, ReportError>>>,
    /// Set when the writer thread stopped early (its error comes from
    /// [`RecordWriter::finish`]).
    failed: bool,
}

impl RecordWriter {
    /// Creates the table files in `out_dir` (created when missing) for a run
    /// of `instrument` starting with `initial_cash`, and starts the writer
    /// thread.
    pub fn create(
        out_dir: &Path,
        instrument: &Instrument,
        initial_cash: f64,
        formats: OutputFormats,
    ) -> Result<Self, ReportError> {
        Self::create_instruments(
            out_dir,
            std::slice::from_ref(instrument),
            initial_cash,
            formats,
        )
    }

    /// [`RecordWriter::create`] for a run over several instruments (in the
    /// order named), whose rows come through [`RecordWriter::sink_of`]. With
    /// more than one, each table gains a `symbol` column (last), the rows of
    /// each row group are one instrument's, and an equity row holds the
    /// whole account (cash, PnL, fees and equity over every instrument,
    /// each marked at its last sample) beside the position and mark of the
    /// row's instrument.
    pub fn create_instruments(
        out_dir: &Path,
        instruments: &[Instrument],
        initial_cash: f64,
        formats: OutputFormats,
    ) -> Result<Self, ReportError> {
        create_out_dir(out_dir)?;
        let Some(first) = instruments.first() else {
            return Err(ReportError::Io {
                path: out_dir.to_owned(),
                source: std::io::Error::other("a run needs an instrument"),
            });
        };
        let several = instruments.len() > 1;
        let files = TableFiles {
            instruments: instruments.to_vec(),
            fills: RowStream::create(out_dir, "fills", fill_rows_into, first, formats, several)?,
            equity: RowStream::create(
                out_dir,
                "equity",
                equity_rows_into,
                first,
                formats,
                several,
            )?,
            orders: RowStream::create(out_dir, "orders", order_rows_into, first, formats, several)?,
            trades: RowStream::create(
                out_dir,
                TRADES_TABLE,
                trip_rows_into,
                first,
                formats,
                several,
            )?,
        };
        let (chunks, received) = crossbeam_channel::bounded(CHUNKS_IN_FLIGHT);
        let (spare, spares) = crossbeam_channel::bounded(SPARE_CHUNKS);
        let writer = std::thread::Builder::new()
            .name("ticklab-writer".to_owned())
            .spawn(move || files.run(&received, &spare))
            .map_err(|source| ReportError::Io {
                path: out_dir.to_owned(),
                source,
            })?;
        let count = instruments.len();
        Ok(RecordWriter {
            stats: instruments
                .iter()
                .map(|i| {
                    let mut stats = StatsBuilder::new(initial_cash, i);
                    stats.keep_trips();
                    stats
                })
                .collect(),
            account: several.then(|| AccountStats::new(initial_cash, instruments)),
            days: None,
            initial_cash,
            fills: vec![Vec::new(); count],
            equity: vec![Vec::new(); count],
            orders: vec![Vec::new(); count],
            trades: vec![Vec::new(); count],
            chunks: Some(chunks),
            spares,
            spare_fills: Vec::new(),
            spare_equity: Vec::new(),
            spare_orders: Vec::new(),
            writer: Some(writer),
            failed: false,
        })
    }

    /// True when writing failed (the run may stop there; the error comes
    /// from [`RecordWriter::finish`]).
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// The statistics of the rows so far, over `data_events` market
    /// events.
    pub fn stats(&self, data_events: u64) -> Stats {
        match &self.account {
            Some(account) => account.finish(&self.stats, data_events),
            // `create_instruments` refuses a run without an instrument.
            None => self.stats[0].finish(data_events),
        }
    }

    /// The statistics of each instrument alone (its fills, orders, round
    /// trips and part of the account, in its own currency), in the order
    /// named, over the market events of each.
    pub fn stats_by_instrument(&self, data_events: &[u64]) -> Vec<Stats> {
        self.stats
            .iter()
            .enumerate()
            .map(|(i, s)| s.finish(data_events.get(i).copied().unwrap_or(0)))
            .collect()
    }

    /// The rate of instrument `index`'s currency in the account's.
    fn rate_of(&self, index: usize) -> f64 {
        self.account
            .as_ref()
            .and_then(|a| a.rates.get(index).copied())
            .unwrap_or(1.0)
    }

    /// Keeps statistics of each day (UTC) of the run too, for a run over
    /// several days; call it before the first row.
    pub fn track_days(&mut self) {
        self.days = Some(DayTallies::new(self.initial_cash));
    }

    /// Each day's statistics, when [`RecordWriter::track_days`] asked for
    /// them; oldest first.
    pub fn stats_by_day(&self) -> Vec<DayStats> {
        self.days
            .as_ref()
            .map(DayTallies::stats)
            .unwrap_or_default()
    }

    /// Fixed rates of each instrument's currency in the account's (`[fx]`),
    /// in the order named, for the account's sums of a run over several
    /// instruments (1 each by default).
    pub fn set_fx_rates(&mut self, rates: &[f64]) {
        if let Some(account) = &mut self.account {
            for (rate, &given) in account.rates.iter_mut().zip(rates) {
                *rate = given;
            }
        }
    }

    /// The sink of instrument `index`'s rows, for its engine.
    pub fn sink_of(
        writer: &std::rc::Rc<std::cell::RefCell<RecordWriter>>,
        index: usize,
    ) -> InstrumentSink {
        InstrumentSink {
            writer: std::rc::Rc::clone(writer),
            index,
        }
    }

    /// Sends the rows still buffered, waits for the writer thread to close
    /// the files, and returns the paths written (fills, equity, orders,
    /// trades; Parquet before CSV), or the first error. A run stopped early
    /// calls it too: the files then hold every row up to the stop.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, ReportError> {
        for (i, fills) in std::mem::take(&mut self.fills).into_iter().enumerate() {
            self.send(Chunk::Fills(i, fills));
        }
        for (i, equity) in std::mem::take(&mut self.equity).into_iter().enumerate() {
            self.send(Chunk::Equity(i, equity));
        }
        for (i, orders) in std::mem::take(&mut self.orders).into_iter().enumerate() {
            self.send(Chunk::Orders(i, orders));
        }
        for (i, trades) in std::mem::take(&mut self.trades).into_iter().enumerate() {
            self.send(Chunk::Trades(i, trades));
        }
        self.chunks = None;
        let paths = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result?,
            Some(Err(_)) | None => {
                return Err(ReportError::Io {
                    path: PathBuf::from("ticklab-writer"),
                    source: std::io::Error::other("the writer thread panicked"),
                })
            }
        };
        Ok(paths)
    }

    /// Takes the emptied chunks the writer thread handed back.
    fn collect_spares(&mut self) {
        for chunk in self.spares.try_iter() {
            match chunk {
                Chunk::Fills(_, rows) => self.spare_fills.push(rows),
                Chunk::Equity(_, rows) => self.spare_equity.push(rows),
                Chunk::Orders(_, rows) => self.spare_orders.push(rows),
                // Round trips are few: their buffers are not reused.
                Chunk::Trades(..) => {}
            }
        }
    }

    fn send(&mut self, chunk: Chunk) {
        if let Some(chunks) = &self.chunks {
            if chunks.send(chunk).is_err() {
                // The writer thread stopped at an error; `finish` returns it.
                self.failed = true;
                self.chunks = None;
            }
        }
    }
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        // Let the writer thread end when the run is abandoned.
        self.chunks = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl RecordWriter {
    /// An order update of instrument `index`.
    fn order_of(&mut self, index: usize, update: &OrderUpdate) {
        if let Some(stats) = self.stats.get_mut(index) {
            stats.order(update);
        }
        if let Some(account) = &mut self.account {
            account.stats.order(update);
        }
        let Some(rows) = self.orders.get_mut(index) else {
            return;
        };
        rows.push(*update);
        if rows.len() >= ROWS_PER_GROUP {
            self.collect_spares();
            let rows = next_group(&mut self.orders[index], &mut self.spare_orders);
            self.send(Chunk::Orders(index, rows));
        }
    }

    /// A fill of instrument `index`.
    fn fill_of(&mut self, index: usize, fill: &FillRecord) {
        if let Some(stats) = self.stats.get_mut(index) {
            stats.fill(fill);
            if let Some(trades) = self.trades.get_mut(index) {
                let from = trades.len();
                stats.take_trips_into(trades);
                if from < trades.len() {
                    self.trips_closed(index, from);
                }
            }
        }
        if let Some(account) = &mut self.account {
            account.stats.fill(fill);
        }
        if let Some(days) = &mut self.days {
            days.fill(fill);
        }
        let Some(rows) = self.fills.get_mut(index) else {
            return;
        };
        rows.push(*fill);
        if rows.len() >= ROWS_PER_GROUP {
            self.collect_spares();
            let rows = next_group(&mut self.fills[index], &mut self.spare_fills);
            self.send(Chunk::Fills(index, rows));
        }
    }

    /// An equity sample of instrument `index`'s part of the account.
    fn equity_of(&mut self, index: usize, sample: &EquitySample) {
        if let Some(stats) = self.stats.get_mut(index) {
            stats.equity(sample);
        }
        let sample = match &mut self.account {
            Some(account) => account.sample(index, sample),
            None => *sample,
        };
        if let Some(days) = &mut self.days {
            days.equity(&sample);
        }
        let Some(rows) = self.equity.get_mut(index) else {
            return;
        };
        rows.push(sample);
        if rows.len() >= ROWS_PER_GROUP {
            self.collect_spares();
            let rows = next_group(&mut self.equity[index], &mut self.spare_equity);
            self.send(Chunk::Equity(index, rows));
        }
    }
}

impl RecordWriter {
    /// Converts instrument `index`'s trips closed from `from` on to the
    /// account's currency, and sends a full row group of them.
    fn trips_closed(&mut self, index: usize, from: usize) {
        let rate = self.rate_of(index);
        let Some(trades) = self.trades.get_mut(index) else {
            return;
        };
        if rate != 1.0 {
            for trip in &mut trades[from..] {
                *trip = trip.converted(rate);
            }
        }
        if trades.len() >= ROWS_PER_GROUP {
            let rows = std::mem::take(trades);
            self.send(Chunk::Trades(index, rows));
        }
    }
}

impl RecordSink for RecordWriter {
    fn order(&mut self, update: &OrderUpdate) {
        self.order_of(0, update);
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.fill_of(0, fill);
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.equity_of(0, sample);
    }
}

/// Where one instrument's engine sends its rows in a run over several
/// (see [`RecordWriter::sink_of`]).
pub struct InstrumentSink {
    writer: std::rc::Rc<std::cell::RefCell<RecordWriter>>,
    index: usize,
}

impl RecordSink for InstrumentSink {
    fn order(&mut self, update: &OrderUpdate) {
        self.writer.borrow_mut().order_of(self.index, update);
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.writer.borrow_mut().fill_of(self.index, fill);
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.writer.borrow_mut().equity_of(self.index, sample);
    }
}

/// The full row group in `rows`, leaving in its place an emptied buffer
/// the writer handed back (or a new one).
fn next_group<T>(rows: &mut Vec<T>, spares: &mut Vec<Vec<T>>) -> Vec<T> {
    let empty = spares
        .pop()
        .unwrap_or_else(|| Vec::with_capacity(ROWS_PER_GROUP));
    std::mem::replace(rows, empty)
}
