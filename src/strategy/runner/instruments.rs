//! A run over several instruments: the runner's scheduler over one engine
//! per instrument, which always processes the earliest due item of any (at
//! equal times, the instrument named first) and hands what the strategy
//! sees to it with that instrument's engine in `engine`.

use crate::sim::{Engine, OrderUpdate, Wake};
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
        let others = engines.split_off(1);
        let first = engines.pop()?;
        let mut runner = Runner::new(first, strategy);
        if !others.is_empty() {
            runner.symbols = std::iter::once(&runner.engine)
                .chain(&others)
                .map(|e| e.instrument().symbol.clone())
                .collect();
            runner.due = vec![None; others.len() + 1];
            runner.others = others;
        }
        Some(runner)
    }

    /// The engines of the run's other instruments (after the first), in
    /// the order named.
    pub fn other_engines(&self) -> &[Engine<'a>] {
        &self.others
    }

    /// [`Runner::step`] over several instruments: the earliest due item
    /// of any engine, handed to the strategy with that instrument's engine
    /// in `engine`.
    #[inline(never)]
    pub(super) fn step_instruments(&mut self) -> Result<Wake<&OrderUpdate>, RunError> {
        let (index, wake) = self.advance_instruments()?;
        self.swap_in(index);
        let handled = self.handle(wake).map(|wake| wake.map_order(|_| ()));
        self.swap_in(index);
        let wake = handled?;
        if wake == Wake::Finished {
            for engine in &mut self.others {
                engine.close_record();
            }
        }
        Ok(wake.map_order(|()| &self.update))
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
        match index.checked_sub(1) {
            None => Some(&mut self.engine),
            Some(i) => self.others.get_mut(i),
        }
    }

    /// Processes the earliest due item among the engines, at equal times
    /// the first named instrument's, until one gives the strategy
    /// something to see; returns its instrument and the wake
    /// ([`Wake::Finished`] once every engine is over).
    fn advance_instruments(&mut self) -> Result<(usize, Wake<()>), RunError> {
        let count = self.others.len() + 1;
        loop {
            match self.stale {
                Some(index) => {
                    if let Some(engine) = self.engine_at(index) {
                        let due = engine.next_due_item()?;
                        self.due[index] = due;
                    }
                }
                None => {
                    // After a callback: the strategy may have sent orders
                    // through any engine, and order ids are the run's.
                    let next_id = std::iter::once(&self.engine)
                        .chain(&self.others)
                        .map(Engine::next_order_id)
                        .max()
                        .unwrap_or(1);
                    self.engine.set_next_order_id(next_id);
                    for engine in &mut self.others {
                        engine.set_next_order_id(next_id);
                    }
                    for index in 0..count {
                        let due = match self.engine_at(index) {
                            Some(engine) => engine.next_due_item()?,
                            None => None,
                        };
                        self.due[index] = due;
                    }
                }
            }
            let Some((_, index)) = self
                .due
                .iter()
                .enumerate()
                .filter_map(|(i, due)| due.map(|(ts, _)| (ts, i)))
                .min()
            else {
                return Ok((0, Wake::Finished));
            };
            let Some(item) = self.due[index] else {
                return Ok((0, Wake::Finished));
            };
            // The strategy may see this engine's events at once only up to
            // the others' next items (an instrument named earlier wins a
            // tie).
            let until_ns = self
                .due
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != index)
                .filter_map(|(i, due)| {
                    due.map(|(ts, _)| if i < index { ts.saturating_sub(1) } else { ts })
                })
                .min()
                .unwrap_or(i64::MAX);
            let Some(engine) = self.engine_at(index) else {
                return Ok((0, Wake::Finished));
            };
            engine.set_handover_until_ns(until_ns);
            let id_before = engine.next_order_id();
            let woke = engine.process_item(item);
            let id_after = engine.next_order_id();
            self.stale = Some(index);
            if id_after != id_before {
                // The venue gave an id (a liquidation): ids are the run's.
                self.engine.set_next_order_id(id_after);
                for engine in &mut self.others {
                    engine.set_next_order_id(id_after);
                }
            }
            if let Some(wake) = woke {
                // The strategy acts next: it may reach any engine.
                self.stale = None;
                // One clock for the strategy, whichever instrument woke it.
                let now_ns = self.engine_at(index).map_or(i64::MIN, |e| e.now_ns());
                self.engine.catch_up_local_now(now_ns);
                for engine in &mut self.others {
                    engine.catch_up_local_now(now_ns);
                }
                return Ok((index, wake));
            }
        }
    }

    /// Takes the runner apart: the engine of every instrument, in the order
    /// named, and the strategy.
    pub fn into_engines(self) -> (Vec<Engine<'a>>, S) {
        let mut engines = vec![self.engine];
        engines.extend(self.others);
        (engines, self.strategy)
    }
}
