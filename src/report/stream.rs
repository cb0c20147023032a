//! The run's tables written as the run goes: rows are buffered up to a row
//! group and then appended to their files by a writer thread, and the
//! statistics are computed from the same rows, so memory stays bounded
//! however long the data.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use crate::market::Instrument;
use crate::report::table::{CsvTableWriter, ParquetTableWriter, ReportError, Table};
use crate::report::{
    create_out_dir, equity_rows_table, fill_rows_table, order_rows_table, OutputFormats,
};
use crate::sim::record::{EquitySample, FillRecord, RecordSink};
use crate::sim::stats::{Stats, StatsBuilder};
use crate::sim::update::OrderUpdate;

/// Rows buffered before they are written, one Parquet row group each.
pub const ROWS_PER_GROUP: usize = 32_768;

/// One table's files and the rows not written yet.
struct RowStream<T> {
    to_table: fn(&[T], &Instrument) -> Table,
    parquet: Option<(PathBuf, ParquetTableWriter)>,
    csv: Option<(PathBuf, CsvTableWriter)>,
}

impl<T> RowStream<T> {
    fn create(
        out_dir: &Path,
        name: &str,
        to_table: fn(&[T], &Instrument) -> Table,
        instrument: &Instrument,
        formats: OutputFormats,
    ) -> Result<Self, ReportError> {
        let like = to_table(&[], instrument);
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
            parquet,
            csv,
        })
    }

    /// Writes `rows` as one row group (nothing when empty).
    fn write_rows(&mut self, rows: Vec<T>, instrument: &Instrument) -> Result<(), ReportError> {
        if rows.is_empty() {
            return Ok(());
        }
        let table = (self.to_table)(&rows, instrument);
        drop(rows);
        if let Some((_, writer)) = &mut self.parquet {
            writer.append(&table)?;
        }
        if let Some((_, writer)) = &mut self.csv {
            writer.append(&table)?;
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

/// The three tables' files, owned by the writer thread.
struct TableFiles {
    instrument: Instrument,
    fills: RowStream<FillRecord>,
    equity: RowStream<EquitySample>,
    orders: RowStream<OrderUpdate>,
}

impl TableFiles {
    fn write(&mut self, chunk: Chunk) -> Result<(), ReportError> {
        let inst = &self.instrument;
        match chunk {
            Chunk::Fills(rows) => self.fills.write_rows(rows, inst),
            Chunk::Equity(rows) => self.equity.write_rows(rows, inst),
            Chunk::Orders(rows) => self.orders.write_rows(rows, inst),
        }
    }

    /// Writes every chunk received, then closes the files; returns their
    /// paths, or the first error (the chunks after it are dropped).
    fn run(mut self, chunks: &Receiver<Chunk>) -> Result<Vec<PathBuf>, ReportError> {
        for chunk in chunks {
            self.write(chunk)?;
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
/// neither waits for the encoder nor holds more than those row groups.
pub struct RecordWriter {
    stats: StatsBuilder,
    fills: Vec<FillRecord>,
    equity: Vec<EquitySample>,
    orders: Vec<OrderUpdate>,
    chunks: Option<Sender<Chunk>>,
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
            fills: RowStream::create(out_dir, "fills", fill_rows_table, instrument, formats)?,
            equity: RowStream::create(out_dir, "equity", equity_rows_table, instrument, formats)?,
            orders: RowStream::create(out_dir, "orders", order_rows_table, instrument, formats)?,
        };
        let (chunks, received) = crossbeam_channel::bounded(CHUNKS_IN_FLIGHT);
        let writer = std::thread::Builder::new()
            .name("ticklab-writer".to_owned())
            .spawn(move || files.run(&received))
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
            writer: Some(writer),
            failed: false,
        })
    }

    /// True when writing failed (the run may stop there; the error comes
    /// from [`RecordWriter::finish`]).
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Sends the rows still buffered, waits for the writer thread to close
    /// the files, and returns the statistics of the run over `data_events`
    /// market events and the paths written (fills, equity, orders; Parquet
    /// before CSV), or the first error.
    pub fn finish(mut self, data_events: u64) -> Result<(Stats, Vec<PathBuf>), ReportError> {
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
        Ok((self.stats.finish(data_events), paths))
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
        if let Some(rows) = full_group(&mut self.orders) {
            self.send(Chunk::Orders(rows));
        }
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.stats.fill(fill);
        self.fills.push(*fill);
        if let Some(rows) = full_group(&mut self.fills) {
            self.send(Chunk::Fills(rows));
        }
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.stats.equity(sample);
        self.equity.push(*sample);
        if let Some(rows) = full_group(&mut self.equity) {
            self.send(Chunk::Equity(rows));
        }
    }
}

/// The rows of a table once they fill a row group, leaving an empty buffer
/// of the same size behind.
fn full_group<T>(rows: &mut Vec<T>) -> Option<Vec<T>> {
    (rows.len() >= ROWS_PER_GROUP)
        .then(|| std::mem::replace(rows, Vec::with_capacity(ROWS_PER_GROUP)))
}
