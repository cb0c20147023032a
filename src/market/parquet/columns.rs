//! Typed column readers over one row group, read in step a batch at a time.

use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{DataType, DoubleType, FloatType, Int32Type, Int64Type};
use parquet::file::reader::RowGroupReader;

use super::codes::{self, CodeCol, NameMap};
use super::convert::{kind_code, side_code};
use super::schema::{columns, IntColumn, Layout, Leaf, NumColumn, NumType};

/// Why a column could not be read: the column and the decoder's message.
pub(crate) type ColumnFailure = (&'static str, String);

/// One column of a row group and the buffers its batches decode into.
pub(crate) struct Col<T: DataType> {
    reader: ColumnReaderImpl<T>,
    /// The non-null values of the last batch, in row order.
    pub values: Vec<T::T>,
    /// Definition levels of the last batch (nullable columns only).
    def_levels: Vec<i16>,
    nullable: bool,
    rows: usize,
}

impl<T: DataType> Col<T> {
    fn new(reader: ColumnReaderImpl<T>, nullable: bool) -> Self {
        Col {
            reader,
            values: Vec::new(),
            def_levels: Vec::new(),
            nullable,
            rows: 0,
        }
    }

    /// Decodes the next `rows` rows into `values`, reusing the buffers.
    pub fn read(&mut self, rows: usize) -> Result<(), String> {
        self.values.clear();
        self.def_levels.clear();
        let def_levels = if self.nullable {
            Some(&mut self.def_levels)
        } else {
            None
        };
        let (records, _, _) = self
            .reader
            .read_records(rows, def_levels, None, &mut self.values)
            .map_err(|err| err.to_string())?;
        if records != rows {
            return Err(format!(
                "the column ends after {records} of the row group's {rows} remaining rows"
            ));
        }
        self.rows = rows;
        Ok(())
    }

    /// Index within the batch of the first null, if any.
    pub fn first_null(&self) -> Option<usize> {
        if self.values.len() == self.rows {
            return None;
        }
        self.def_levels.iter().position(|&level| level == 0)
    }

    /// Calls `each` with every row of the last batch: its value, or `None`.
    pub fn for_each_row(&self, mut each: impl FnMut(Option<&T::T>)) {
        if self.values.len() == self.rows {
            self.values.iter().for_each(|value| each(Some(value)));
            return;
        }
        let mut values = self.values.iter();
        for &level in &self.def_levels {
            each(if level > 0 { values.next() } else { None });
        }
    }

    /// Spreads the values so that `values[i]` is row `i`, with `fill` at nulls.
    pub fn fill_nulls(&mut self, fill: T::T) {
        let present = self.values.len();
        if present == self.rows {
            return;
        }
        self.values.resize(self.rows, fill.clone());
        let mut next = present;
        for row in (0..self.rows).rev() {
            if self.def_levels.get(row).is_some_and(|&level| level > 0) {
                next -= 1;
                self.values.swap(row, next);
            } else {
                self.values[row] = fill.clone();
            }
        }
    }
}

/// A price or quantity column, in whichever numeric type the file uses.
pub(crate) enum NumCol {
    F64(Col<DoubleType>),
    F32(Col<FloatType>),
    I64(Col<Int64Type>),
    I32(Col<Int32Type>),
}

/// An integer column (`order_id`, `flags`).
pub(crate) enum IntCol {
    I64(Col<Int64Type>, bool),
    I32(Col<Int32Type>, bool),
}

impl IntCol {
    /// Spreads the values over the rows with 0 at nulls.
    pub fn fill_nulls(&mut self) {
        match self {
            IntCol::I64(col, _) => col.fill_nulls(0),
            IntCol::I32(col, _) => col.fill_nulls(0),
        }
    }
}

/// The canonical columns of one row group, read a batch at a time in step.
pub(crate) struct RowGroupColumns {
    pub exch_ts: Col<Int64Type>,
    pub local_ts: Col<Int64Type>,
    pub kind: CodeCol,
    pub side: CodeCol,
    pub price: NumCol,
    pub qty: NumCol,
    pub order_id: Option<IntCol>,
    pub flags: Option<IntCol>,
    /// Rows of the row group not yet read.
    pub rows_left: u64,
}

macro_rules! typed {
    ($reader:expr, $variant:ident, $leaf:expr, $column:expr) => {
        match $reader {
            ColumnReader::$variant(reader) => Col::new(reader, $leaf.nullable),
            _ => return Err(($column, "column reader of an unexpected type".to_owned())),
        }
    };
}

fn open_leaf(
    row_group: &dyn RowGroupReader,
    leaf: Leaf,
    column: &'static str,
) -> Result<ColumnReader, ColumnFailure> {
    row_group
        .get_column_reader(leaf.index)
        .map_err(|err| (column, err.to_string()))
}

fn open_num(
    row_group: &dyn RowGroupReader,
    spec: NumColumn,
    column: &'static str,
) -> Result<NumCol, ColumnFailure> {
    let reader = open_leaf(row_group, spec.leaf, column)?;
    Ok(match spec.ty {
        NumType::F64 => NumCol::F64(typed!(reader, DoubleColumnReader, spec.leaf, column)),
        NumType::F32 => NumCol::F32(typed!(reader, FloatColumnReader, spec.leaf, column)),
        NumType::I64 => NumCol::I64(typed!(reader, Int64ColumnReader, spec.leaf, column)),
        NumType::I32 => NumCol::I32(typed!(reader, Int32ColumnReader, spec.leaf, column)),
    })
}

fn open_int(
    row_group: &dyn RowGroupReader,
    spec: Option<IntColumn>,
    column: &'static str,
) -> Result<Option<IntCol>, ColumnFailure> {
    let Some(spec) = spec else {
        return Ok(None);
    };
    let reader = open_leaf(row_group, spec.leaf, column)?;
    Ok(Some(if spec.is_64 {
        IntCol::I64(
            typed!(reader, Int64ColumnReader, spec.leaf, column),
            spec.unsigned,
        )
    } else {
        IntCol::I32(
            typed!(reader, Int32ColumnReader, spec.leaf, column),
            spec.unsigned,
        )
    }))
}

fn open_codes(
    row_group: &dyn RowGroupReader,
    leaf: Leaf,
    column: &'static str,
    map: NameMap,
) -> Result<CodeCol, ColumnFailure> {
    let chunk = row_group.metadata().column(leaf.index);
    if codes::pages_supported(chunk.encodings()) {
        let pages = row_group
            .get_column_page_reader(leaf.index)
            .map_err(|err| (column, err.to_string()))?;
        let max_def_level = i16::from(leaf.nullable);
        return Ok(CodeCol::from_pages(pages, max_def_level, map));
    }
    let reader = open_leaf(row_group, leaf, column)?;
    Ok(CodeCol::from_values(
        typed!(reader, ByteArrayColumnReader, leaf, column),
        map,
    ))
}

impl RowGroupColumns {
    /// Opens a reader on every canonical column of a row group.
    pub fn open(row_group: &dyn RowGroupReader, layout: &Layout) -> Result<Self, ColumnFailure> {
        let exch_ts = open_leaf(row_group, layout.exch_ts.leaf, columns::EXCH_TS)?;
        let local_ts = open_leaf(row_group, layout.local_ts.leaf, columns::LOCAL_TS)?;
        Ok(RowGroupColumns {
            exch_ts: typed!(
                exch_ts,
                Int64ColumnReader,
                layout.exch_ts.leaf,
                columns::EXCH_TS
            ),
            local_ts: typed!(
                local_ts,
                Int64ColumnReader,
                layout.local_ts.leaf,
                columns::LOCAL_TS
            ),
            kind: open_codes(row_group, layout.kind, columns::KIND, kind_code)?,
            side: open_codes(row_group, layout.side, columns::SIDE, side_code)?,
            price: open_num(row_group, layout.price, columns::PRICE)?,
            qty: open_num(row_group, layout.qty, columns::QTY)?,
            order_id: open_int(row_group, layout.order_id, columns::ORDER_ID)?,
            flags: open_int(row_group, layout.flags, columns::FLAGS)?,
            rows_left: u64::try_from(row_group.metadata().num_rows()).unwrap_or(0),
        })
    }

    /// Decodes the next `rows` rows of every column.
    pub fn read(&mut self, rows: usize) -> Result<(), ColumnFailure> {
        let at = |column: &'static str| move |reason: String| (column, reason);
        self.exch_ts.read(rows).map_err(at(columns::EXCH_TS))?;
        self.local_ts.read(rows).map_err(at(columns::LOCAL_TS))?;
        self.kind.read(rows).map_err(at(columns::KIND))?;
        self.side.read(rows).map_err(at(columns::SIDE))?;
        read_num(&mut self.price, rows).map_err(at(columns::PRICE))?;
        read_num(&mut self.qty, rows).map_err(at(columns::QTY))?;
        if let Some(col) = &mut self.order_id {
            read_int(col, rows).map_err(at(columns::ORDER_ID))?;
        }
        if let Some(col) = &mut self.flags {
            read_int(col, rows).map_err(at(columns::FLAGS))?;
        }
        self.rows_left = self.rows_left.saturating_sub(rows as u64);
        Ok(())
    }
}

fn read_num(col: &mut NumCol, rows: usize) -> Result<(), String> {
    match col {
        NumCol::F64(col) => col.read(rows),
        NumCol::F32(col) => col.read(rows),
        NumCol::I64(col) => col.read(rows),
        NumCol::I32(col) => col.read(rows),
    }
}

fn read_int(col: &mut IntCol, rows: usize) -> Result<(), String> {
    match col {
        IntCol::I64(col, _) => col.read(rows),
        IntCol::I32(col, _) => col.read(rows),
    }
}
