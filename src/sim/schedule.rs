//! Time-ordered queues of the engine: order messages in flight to the
//! exchange, answers in flight to the strategy, and timers.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An item due at `ts`; items due at the same time come out in the order
/// they were scheduled (`seq`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scheduled<T> {
    pub ts: i64,
    pub seq: u64,
    pub item: T,
}

impl<T> PartialEq for Scheduled<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.ts, self.seq) == (other.ts, other.seq)
    }
}

impl<T> Eq for Scheduled<T> {}

impl<T> PartialOrd for Scheduled<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Scheduled<T> {
    /// Reversed, so that `BinaryHeap` pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.ts, other.seq).cmp(&(self.ts, self.seq))
    }
}

/// A min-queue by (time, sequence number).
#[derive(Clone, Debug)]
pub(crate) struct TimeQueue<T> {
    heap: BinaryHeap<Scheduled<T>>,
}

impl<T> Default for TimeQueue<T> {
    fn default() -> Self {
        TimeQueue {
            heap: BinaryHeap::new(),
        }
    }
}

impl<T> TimeQueue<T> {
    #[inline]
    pub(crate) fn push(&mut self, ts: i64, seq: u64, item: T) {
        self.heap.push(Scheduled { ts, seq, item });
    }

    /// Time of the earliest item.
    #[inline]
    pub(crate) fn next_ts(&self) -> Option<i64> {
        self.heap.peek().map(|s| s.ts)
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Scheduled<T>> {
        self.heap.pop()
    }

    /// Sequence number of the earliest item.
    #[inline]
    pub(crate) fn next_seq(&self) -> Option<u64> {
        self.heap.peek().map(|s| s.seq)
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}
