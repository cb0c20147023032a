//! The run's tables written as the run goes: rows are buffered up to a row
//! group and then appended to their files by a writer thread, and the
//! statistics are computed from the same rows, so memory stays bounded
//! however long the data.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use crate::market::Instrument;
use crate::report::columns::{equity_rows_into, fill_rows_into, order_rows_into};
use crate::report::table::{CsvTableWriter, ParquetTableWriter, ReportError, Table};
use crate::report::{create_out_dir, OutputFormats};
use crate::sim::record::{EquitySample, FillRecord, RecordSink};
use crate::sim::stats::{Stats, StatsBuilder};
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
    ) -> Result<Self, ReportError> {
        let mut like = Table::new();
        to_table(&[], instrument, &mut like);
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

/// Rows on their way to the writer thread.
enum Chunk {
    Fills(Vec<FillRecord>),
    Equity(Vec<EquitySample>),
    Orders(Vec<OrderUpdate>),
}

/// Chunks that may wait for the writer thread before the run waits for it.
const CHUNKS_IN_FLIGHT: usize = 2;

/// Emptied chunks the writer thread hands back for the run to refill.
const SPARE_CHUNKS: usize = 6;

/// The three tables' files, owned by the writer thread.
struct TableFiles {
    instrument: Instrument,
    fills: RowStream<FillRecord>,
    equity: RowStream<EquitySample>,
    orders: RowStream<OrderUpdate>,
}

impl TableFiles {
    /// Writes the rows of `chunk` and returns it emptied.
    fn write(&mut self, chunk: Chunk) -> Result<Chunk, ReportError> {
        let inst = &self.instrument;
        Ok(match chunk {
            Chunk::Fills(mut rows) => {
                self.fills.write_rows(&rows, inst)?;
                rows.clear();
                Chunk::Fills(rows)
            }
            Chunk::Equity(mut rows) => {
                self.equity.write_rows(&rows, inst)?;
                rows.clear();
                Chunk::Equity(rows)
            }
            Chunk::Orders(mut rows) => {
                self.orders.write_rows(&rows, inst)?;
                rows.clear();
                Chunk::Orders(rows)
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
        Ok(paths)
    }
}

/// Writes a run's fills, equity curve and order updates as the engine
/// produces them (it is the engine's [`RecordSink`]), and computes the
/// statistics from the same rows. The files are those of
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
    stats: StatsBuilder,
    fills: Vec<FillRecord>,
    equity: Vec<EquitySample>,
    orders: Vec<OrderUpdate>,
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
        create_out_dir(out_dir)?;
        let files = TableFiles {
            instrument: instrument.clone(),
            fills: RowStream::create(out_dir, "fills", fill_rows_into, instrument, formats)?,
            equity: RowStream::create(out_dir, "equity", equity_rows_into, instrument, formats)?,
            orders: RowStream::create(out_dir, "orders", order_rows_into, instrument, formats)?,
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
        Ok(RecordWriter {
            stats: StatsBuilder::new(initial_cash, instrument),
            fills: Vec::new(),
            equity: Vec::new(),
            orders: Vec::new(),
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
        self.stats.finish(data_events)
    }

    /// Sends the rows still buffered, waits for the writer thread to close
    /// the files, and returns the paths written (fills, equity, orders;
    /// Parquet before CSV), or the first error. A run stopped early calls
    /// it too: the files then hold every row up to the stop.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, ReportError> {
        let fills = std::mem::take(&mut self.fills);
        self.send(Chunk::Fills(fills));
        let equity = std::mem::take(&mut self.equity);
        self.send(Chunk::Equity(equity));
        let orders = std::mem::take(&mut self.orders);
        self.send(Chunk::Orders(orders));
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
                Chunk::Fills(rows) => self.spare_fills.push(rows),
                Chunk::Equity(rows) => self.spare_equity.push(rows),
                Chunk::Orders(rows) => self.spare_orders.push(rows),
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

impl RecordSink for RecordWriter {
    fn order(&mut self, update: &OrderUpdate) {
        self.stats.order(update);
        self.orders.push(*update);
        if self.orders.len() >= ROWS_PER_GROUP {
            self.collect_spares();
            let rows = next_group(&mut self.orders, &mut self.spare_orders);
            self.send(Chunk::Orders(rows));
        }
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.stats.fill(fill);
        self.fills.push(*fill);
        if self.fills.len() >= ROWS_PER_GROUP {
            self.collect_spares();
            let rows = next_group(&mut self.fills, &mut self.spare_fills);
            self.send(Chunk::Fills(rows));
        }
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.stats.equity(sample);
        self.equity.push(*sample);
        if self.equity.len() >= ROWS_PER_GROUP {
            self.collect_spares();
            let rows = next_group(&mut self.equity, &mut self.spare_equity);
            self.send(Chunk::Equity(rows));
        }
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
