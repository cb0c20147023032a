//! The exchange simulator: deterministic discrete events.
