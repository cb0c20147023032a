//! Synthetic but realistic market data for the shipped samples.
