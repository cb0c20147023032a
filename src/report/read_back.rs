//! Reading a table a run wrote back, by column name, a row at a time, with
//! errors that name the row and the column (the caller names the file).

use std::fs::File;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

/// A Parquet table of a run's, open for reading back.
pub(crate) struct ReadBack {
    reader: SerializedFileReader<File>,
    names: Vec<String>,
}

impl ReadBack {
    /// Opens the table at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|err| format!("cannot open: {err}"))?;
        let reader = SerializedFileReader::new(file).map_err(|err| err.to_string())?;
        let names = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        Ok(ReadBack { reader, names })
    }

    /// The index of column `name`, if the table has it.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The index of column `name`, or an error naming the column.
    pub(crate) fn required(&self, name: &str) -> Result<usize, String> {
        self.column(name)
            .ok_or_else(|| format!("no column `{name}`"))
    }

    /// Calls `row` with each row's fields, in order; a field it refuses
    /// (`Err((column, what))`) is reported with the row and the column.
    pub(crate) fn each_row(
        &self,
        mut row: impl FnMut(&[&Field]) -> Result<(), (usize, &'static str)>,
    ) -> Result<(), String> {
        let rows = self
            .reader
            .get_row_iter(None)
            .map_err(|err| err.to_string())?;
        for (row_index, read) in rows.enumerate() {
            let read = read.map_err(|err| format!("row {row_index}: {err}"))?;
            let fields: Vec<&Field> = read.get_column_iter().map(|(_, field)| field).collect();
            row(&fields).map_err(|(column, what)| {
                let name = self.names.get(column).map_or("?", String::as_str);
                format!("row {row_index}, column `{name}`: {what}")
            })?;
        }
        Ok(())
    }
}
