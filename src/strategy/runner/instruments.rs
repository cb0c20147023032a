//! A run over several instruments: the runner's scheduler over one engine
//! per instrument, which always processes the earliest due item of any (at
//! equal times, the instrument named first) and hands what the strategy
//! sees to it with that instrument's engine in `engine`.

use crate::sim::{Engine, Wake};
use crate::strategy::Strategy;

use super::{RunError, Runner};

impl<'a, S: Strategy> Runner<'a, S> {
    /// Binds `strategy` to the engines of a run over several instruments,
    /// one per instrument, in the order the symbols were named (that order
    /// breaks ties between instruments at equal times). The first engine is
    /// [`Runner::engine`]. With one engine this is [`Runner::new`].
    pub fn with_instruments(mut engines: Vec<Engine<'a>>, strategy: S) -> Option<Self> {
        if engines.is_empty() {
            return None;
        }
        // The scheduler ends the run (see `advance_instruments`): an
        // instrument whose data is over still takes the orders and timers
        // due before the run's end.
        if engines.len() > 1 {
            for engine in &mut engines {
                engine.open_end = true;
            }
        }
        let others: Vec<Box<Engine<'a>>> = engines.split_off(1).into_iter().map(Box::new).collect();
        let first = engines.pop()?;
        let mut runner = Runner::new(first, strategy);
        if !others.is_empty() {
            runner.symbols = std::iter::once(&runner.engine)
                .chain(&others)
                .map(|e| e.instrument().symbol.clone())
                .collect();
            runner.due = vec![None; others.len() + 1];
            runner.due_seq = vec![None; others.len() + 1];
            runner.others = others;
        }
        Some(runner)
    }

