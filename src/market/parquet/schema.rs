//! The canonical Parquet schema: column names, the types we write, and the
//! types we accept when reading files written by other tools.

use std::path::Path;
use std::sync::Arc;

use parquet::basic::{ConvertedType, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::schema::types::{ColumnDescriptor, SchemaDescriptor, Type, TypePtr};

use super::DataError;

/// Column names of the canonical schema.
pub mod columns {
    /// Exchange time, int64 ns since the epoch (or a TIMESTAMP logical type).
    pub const EXCH_TS: &str = "exch_ts";
    /// Local receive time, int64 ns since the epoch (or a TIMESTAMP).
    pub const LOCAL_TS: &str = "local_ts";
    /// Event kind as a string: `depth`, `trade`, `bbo`, `clear`, ...
    pub const KIND: &str = "kind";
    /// Side as a string: `bid`/`ask`, `buy`/`sell` or `none`.
    pub const SIDE: &str = "side";
    /// Price in currency units, float64.
    pub const PRICE: &str = "price";
    /// Quantity in base units, float64.
    pub const QTY: &str = "qty";
    /// Exchange order id (L3), uint64; optional column, null means 0.
    pub const ORDER_ID: &str = "order_id";
    /// Bit set of [`crate::market::flags`], int32; optional column.
    pub const FLAGS: &str = "flags";
}

/// Keys of the key-value metadata written into every file.
pub mod metadata_keys {
    /// The instrument's symbol.
    pub const SYMBOL: &str = "ticklab.symbol";
    /// The instrument's tick size, in currency units.
    pub const TICK_SIZE: &str = "ticklab.tick_size";
    /// The instrument's lot size, in base units.
    pub const LOT_SIZE: &str = "ticklab.lot_size";
    /// Version of the canonical schema (currently `1`).
    pub const SCHEMA_VERSION: &str = "ticklab.schema_version";
}

/// The schema version written by this build.
pub const SCHEMA_VERSION: &str = "1";

/// A top-level leaf column found in a file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Leaf {
    /// Index of the leaf column in the file's schema.
    pub index: usize,
    /// True when the column may hold nulls.
    pub nullable: bool,
}

/// A timestamp column and the factor that converts its unit to ns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TsColumn {
    pub leaf: Leaf,
    pub ns_per_unit: i64,
}

/// Physical type of a price or quantity column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumType {
    F64,
    F32,
    I64,
    I32,
}

/// A price or quantity column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumColumn {
    pub leaf: Leaf,
    pub ty: NumType,
}

/// An integer column (`order_id`, `flags`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IntColumn {
    pub leaf: Leaf,
    /// True for INT64, false for INT32.
    pub is_64: bool,
    /// True when annotated as unsigned.
    pub unsigned: bool,
}

/// Where each canonical column sits in a file, and how to read it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub exch_ts: TsColumn,
    pub local_ts: TsColumn,
    pub kind: Leaf,
    pub side: Leaf,
    pub price: NumColumn,
    pub qty: NumColumn,
    pub order_id: Option<IntColumn>,
    pub flags: Option<IntColumn>,
}

const TS_EXPECTED: &str = "INT64 ns, or INT64 TIMESTAMP(NANOS|MICROS|MILLIS)";
const STR_EXPECTED: &str = "BYTE_ARRAY (UTF8 string)";
const NUM_EXPECTED: &str = "DOUBLE (or FLOAT, INT64, INT32)";
const ID_EXPECTED: &str = "INT64 (uint64 or int64), or INT32";
const FLAGS_EXPECTED: &str = "INT32 (or INT64)";

enum Found<'a> {
    Missing,
    Leaf(usize, &'a ColumnDescriptor),
    NotLeaf,
}

fn find<'a>(schema: &'a SchemaDescriptor, name: &str) -> Found<'a> {
    for (index, col) in schema.columns().iter().enumerate() {
        let parts = col.path().parts();
        if parts.first().map(String::as_str) == Some(name) {
            if parts.len() == 1 && col.max_rep_level() == 0 {
                return Found::Leaf(index, col);
            }
            return Found::NotLeaf;
        }
    }
    Found::Missing
}

