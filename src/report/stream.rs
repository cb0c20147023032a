//! The run's tables written as the run goes: rows are buffered up to a row
//! group and then appended to their files, and the statistics are computed
//! from the same rows, so memory stays bounded however long the data.

use std::path::{Path, PathBuf};

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
    rows: Vec<T>,
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
            rows: Vec::new(),
            to_table,
            parquet,
            csv,
        })
    }

    /// Buffers `row`; writes the buffer once it holds a row group.
    fn push(&mut self, row: T, instrument: &Instrument) -> Result<(), ReportError> {
        self.rows.push(row);
        if self.rows.len() >= ROWS_PER_GROUP {
            self.flush(instrument)?;
        }
        Ok(())
    }

    fn flush(&mut self, instrument: &Instrument) -> Result<(), ReportError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let table = (self.to_table)(&self.rows, instrument);
        self.rows.clear();
        if let Some((_, writer)) = &mut self.parquet {
            writer.append(&table)?;
        }
        if let Some((_, writer)) = &mut self.csv {
            writer.append(&table)?;
        }
        Ok(())
    }

    /// Writes what is left and closes the files; returns their paths,
    /// Parquet first.
    fn close(mut self, instrument: &Instrument) -> Result<Vec<PathBuf>, ReportError> {
        self.flush(instrument)?;
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

/// Writes a run's fills, equity curve and order updates as the engine
/// produces them (it is the engine's [`RecordSink`]), and computes the
/// statistics from the same rows. The files are those of
/// [`crate::report::write_run`], with the same rows; Parquet files hold a row
/// group per [`ROWS_PER_GROUP`] rows.
pub struct RecordWriter {
    instrument: Instrument,
    stats: StatsBuilder,
    fills: RowStream<FillRecord>,
    equity: RowStream<EquitySample>,
    orders: RowStream<OrderUpdate>,
    /// The first write that failed; nothing is written after it.
    error: Option<ReportError>,
}

impl RecordWriter {
    /// Creates the table files in `out_dir` (created when missing) for a run
    /// of `instrument` starting with `initial_cash`.
    pub fn create(
        out_dir: &Path,
        instrument: &Instrument,
        initial_cash: f64,
        formats: OutputFormats,
    ) -> Result<Self, ReportError> {
        create_out_dir(out_dir)?;
        Ok(RecordWriter {
            instrument: instrument.clone(),
            stats: StatsBuilder::new(initial_cash, instrument),
            fills: RowStream::create(out_dir, "fills", fill_rows_table, instrument, formats)?,
            equity: RowStream::create(out_dir, "equity", equity_rows_table, instrument, formats)?,
            orders: RowStream::create(out_dir, "orders", order_rows_table, instrument, formats)?,
            error: None,
        })
    }

    /// The first write that failed, if one did (the run may stop there).
    pub fn error(&self) -> Option<&ReportError> {
        self.error.as_ref()
    }

    /// Writes the rows still buffered and closes the files; returns the
    /// statistics of the run over `data_events` market events and the paths
    /// written (fills, equity, orders; Parquet before CSV), or the first
    /// error.
    pub fn finish(self, data_events: u64) -> Result<(Stats, Vec<PathBuf>), ReportError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let mut paths = self.fills.close(&self.instrument)?;
        paths.extend(self.equity.close(&self.instrument)?);
        paths.extend(self.orders.close(&self.instrument)?);
        Ok((self.stats.finish(data_events), paths))
    }

    fn keep_error(&mut self, result: Result<(), ReportError>) {
        if let Err(err) = result {
            self.error.get_or_insert(err);
        }
    }
}

impl RecordSink for RecordWriter {
    fn order(&mut self, update: &OrderUpdate) {
        self.stats.order(update);
        if self.error.is_none() {
            let result = self.orders.push(*update, &self.instrument);
            self.keep_error(result);
        }
    }

    fn fill(&mut self, fill: &FillRecord) {
        self.stats.fill(fill);
        if self.error.is_none() {
            let result = self.fills.push(*fill, &self.instrument);
            self.keep_error(result);
        }
    }

    fn equity(&mut self, sample: &EquitySample) {
        self.stats.equity(sample);
        if self.error.is_none() {
            let result = self.equity.push(*sample, &self.instrument);
            self.keep_error(result);
        }
    }
}
