//! Starting a run over: the day's sources opened, the strategy made anew,
//! the record, rows and window taps set up for it.

use super::*;

impl Replay {
    /// Starts the run over from the start of the day with a new instance of
    /// the strategy.
    pub(super) fn fresh_run(&mut self) -> bool {
        let Some(day) = self.day.clone() else {
            return false;
        };
        if let StrategyChoice::Rules { path, rules } = &self.choice {
            // A rule file naming a symbol the run does not have never starts.
            let symbols: Vec<&str> = std::iter::once(&day)
                .chain(&self.others)
                .map(|run| run.instrument.symbol.as_str())
                .collect();
            if let Err(err) = rules.check_symbols(&symbols) {
                let name = path.display().to_string();
                self.report(load_failure(&crate::session::SessionError::Strategy {
                    name,
                    reason: err.to_string(),
                }));
                return false;
            }
        }
        let (strategy, signal_feed) = self.choice.build_with_signals(&self.python);
        self.crossed = CrossedTally::default();
        let mut cache_notes = Vec::new();
        let engine = day.engine_days(
            &self.config,
            self.options.read,
            &self.options.cache,
            self.crossed.clone(),
            &mut cache_notes,
        );
        for text in cache_notes {
            self.note_cache(text);
        }
        match engine {
            Ok((mut engine, later)) => {
                self.cache_notes = later;
                // The record would hold every row of the day; the rows go
                // to the window and the statistics, or to a batch run's
                // files, instead.
                if let Some(sink) = self.batch_sink.take() {
                    engine.set_record_sink(sink);
                    self.rows = None;
                } else {
                    let instruments = self.instruments();
                    let rates: Vec<f64> = instruments
                        .iter()
                        .map(|i| {
                            self.config
                                .fx_rate(&i.currency, &day.instrument.currency)
                                .unwrap_or(1.0)
                        })
                        .collect();
                    let rows = Rc::new(RefCell::new(PendingRows::for_instruments(
                        self.config.initial_cash,
                        &instruments,
                        &rates,
                        self.focus,
                    )));
                    if self.traded_days().len() > 1 {
                        rows.borrow_mut().track_days(self.config.initial_cash);
                    }
                    engine.set_record_sink(Box::new(Rc::clone(&rows)));
                    self.rows = Some(rows);
                }
                let mut engines = vec![engine];
                let mut sinks = std::mem::take(&mut self.other_sinks).into_iter();
                let mut days = day.day_list();
                for (index, other) in self.others.clone().into_iter().enumerate() {
                    let mut cache_notes = Vec::new();
                    let built = other.engine_days(
                        &self.config,
                        self.options.read,
                        &self.options.cache,
                        self.crossed.clone(),
                        &mut cache_notes,
                    );
                    for text in cache_notes {
                        self.note_cache(text);
                    }
                    match built {
                        Ok((mut engine, later)) => {
                            self.cache_notes.extend(later);
                            let rate = self
                                .config
                                .fx_rate(&other.instrument.currency, &day.instrument.currency)
                                .unwrap_or(1.0);
                            engine.set_account_fx_rate(rate);
                            if let Some(sink) = sinks.next() {
                                engine.set_record_sink(sink);
                            } else if let Some(rows) = &self.rows {
                                engine.set_record_sink(Box::new(InstrumentRows::new(
                                    rows,
                                    index + 1,
                                )));
                            }
                            days.extend(other.day_list());
                            engines.push(engine);
                        }
                        Err(err) => {
                            self.runner = None;
                            self.rows = None;
                            self.report(ErrorRecord::of(ErrorKind::Data, &err));
                            return false;
                        }
                    }
                }
                days.sort_unstable();
                days.dedup();
                let Some(mut runner) = Runner::with_instruments(engines, strategy) else {
                    return false;
                };
                runner.set_timing(self.options.timing);
                runner.set_days(&days, day.warmup.map_or(i64::MIN, |warmup| warmup.from_ns));
                self.runner = Some(runner);
                self.wakes = 0;
                self.signals = 0;
                self.signal_feed = signal_feed;
                self.pending_signals.clear();
                self.failed = false;
                self.logs = logs::HeldLogs::default();
                self.tap.reset();
                self.outbox.push_back(Update::Reset);
                let instruments = self.instruments();
                let traded = self.traded_days();
                let info = RunInfo {
                    folder: self.folder.clone().unwrap_or_default(),
                    instrument: instruments
                        .get(self.focus)
                        .cloned()
                        .unwrap_or_else(|| day.instrument.clone()),
                    day: day.day,
                    rows: day.rows + self.others.iter().map(|o| o.rows).sum::<u64>(),
                    span_ns: self.span_ns,
                    strategy: self.strategy.clone(),
                    initial_cash: self.config.initial_cash,
                    instruments,
                    days: traded,
                };
                self.outbox.push_back(Update::Started(Box::new(info)));
                true
            }
            Err(err) => {
                self.runner = None;
                self.rows = None;
                self.report(ErrorRecord::of(ErrorKind::Data, &err));
                false
            }
        }
    }
}