/// Human-readable type of a column: physical type and annotation.
pub(crate) fn describe(col: &ColumnDescriptor) -> String {
    let physical = format!("{:?}", col.physical_type());
    let annotation = match col.logical_type_ref() {
        Some(LogicalType::String) => "STRING".to_owned(),
        Some(LogicalType::Timestamp(ts)) => format!("TIMESTAMP({})", unit_name(ts.unit)),
        Some(LogicalType::Integer(int)) => format!(
            "{}INT{}",
            if int.is_signed { "" } else { "U" },
            int.bit_width
        ),
        Some(other) => format!("{other:?}"),
        None if col.converted_type() != ConvertedType::NONE => {
            format!("{:?}", col.converted_type())
        }
        None => return physical,
    };
    format!("{physical} ({annotation})")
}

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::MILLIS => "MILLIS",
        TimeUnit::MICROS => "MICROS",
        TimeUnit::NANOS => "NANOS",
    }
}

impl Layout {
    /// Finds the canonical columns in a file's schema and checks their types.
    pub(crate) fn from_schema(schema: &SchemaDescriptor, file: &Path) -> Result<Self, DataError> {
        let cx = Cx { schema, file };
        Ok(Layout {
            exch_ts: cx.timestamp(columns::EXCH_TS)?,
            local_ts: cx.timestamp(columns::LOCAL_TS)?,
            kind: cx.string(columns::KIND)?,
            side: cx.string(columns::SIDE)?,
            price: cx.number(columns::PRICE)?,
            qty: cx.number(columns::QTY)?,
            order_id: cx.integer(columns::ORDER_ID, ID_EXPECTED)?,
            flags: cx.integer(columns::FLAGS, FLAGS_EXPECTED)?,
        })
    }
}

struct Cx<'a> {
    schema: &'a SchemaDescriptor,
    file: &'a Path,
}

