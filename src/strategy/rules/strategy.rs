//! [`RulesStrategy`]: a checked rule file run as a [`Strategy`].

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

/// Firings of one rule so far.
#[derive(Clone, Copy, Debug, Default)]
struct RuleRun {
    fires: u32,
    last_fire_ns: Option<i64>,
}

/// A rule file running as a strategy.
///
/// Indicators see every trade and every consistent book (the last event of
/// an exchange message). The rules are evaluated whenever what they read
/// may have changed: at a consistent book where the best bid or ask (price
/// or size) differs from the last evaluation, at every trade, and at the
/// first consistent book after an answer about one of the strategy's
/// orders.
/// Depth changes behind the touch are not evaluation points, unless the
/// file reads them: a rule file with `ahead_qty` or an imbalance over more
/// than one level is evaluated at every consistent book.
///
/// An evaluation evaluates every condition on one snapshot, then runs, in
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
    executor: Executor,
    /// Reused buffer of the current rule's action outcomes.
    outcomes: Vec<Outcome>,
    feed: SignalFeed,
    /// Best bid and ask at the last evaluation.
    last_touch: (Option<Level>, Option<Level>),
    /// An event since the last evaluation may have changed the touch.
    touch_may_differ: bool,
    /// An order answer arrived since the last evaluation.
    orders_changed: bool,
    /// The file reads the book behind the touch: evaluate at every
    /// consistent book.
    every_book: bool,
}

impl RulesStrategy {
    pub(crate) fn new(program: Arc<Program>) -> Self {
        let mut first_action = Vec::with_capacity(program.rules.len());
        let mut actions = 0;
        for rule in &program.rules {
            first_action.push(actions);
            actions += rule.actions.len();
        }
        RulesStrategy {
            bank: Bank::new(&program.slots, &program.consts),
            states: vec![NodeState::default(); program.nodes.len()],
            runs: vec![RuleRun::default(); program.rules.len()],
            first_action,
            executor: Executor::new(program.file.settings.max_position_lots, actions),
            outcomes: Vec::new(),
            feed: SignalFeed::new(),
            last_touch: (None, None),
            touch_may_differ: true,
            orders_changed: true,
            every_book: program.slots.iter().any(|spec| {
                matches!(spec, IndicatorSpec::AheadQty { .. })
                    || matches!(spec, IndicatorSpec::Imbalance { levels } if *levels > 1)
            }),
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

    /// An evaluation point, unless the touch turns out unchanged: updates
    /// the book indicators, evaluates every condition and fires the rules.
    /// `is_forced` (a trade printed, the market state changed) evaluates
    /// even when the touch did not move.
    #[inline(never)]
    fn evaluate_at(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        now_ns: i64,
        is_forced: bool,
    ) -> Result<(), StrategyError> {
        let touch = (ctx.best_bid(), ctx.best_ask());
        let touch_changed = touch != self.last_touch;
        self.touch_may_differ = false;
        if !(touch_changed || self.orders_changed || self.every_book || is_forced) {
            return Ok(());
        }
        if touch_changed || self.every_book {
            self.bank.on_book(now_ns, ctx.book(), touch);
        }
        self.last_touch = touch;
        self.orders_changed = false;
        self.bank.evaluate(ctx, now_ns);
        evaluate(&self.program, self.bank.operands(), &mut self.states);
        self.fire_rules(ctx, now_ns)
    }

    /// True unless `ev` only changed the book behind the touch of the last
    /// evaluation: a level below the best bid or above the best ask cannot
    /// become the best without an event at the best itself.
    #[inline]
    fn may_move_touch(&self, ev: &MarketEvent) -> bool {
        match (ev.kind, ev.side) {
            (EventKind::Depth | EventKind::Snapshot, Side::Buy) => {
                self.last_touch.0.is_none_or(|best| ev.price >= best.price)
            }
            (EventKind::Depth | EventKind::Snapshot, Side::Sell) => {
                self.last_touch.1.is_none_or(|best| ev.price <= best.price)
            }
            _ => true,
        }
    }

    fn fire_rules(&mut self, ctx: &mut Ctx<'_, '_>, now_ns: i64) -> Result<(), StrategyError> {
        for i in 0..self.program.rules.len() {
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
            self.act(ctx, i, now_ns)?;
        }
        Ok(())
    }

    /// Runs the actions of rule `i`, whose condition holds, and records the
    /// firing if any of them did something.
    #[cold]
    #[inline(never)]
    fn act(&mut self, ctx: &mut Ctx<'_, '_>, i: usize, now_ns: i64) -> Result<(), StrategyError> {
        let program = &*self.program;
        let rule = &program.rules[i];
        self.outcomes.clear();
        let mut acted = false;
        for (k, action) in rule.actions.iter().enumerate() {
            let outcome = self.executor.run(ctx, action, self.first_action[i] + k)?;
            acted |= outcome.acted;
            self.outcomes.push(outcome);
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
            .map(|(action, outcome)| ActionRecord {
                action: action.name().to_owned(),
                requests: outcome.requests,
                note: outcome.note.map(|n| n.into_owned()),
            })
            .collect();
        self.feed.push(Signal {
            ts_ns: now_ns,
            event_index: ctx.event_index(),
            rule: rule.name.clone(),
            rule_index: i,
            fire_count: run.fires,
            actions,
            when: node_record(program, &self.states, rule.root),
        });
        Ok(())
    }
}

impl Strategy for RulesStrategy {
    fn on_start(&mut self, ctx: &mut Ctx<'_, '_>) -> Result<(), StrategyError> {
        let tick_size = ctx.instrument().tick_size;
        self.bank.set_tick_size(&self.program.slots, tick_size);
        Ok(())
    }

    #[inline]
    fn on_market(&mut self, ctx: &mut Ctx<'_, '_>, ev: &MarketEvent) -> Result<(), StrategyError> {
        if ctx.instrument_index() != 0 {
            // A rule file reads and trades the run's first instrument.
            return Ok(());
        }
        let now_ns = ctx.now_ns();
        let trade = ev.kind == EventKind::Trade;
        if trade {
            self.bank.on_trade(now_ns, ev.side, ev.price, ev.qty);
        } else if !self.touch_may_differ {
            self.touch_may_differ = self.may_move_touch(ev);
        }
        if !ev.is_last_in_batch() {
            return Ok(());
        }
        if self.touch_may_differ || self.orders_changed || self.every_book || trade {
            self.evaluate_at(ctx, now_ns, trade)?;
        }
        Ok(())
    }

    fn on_status(&mut self, ctx: &mut Ctx<'_, '_>, _ev: &MarketEvent) -> Result<(), StrategyError> {
        if ctx.instrument_index() != 0 {
            return Ok(());
        }
        // Conditions on `market_state` read a new value.
        let now_ns = ctx.now_ns();
        self.evaluate_at(ctx, now_ns, true)
    }

    fn on_order(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        update: &OrderUpdate,
    ) -> Result<(), StrategyError> {
        if ctx.instrument_index() != 0 {
            return Ok(());
        }
        if update.fill.is_some() {
            self.bank.on_fill(update.local_ts_ns);
        }
        self.orders_changed = true;
        self.executor.on_order(ctx, update)
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
