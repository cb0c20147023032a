//! A data folder: instruments and days on disk.