impl Cx<'_> {
    fn missing(&self, column: &'static str) -> DataError {
        let found: Vec<&str> = self
            .schema
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name())
            .collect();
        DataError::MissingColumn {
            file: self.file.to_owned(),
            column,
            found: if found.is_empty() {
                "no columns".to_owned()
            } else {
                found.join(", ")
            },
        }
    }

    fn wrong(&self, column: &'static str, found: String, expected: &'static str) -> DataError {
        DataError::WrongColumnType {
            file: self.file.to_owned(),
            column,
            found,
            expected,
        }
    }

    /// The leaf of a column, `None` when absent; a nested column is an error.
    fn leaf(
        &self,
        column: &'static str,
        expected: &'static str,
    ) -> Result<Option<(Leaf, &ColumnDescriptor)>, DataError> {
        match find(self.schema, column) {
            Found::Missing => Ok(None),
            Found::NotLeaf => {
                Err(self.wrong(column, "a nested or repeated group".into(), expected))
            }
            Found::Leaf(index, col) => Ok(Some((
                Leaf {
                    index,
                    nullable: col.max_def_level() > 0,
                },
                col,
            ))),
        }
    }

    fn required(
        &self,
        column: &'static str,
        expected: &'static str,
    ) -> Result<(Leaf, &ColumnDescriptor), DataError> {
        self.leaf(column, expected)?
            .ok_or_else(|| self.missing(column))
    }

    fn timestamp(&self, column: &'static str) -> Result<TsColumn, DataError> {
        let (leaf, col) = self.required(column, TS_EXPECTED)?;
        let wrong = || self.wrong(column, describe(col), TS_EXPECTED);
        if col.physical_type() != PhysicalType::INT64 {
            return Err(wrong());
        }
        let ns_per_unit = match (col.logical_type_ref(), col.converted_type()) {
            (Some(LogicalType::Timestamp(ts)), _) => match ts.unit {
                TimeUnit::NANOS => 1,
                TimeUnit::MICROS => 1_000,
                TimeUnit::MILLIS => 1_000_000,
            },
            (Some(LogicalType::Integer(int)), _) if int.bit_width == 64 && int.is_signed => 1,
            (None, ConvertedType::TIMESTAMP_MICROS) => 1_000,
            (None, ConvertedType::TIMESTAMP_MILLIS) => 1_000_000,
            (None, ConvertedType::NONE | ConvertedType::INT_64) => 1,
            _ => return Err(wrong()),
        };
        Ok(TsColumn { leaf, ns_per_unit })
    }

    fn string(&self, column: &'static str) -> Result<Leaf, DataError> {
        let (leaf, col) = self.required(column, STR_EXPECTED)?;
        let accepted = col.physical_type() == PhysicalType::BYTE_ARRAY
            && matches!(
                (col.logical_type_ref(), col.converted_type()),
                (Some(LogicalType::String | LogicalType::Enum), _)
                    | (
                        None,
                        ConvertedType::NONE | ConvertedType::UTF8 | ConvertedType::ENUM
                    )
            );
        if accepted {
            Ok(leaf)
        } else {
            Err(self.wrong(column, describe(col), STR_EXPECTED))
        }
    }

    fn number(&self, column: &'static str) -> Result<NumColumn, DataError> {
        let (leaf, col) = self.required(column, NUM_EXPECTED)?;
        let plain = col.logical_type_ref().is_none()
            && matches!(
                col.converted_type(),
                ConvertedType::NONE | ConvertedType::INT_32 | ConvertedType::INT_64
            );
        let signed_int = match col.logical_type_ref() {
            Some(LogicalType::Integer(int)) => int.is_signed,
            _ => plain,
        };
        let ty = match col.physical_type() {
            PhysicalType::DOUBLE if plain => NumType::F64,
            PhysicalType::FLOAT if plain => NumType::F32,
            PhysicalType::INT64 if signed_int => NumType::I64,
            PhysicalType::INT32 if signed_int => NumType::I32,
            _ => return Err(self.wrong(column, describe(col), NUM_EXPECTED)),
        };
        Ok(NumColumn { leaf, ty })
    }

    fn integer(
        &self,
        column: &'static str,
        expected: &'static str,
    ) -> Result<Option<IntColumn>, DataError> {
        let Some((leaf, col)) = self.leaf(column, expected)? else {
            return Ok(None);
        };
        let wrong = || self.wrong(column, describe(col), expected);
        let is_64 = match col.physical_type() {
            PhysicalType::INT64 => true,
            PhysicalType::INT32 => false,
            _ => return Err(wrong()),
        };
        let unsigned = match (col.logical_type_ref(), col.converted_type()) {
            (Some(LogicalType::Integer(int)), _) => !int.is_signed,
            (None, ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32) => true,
            (None, ConvertedType::UINT_64) => true,
            (
                None,
                ConvertedType::NONE
                | ConvertedType::INT_8
                | ConvertedType::INT_16
                | ConvertedType::INT_32
                | ConvertedType::INT_64,
            ) => false,
            _ => return Err(wrong()),
        };
        Ok(Some(IntColumn {
            leaf,
            is_64,
            unsigned,
        }))
    }
}

/// The schema this crate writes: every column required, in canonical order.
pub(crate) fn canonical_schema() -> Result<TypePtr, parquet::errors::ParquetError> {
    let column = |name: &str, physical: PhysicalType, logical: Option<LogicalType>| {
        Type::primitive_type_builder(name, physical)
            .with_repetition(Repetition::REQUIRED)
            .with_logical_type(logical)
            .build()
            .map(Arc::new)
    };
    let int = |bit_width: i8, is_signed: bool| {
        Some(LogicalType::Integer(parquet::basic::IntType {
            bit_width,
            is_signed,
        }))
    };
    let fields = vec![
        column(columns::EXCH_TS, PhysicalType::INT64, None)?,
        column(columns::LOCAL_TS, PhysicalType::INT64, None)?,
        column(
            columns::KIND,
            PhysicalType::BYTE_ARRAY,
            Some(LogicalType::String),
        )?,
        column(
            columns::SIDE,
            PhysicalType::BYTE_ARRAY,
            Some(LogicalType::String),
        )?,
        column(columns::PRICE, PhysicalType::DOUBLE, None)?,
        column(columns::QTY, PhysicalType::DOUBLE, None)?,
        column(columns::ORDER_ID, PhysicalType::INT64, int(64, false))?,
        column(columns::FLAGS, PhysicalType::INT32, int(8, false))?,
    ];
    Ok(Arc::new(
        Type::group_type_builder("ticklab_events")
            .with_fields(fields)
            .build()?,
    ))
}