    /// The engines of the run's other instruments (after the first), in
    /// the order named.
    pub fn other_engines(&self) -> impl Iterator<Item = &Engine<'a>> {
        self.others.iter().map(|engine| &**engine)
    }

    /// Market events the strategy has seen, over every instrument of the
    /// run: the run's event index, which steps and seeks count in (for one
    /// instrument, its engine's count).
    #[inline]
    pub fn events_seen(&self) -> u64 {
        self.engine.events_seen() + self.others.iter().map(|e| e.events_seen()).sum::<u64>()
    }

    /// Market events processed at the exchange side, over every
    /// instrument of the run.
    pub fn exchange_events(&self) -> u64 {
        self.engine.exchange_events() + self.others.iter().map(|e| e.exchange_events()).sum::<u64>()
    }

    /// Local time of the run, ns: the time of the last thing the strategy
    /// saw, of whichever instrument (`i64::MIN` before the first). Over
    /// several instruments an engine's own clock starts at its first event,
    /// so one that opens later is ahead of the run until then.
    #[inline]
    pub fn now_ns(&self) -> i64 {
        if self.others.is_empty() {
            self.engine.now_ns()
        } else {
            self.run_now_ns
        }
    }

    /// Position, in the order the symbols were named, of the instrument
    /// whose engine gave the last step's wake (0 for a run of one).
    pub fn last_instrument(&self) -> usize {
        self.last
    }

    /// The engine of instrument `index` (in the order named; 0 is
    /// [`Runner::engine`]) between steps.
    pub fn engine_of(&self, index: usize) -> Option<&Engine<'a>> {
        match index.checked_sub(1) {
            None => Some(&self.engine),
            Some(i) => self.others.get(i).map(|engine| &**engine),
        }
    }

    /// [`Runner::step`] over several instruments: the earliest due item
    /// of any engine, handed to the strategy with that instrument's engine
    /// in `engine`.
    ///
    /// Tells only whether the run is over: the wake is kept in
    /// `last_wake` (its market event in `seen`), so that nothing large
    /// crosses the return on every event.
    #[inline(never)]
    pub(super) fn step_instruments(&mut self) -> Result<bool, RunError> {
        let (index, wake) = self.advance_instruments()?;
        self.last = index;
        self.swap_in(index);
        let handled = self.handle_seen(wake);
        let now_ns = self.engine.now_ns();
        self.run_now_ns = self.run_now_ns.max(now_ns);
        self.swap_in(index);
        // The run's clock, as the first instrument's engine tells it.
        self.engine.catch_up_local_now(now_ns);
        // A market event (most steps) stores its tag alone.
        let finished = match handled? {
            Wake::Market(()) => {
                self.last_wake = Wake::Market(());
                false
            }
            wake => {
                self.last_wake = wake;
                wake == Wake::Finished
            }
        };
        if finished {
            for engine in &mut self.others {
                engine.close_record();
            }
        }
        Ok(finished)
    }

    /// [`Runner::handle`] for a wake whose market event is in `seen`.
    #[inline(always)]
    fn handle_seen(&mut self, wake: Wake<(), ()>) -> Result<Wake<(), ()>, RunError> {
        let ev = self.seen;
        if let Wake::Market(()) = wake {
            self.handle_market(ev)?;
            return Ok(wake);
        }
        let handled = self.handle_other(wake.map_market(|()| ev))?;
        Ok(handled.map_market(|_| ()))
    }

    /// [`Runner::step_instruments`] with the market event handed back.
    pub(super) fn step_instruments_seen(&mut self) -> Result<Wake<()>, RunError> {
        self.step_instruments()?;
        let (wake, seen) = (self.last_wake, self.seen);
        Ok(wake.map_market(|()| seen))
    }

    /// Puts the engine of instrument `index` in `engine` (or back).
    fn swap_in(&mut self, index: usize) {
        if let Some(other) = index.checked_sub(1).and_then(|i| self.others.get_mut(i)) {
            std::mem::swap(&mut self.engine, other);
            self.current = if self.current == index { 0 } else { index };
        }
    }

    /// The engine of instrument `index` (in the order named).
    fn engine_at(&mut self, index: usize) -> Option<&mut Engine<'a>> {
        engine_in(&mut self.engine, &mut self.others, index)
    }

    /// Processes the earliest due item among the engines, at equal times
    /// the first named instrument's, until one gives the strategy
    /// something to see; returns its instrument and the wake
    /// ([`Wake::Finished`] once every engine is over).
    fn advance_instruments(&mut self) -> Result<(usize, Wake<(), ()>), RunError> {
        let count = self.others.len() + 1;
        loop {
            // Read again the next item of the engine that moved and of
            // those the strategy sent something through (their message
            // count moved); the others' are as they were.
            let mut read_again = false;
            for index in 0..count {
                let known = self.due_seq[index];
                let Some(engine) = self.engine_at(index) else {
                    continue;
                };
                let seq = engine.message_seq();
                if known == Some(seq) {
                    continue;
                }
                read_again = true;
                let due = engine.next_due_item()?;
                self.due[index] = due;
                self.due_seq[index] = Some(seq);
            }
            if read_again {
                self.share_order_ids();
            }
            // The earliest item; at equal times, the first named.
            let mut index = usize::MAX;
            let mut earliest_ns = i64::MAX;
            for (i, due) in self.due.iter().enumerate() {
                if let Some((ts, _)) = *due {
                    if index == usize::MAX || ts < earliest_ns {
                        index = i;
                        earliest_ns = ts;
                    }
                }
            }
            let Some(Some(item)) = self.due.get(index).copied() else {
                return Ok((0, Wake::Finished));
            };
            // Once every instrument's data is over, what is due after the
            // last market event of the run is dropped, as a run over one
            // instrument drops what is due after its data.
            if self.all_data_over() && item.0 > self.run_data_end_ns() {
                return Ok((0, Wake::Finished));
            }
            // The strategy may see this engine's events at once only up to
            // the others' next items (an instrument named earlier wins a
            // tie).
            let mut until_ns = i64::MAX;
            for (i, due) in self.due.iter().enumerate() {
                if let (false, Some((ts, _))) = (i == index, *due) {
                    until_ns = until_ns.min(if i < index { ts.saturating_sub(1) } else { ts });
                }
            }
            // Borrowed field by field: `seen` is written while it works.
            let Some(engine) = engine_in(&mut self.engine, &mut self.others, index) else {
                return Ok((0, Wake::Finished));
            };
            let woke = engine.advance_through(item, until_ns, &mut self.seen)?;
            self.due_seq[index] = None;
            if let Some(wake) = woke {
                return Ok((index, wake));
            }
        }
    }

    /// Order ids are the run's, whichever engine gave one: once any engine
    /// has given one, every engine gives the next after the highest.
    fn share_order_ids(&mut self) {
        let next_id = self
            .others
            .iter()
            .fold(self.engine.next_order_id(), |id, engine| {
                id.max(engine.next_order_id())
            });
        if next_id == self.shared_order_id {
            return;
        }
        self.shared_order_id = next_id;
        self.engine.set_next_order_id(next_id);
        for engine in &mut self.others {
            engine.set_next_order_id(next_id);
        }
    }

    /// True when every instrument's market data has been processed.
    fn all_data_over(&self) -> bool {
        self.engine.data_over() && self.others.iter().all(|engine| engine.data_over())
    }

    /// Time of the run's last market event, over every instrument.
    fn run_data_end_ns(&self) -> i64 {
        self.others
            .iter()
            .map(|engine| engine.data_end_ns())
            .fold(self.engine.data_end_ns(), i64::max)
    }

    /// Takes the runner apart: the engine of every instrument, in the order
    /// named, and the strategy.
    pub fn into_engines(self) -> (Vec<Engine<'a>>, S) {
        let mut engines = vec![*self.engine];
        engines.extend(self.others.into_iter().map(|engine| *engine));
        (engines, self.strategy)
    }
}

/// The engine of instrument `index` (in the order named) among the first
/// instrument's `engine` and the `others`.
fn engine_in<'e, 'a>(
    engine: &'e mut Engine<'a>,
    others: &'e mut [Box<Engine<'a>>],
    index: usize,
) -> Option<&'e mut Engine<'a>> {
    match index.checked_sub(1) {
        None => Some(engine),
        Some(i) => others.get_mut(i).map(|engine| &mut **engine),
    }
}
