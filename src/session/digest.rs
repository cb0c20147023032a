//! A running digest of what a run did: every order update, fill and
//! console line, in the order they came. Two runs of the same day,
//! strategy and settings that pass the same event with different digests
//! did different things before it (a strategy whose instances share state,
//! or that reads the wall clock). The checkpoints keep it, so that a
//! standby run is checked against the run it stands in for.
//!
//! It is not a cryptographic hash: it tells apart runs that went
//! differently by accident, and is the same on every run of one build.

use std::hash::{Hash, Hasher};

use crate::sim::{FillRecord, LogRecord, OrderUpdate};

/// Multiplier of the mixing step (the one of rustc's FxHash).
const MIX: u64 = 0x517c_c1b7_2722_0a95;

/// A running digest (see the module's documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunDigest(u64);

impl RunDigest {
    /// Its value.
    pub fn value(self) -> u64 {
        self.0
    }

    /// Takes in an order update: the order, what happened, its prices,
    /// quantities and times.
    pub fn order(&mut self, update: &OrderUpdate) {
        self.write_u8(1);
        self.write_u64(update.order_id.0);
        update.kind.hash(self);
        update.state.hash(self);
        update.side.hash(self);
        self.write_i64(update.price_ticks);
        self.write_i64(update.stop_price_ticks);
        self.write_i64(update.qty_lots);
        self.write_i64(update.filled_lots);
        self.write_i64(update.exch_ts_ns);
        self.write_i64(update.local_ts_ns);
    }

    /// Takes in a fill: the order, its price, quantity, fee and times.
    pub fn fill(&mut self, fill: &FillRecord) {
        self.write_u8(2);
        self.write_u64(fill.order_id.0);
        fill.side.hash(self);
        self.write_i64(fill.price_ticks);
        self.write_i64(fill.qty_lots);
        self.write_u64(fill.fee.to_bits());
        self.write_i64(fill.exch_ts_ns);
        self.write_i64(fill.local_ts_ns);
        self.write_i64(fill.position_after_lots);
    }

    /// Takes in a console line: its time, event and text.
    pub fn line(&mut self, line: &LogRecord) {
        self.write_u8(3);
        self.write_i64(line.ts_ns);
        self.write_u64(line.event_index);
        self.write(line.text.as_bytes());
        self.write_usize(line.text.len());
    }

    /// The digest of this one and `other` together.
    pub fn with(self, other: RunDigest) -> RunDigest {
        let mut both = self;
        both.write_u64(other.0);
        both
    }
}

impl Hasher for RunDigest {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0_u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0_u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(MIX);
    }

    fn write_i64(&mut self, value: i64) {
        self.write_u64(value as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_isize(&mut self, value: isize) {
        self.write_u64(value as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ts_ns: i64, text: &str) -> LogRecord {
        LogRecord {
            ts_ns,
            event_index: 7,
            text: text.to_owned(),
        }
    }

    #[test]
    fn the_same_lines_in_the_same_order_give_the_same_digest() {
        let mut a = RunDigest::default();
        let mut b = RunDigest::default();
        for digest in [&mut a, &mut b] {
            digest.line(&line(5, "bought 0.01 at 100.5"));
            digest.line(&line(6, "sold"));
        }
        assert_eq!(a, b);
        assert_ne!(a, RunDigest::default());
    }

    #[test]
    fn a_changed_time_text_or_order_changes_the_digest() {
        let mut base = RunDigest::default();
        base.line(&line(5, "bought 0.01 at 100.5"));
        base.line(&line(6, "sold"));
        let mut later = RunDigest::default();
        later.line(&line(5, "bought 0.01 at 100.5"));
        later.line(&line(7, "sold"));
        let mut other_text = RunDigest::default();
        other_text.line(&line(5, "bought 0.01 at 100.6"));
        other_text.line(&line(6, "sold"));
        let mut swapped = RunDigest::default();
        swapped.line(&line(6, "sold"));
        swapped.line(&line(5, "bought 0.01 at 100.5"));
        for other in [later, other_text, swapped] {
            assert_ne!(base, other);
        }
        // Text split differently between lines is another console.
        let mut one = RunDigest::default();
        one.line(&line(5, "ab"));
        let mut two = RunDigest::default();
        two.line(&line(5, "a"));
        two.line(&line(5, "b"));
        assert_ne!(one, two);
    }
}
