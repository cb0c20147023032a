//! [`RulesStrategy`]: a checked rule file run as a [`Strategy`].

use std::ops::Range;
use std::sync::Arc;

use crate::book::Level;
use crate::market::{EventKind, MarketEvent, Side};
use crate::sim::OrderUpdate;
use crate::strategy::{Callback, CallbackSet, Ctx, Strategy, StrategyError};

use super::actions::Executor;
use super::audit::{node_record, ActionRecord, Outcome, Signal, SignalFeed};
use super::bank::Bank;
use super::compile::Program;
use super::eval::{evaluate, NodeState, Truth};
use super::schema::IndicatorSpec;
use super::venue::On;

/// Firings of one rule so far.
#[derive(Clone, Copy, Debug, Default)]
struct RuleRun {
    fires: u32,
    last_fire_ns: Option<i64>,
}

/// What the strategy keeps about one of the run's instruments.
#[derive(Clone, Debug)]
struct Watch {
    /// Best bid and ask at the last evaluation point.
    last_touch: (Option<Level>, Option<Level>),
    /// An event since the last evaluation point may have changed the touch.
    touch_may_differ: bool,
    /// An order answer arrived since the last evaluation point.
    orders_changed: bool,
    /// The file reads its book behind the touch: an evaluation point at
    /// every consistent book.
    every_book: bool,
    /// The rules its events evaluate, in file order.
    rules: Vec<usize>,
    /// Their condition nodes.
    ranges: Vec<Range<usize>>,
    /// Whether the file reads its data or evaluates rules on its events.
    watched: bool,
}

impl Watch {
    fn new(every_book: bool, rules: Vec<usize>, program: &Program, reads: bool) -> Watch {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for &r in &rules {
            let rule = &program.rules[r];
            let range = rule.first_node..rule.root + 1;
            match ranges.last_mut() {
                Some(last) if last.end == range.start => last.end = range.end,
                _ => ranges.push(range),
            }
        }
        Watch {
            last_touch: (None, None),
            touch_may_differ: true,
            orders_changed: true,
            every_book,
            watched: reads || !rules.is_empty() || every_book,
            rules,
            ranges,
        }
    }
}

/// Whether `spec` reads the book behind the touch.
fn reads_depth(spec: &IndicatorSpec) -> bool {
    matches!(spec, IndicatorSpec::AheadQty { .. })
        || matches!(spec, IndicatorSpec::Imbalance { levels, .. } if *levels > 1)
}

/// A rule file running as a strategy.
///
/// Each indicator is about one instrument of the run (its `symbol`, by
/// default the first named) and each rule is evaluated on the events of the
/// instruments of its `on` (by default those its condition reads).
/// Indicators see every trade and every consistent book (the last event of
/// an exchange message) of their instrument. The rules of an instrument are
/// evaluated whenever what they read may have changed: at a consistent
/// book of that instrument where its best bid or ask (price or size)
/// differs from its last evaluation point, at every trade of it ending an
/// exchange message, and at its first consistent book after an answer
/// about any of the strategy's orders. Depth changes behind the touch are
/// not evaluation points, unless the file reads them: an instrument whose
/// `ahead_qty` or imbalance over more than one level the file reads has
/// one at every consistent book.
///
/// An evaluation evaluates every condition of those rules on one snapshot
/// (each other instrument as of its last consistent book), then runs, in
/// file order, the actions of each rule whose condition is true, is not
/// cooling down and has not reached its `max_fires`. Each firing is added
/// to its [`SignalFeed`].
#[derive(Debug)]
pub struct RulesStrategy {
    program: Arc<Program>,
    bank: Bank,
    states: Vec<NodeState>,
    runs: Vec<RuleRun>,
    /// Flat index of each rule's first action.
    first_action: Vec<usize>,
    /// The instrument each action acts on, by flat index, when it names one.
    targets: Vec<Option<usize>>,
    executor: Executor,
    /// Reused buffer of the current rule's action outcomes.
    outcomes: Vec<Outcome>,
    feed: SignalFeed,
    /// The run's symbols, in the order named (once started).
    symbols: Vec<String>,
    /// Per instrument of the run.
    watches: Vec<Watch>,
}

impl RulesStrategy {
    pub(crate) fn new(program: Arc<Program>) -> Self {
        let mut first_action = Vec::with_capacity(program.rules.len());
        let mut actions = 0;
        for rule in &program.rules {
            first_action.push(actions);
            actions += rule.actions.len();
        }
        // Until `on_start` says otherwise: one instrument, every rule on it.
        let every_book = program.slots.iter().any(reads_depth);
        let watch = Watch::new(
            every_book,
            (0..program.rules.len()).collect(),
            &program,
            true,
        );
        RulesStrategy {
            bank: Bank::new(&program.slots, &program.consts),
            states: vec![NodeState::default(); program.nodes.len()],
            runs: vec![RuleRun::default(); program.rules.len()],
            first_action,
            targets: vec![None; actions],
            executor: Executor::new(program.file.settings.max_position_lots, actions),
            outcomes: Vec::new(),
            feed: SignalFeed::new(),
            symbols: Vec::new(),
            watches: vec![watch],
            program,
        }
    }

