//! Streaming reader and writer of the canonical Parquet schema.
