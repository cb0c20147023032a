//! Converters from vendor formats into the canonical event stream.