    /// The feed its signals go to; clones share the same records.
    pub fn signal_feed(&self) -> SignalFeed {
        self.feed.clone()
    }

    /// Takes the signals recorded since the last drain, oldest first.
    pub fn drain_signals(&self) -> Vec<Signal> {
        self.feed.drain()
    }

    /// Puts the file on the run's instruments: each indicator, rule and
    /// action on its instrument. A symbol the run does not have is an
    /// error naming the file, the rule and the run's symbols.
    fn bind(&mut self, ctx: &Ctx<'_, '_>) -> Result<(), StrategyError> {
        let symbols: Vec<String> = ctx.symbols().into_iter().map(str::to_owned).collect();
        let names: Vec<&str> = symbols.iter().map(String::as_str).collect();
        self.program
            .check_symbols(&names)
            .map_err(StrategyError::msg)?;
        let index_of = |symbol: Option<&str>| {
            symbol
                .and_then(|s| symbols.iter().position(|x| x == s))
                .unwrap_or(0)
        };
        let program = &*self.program;
        let slot_instruments: Vec<usize> = program
            .slots
            .iter()
            .map(|spec| index_of(spec.symbol()))
            .collect();
        let tick_sizes: Vec<f64> = symbols
            .iter()
            .map(|s| ctx.instrument_of(s).map_or(1.0, |i| i.tick_size))
            .collect();
        self.bank
            .bind(&program.slots, slot_instruments.clone(), &tick_sizes);
        let count = symbols.len().max(1);
        let mut rules_on: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (r, rule) in program.rules.iter().enumerate() {
            let mut on: Vec<usize> = match &rule.on {
                Some(list) => list.iter().map(|s| index_of(Some(s))).collect(),
                None => program
                    .slots_of_rule(r)
                    .map(|slot| slot_instruments[slot])
                    .collect(),
            };
            if on.is_empty() {
                on.push(0);
            }
            on.sort_unstable();
            on.dedup();
            for inst in on {
                rules_on[inst].push(r);
            }
        }
        self.watches = rules_on
            .into_iter()
            .enumerate()
            .map(|(inst, rules)| {
                let every_book = program
                    .slots
                    .iter()
                    .zip(&slot_instruments)
                    .any(|(spec, &i)| i == inst && reads_depth(spec));
                Watch::new(every_book, rules, program, self.bank.reads_market(inst))
            })
            .collect();
        let mut flat = 0;
        for rule in &program.rules {
            for action in &rule.actions {
                self.targets[flat] = action.symbol().map(|s| index_of(Some(s)));
                flat += 1;
            }
        }
        self.executor.set_instruments(count);
        self.symbols = symbols;
        Ok(())
    }

    /// An evaluation point of instrument `inst`, unless its touch turns out
    /// unchanged: updates its book indicators, evaluates the conditions of
    /// the rules on it and fires them. `is_forced` (a trade printed, the
    /// market state changed) evaluates even when the touch did not move.
    #[inline(never)]
    fn evaluate_at(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        inst: usize,
        now_ns: i64,
        is_forced: bool,
    ) -> Result<(), StrategyError> {
        let Some(watch) = self.watches.get_mut(inst) else {
            return Ok(());
        };
        let touch = (ctx.best_bid(), ctx.best_ask());
        let touch_changed = touch != watch.last_touch;
        watch.touch_may_differ = false;
        if !(touch_changed || watch.orders_changed || watch.every_book || is_forced) {
            return Ok(());
        }
        if touch_changed || watch.every_book {
            self.bank.on_book(inst, now_ns, ctx.book(), touch);
        }
        watch.last_touch = touch;
        watch.orders_changed = false;
        if watch.rules.is_empty() {
            return Ok(());
        }
        self.bank.evaluate(ctx, now_ns, &self.symbols);
        evaluate(
            &self.program,
            self.bank.operands(),
            &mut self.states,
            &watch.ranges,
        );
        self.fire_rules(ctx, inst, now_ns)
    }

    /// True unless `ev` only changed the book behind the touch of the last
    /// evaluation point: a level below the best bid or above the best ask
    /// cannot become the best without an event at the best itself.
    #[inline]
    fn may_move_touch(watch: &Watch, ev: &MarketEvent) -> bool {
        match (ev.kind, ev.side) {
            (EventKind::Depth | EventKind::Snapshot, Side::Buy) => {
                watch.last_touch.0.is_none_or(|best| ev.price >= best.price)
            }
            (EventKind::Depth | EventKind::Snapshot, Side::Sell) => {
                watch.last_touch.1.is_none_or(|best| ev.price <= best.price)
            }
            _ => true,
        }
    }

    fn fire_rules(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        inst: usize,
        now_ns: i64,
    ) -> Result<(), StrategyError> {
        for k in 0..self.watches[inst].rules.len() {
            let i = self.watches[inst].rules[k];
            let rule = &self.program.rules[i];
            if self.states[rule.root].truth != Truth::True {
                continue;
            }
            let run = self.runs[i];
            if rule.max_fires.is_some_and(|max| run.fires >= max) {
                continue;
            }
            if let (Some(cooldown_ns), Some(last_ns)) = (rule.cooldown_ns, run.last_fire_ns) {
                if now_ns - last_ns < cooldown_ns {
                    continue;
                }
            }
            self.act(ctx, inst, i, now_ns)?;
        }
        Ok(())
    }

    /// Runs the actions of rule `i`, whose condition holds at an evaluation
    /// point of instrument `inst`, and records the firing if any of them
    /// did something.
    #[cold]
    #[inline(never)]
    fn act(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        inst: usize,
        i: usize,
        now_ns: i64,
    ) -> Result<(), StrategyError> {
        let program = &*self.program;
        let rule = &program.rules[i];
        self.outcomes.clear();
        let mut acted = false;
        let mut symbols = Vec::with_capacity(rule.actions.len());
        for (k, action) in rule.actions.iter().enumerate() {
            let flat = self.first_action[i] + k;
            let target = self.targets[flat].unwrap_or(inst);
            let on = On {
                index: target,
                symbol: self.symbols.get(target).map_or("", String::as_str),
            };
            let outcome = self.executor.run(ctx, on, action, flat)?;
            acted |= outcome.acted;
            self.outcomes.push(outcome);
            symbols.push(self.symbols.get(target).cloned());
        }
        if !acted {
            return Ok(());
        }
        let run = &mut self.runs[i];
        run.fires += 1;
        run.last_fire_ns = Some(now_ns);
        let actions = rule
            .actions
            .iter()
            .zip(self.outcomes.drain(..))
            .zip(symbols)
            .map(|((action, outcome), symbol)| ActionRecord {
                action: action.name().to_owned(),
                symbol: symbol.or_else(|| Some(ctx.symbol().to_owned())),
                requests: outcome.requests,
                note: outcome.note.map(|n| n.into_owned()),
            })
            .collect();
        self.feed.push(Signal {
            ts_ns: now_ns,
            event_index: ctx.event_index(),
            symbol: Some(ctx.symbol().to_owned()),
            rule: rule.name.clone(),
            rule_index: i,
            fire_count: run.fires,
            actions,
            when: node_record(program, &self.states, rule.root, &self.symbols),
        });
        Ok(())
    }
}

impl Strategy for RulesStrategy {
    fn on_start(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        self.bind(ctx)
    }

    #[inline]
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        let inst = ctx.instrument_index();
        let Some(watch) = self.watches.get_mut(inst) else {
            return Ok(());
        };
        if !watch.watched {
            return Ok(());
        }
        let now_ns = ctx.now_ns();
        let trade = ev.kind == EventKind::Trade;
        if trade {
            self.bank.on_trade(inst, now_ns, ev.side, ev.price, ev.qty);
        } else if !watch.touch_may_differ {
            watch.touch_may_differ = Self::may_move_touch(watch, ev);
        }
        if !ev.is_last_in_batch() {
            return Ok(());
        }
        if watch.touch_may_differ || watch.orders_changed || watch.every_book || trade {
            self.evaluate_at(ctx, inst, now_ns, trade)?;
        }
        Ok(())
    }

    fn on_status(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        let inst = ctx.instrument_index();
        if !self.watches.get(inst).is_some_and(|w| w.watched) {
            return Ok(());
        }
        // Conditions on `market_state` read a new value.
        let now_ns = ctx.now_ns();
        self.evaluate_at(ctx, inst, now_ns, true)
    }

    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        let inst = ctx.instrument_index();
        if update.fill.is_some() {
            self.bank.on_fill(inst, update.local_ts_ns);
        }
        for watch in &mut self.watches {
            watch.orders_changed = true;
        }
        let on = On {
            index: inst,
            symbol: self.symbols.get(inst).map_or("", String::as_str),
        };
        self.executor.on_order(ctx, on, update)
    }

    fn callbacks(&self) -> CallbackSet {
        CallbackSet::NONE
            .with(Callback::Start)
            .with(Callback::Market)
            .with(Callback::Order)
            // Rules are evaluated again when the venue's state changes.
            .with(Callback::Status)
    }
}
