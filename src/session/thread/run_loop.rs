//! The session thread's loop: commands applied, playback paced, runs and
//! standbys advanced in slices, frames and batches published.

use super::*;

/// What the loop is doing between commands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Waiting for a command.
    Idle,
    /// Running to a goal as fast as possible.
    Run { goal: Goal, state: RunState },
    /// Playing at a speed: data time `anchor_ns` at real time `anchor`.
    Play {
        speed: Speed,
        anchor: Instant,
        anchor_ns: i64,
    },
}

pub(super) struct SessionLoop {
    replay: Replay,
    commands: Receiver<Command>,
    link: Link,
    mode: Mode,
    commands_done: u64,
    last_frame: Instant,
    last_stats: Instant,
    /// Exchange events and real time at the last throughput measurement.
    rate_mark: (u64, Instant),
    events_per_sec: f64,
    rerun_started: Option<(Instant, u64)>,
    /// A command received while waiting for the clock, applied next.
    pending: Option<Command>,
    /// Steps asked while another step ran, to run next in order.
    queued_steps: VecDeque<crate::session::command::StepTarget>,
    /// Real time and exchange events when the engine last started running.
    running_since: Option<(Instant, u64)>,
    /// More replays of the same run, kept behind the current position
    /// while the session waits or plays (`super::standby`): a seek takes
    /// over the furthest one on its way and runs only from where it
    /// waits, instead of re-running from the start of the day.
    standbys: Standbys,
    /// Real time and the position a seek took over a standby.
    standby_used: Option<(Instant, u64)>,
    /// Real time the run and the standbys took during play since it
    /// started, while the run was behind the clock or as fast as possible.
    play_time: (Duration, Duration),
}

impl SessionLoop {
    pub(super) fn new(replay: Replay, commands: Receiver<Command>, link: Link) -> Self {
        let now = Instant::now();
        SessionLoop {
            replay,
            commands,
            link,
            mode: Mode::Idle,
            commands_done: 0,
            last_frame: now,
            last_stats: now,
            rate_mark: (0, now),
            events_per_sec: 0.0,
            rerun_started: None,
            pending: None,
            queued_steps: VecDeque::new(),
            running_since: None,
            standbys: Standbys::default(),
            standby_used: None,
            play_time: (Duration::ZERO, Duration::ZERO),
        }
    }

    pub(super) fn run(mut self) {
        loop {
            let command = if let Some(command) = self.pending.take() {
                Some(command)
            } else if self.mode == Mode::Idle {
                let wait = if self.standbys.has_work(&self.replay) {
                    Duration::ZERO
                } else {
                    Duration::from_millis(50)
                };
                match self.commands.recv_timeout(wait) {
                    Ok(command) => Some(command),
                    Err(RecvTimeoutError::Timeout) => {
                        if self.standbys.slice(&mut self.replay, STANDBY_SLICE) {
                            self.replay.drain_into(&mut self.link.queue);
                        }
                        if !self.link.flush() {
                            return;
                        }
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match self.commands.try_recv() {
                    Ok(command) => Some(command),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            };
            if let Some(command) = command {
                if command == Command::Stop {
                    return;
                }
                self.apply(command);
                self.commands_done += 1;
                if self.mode == Mode::Idle {
                    self.note_run_rate();
                    if self.commands.is_empty() {
                        self.publish_idle();
                    }
                } else if matches!(
                    self.mode,
                    Mode::Play {
                        speed: Speed::RealTime(_),
                        ..
                    }
                ) {
                    // Paced by the clock: its rate says nothing of the engine.
                    self.running_since = None;
                } else if self.running_since.is_none() {
                    self.running_since = Some((Instant::now(), self.exchange_events()));
                }
                if !self.link.flush() {
                    return;
                }
                continue;
            }
            self.run_slice();
            if !self.link.flush() {
                return;
            }
        }
    }

    /// Applies one command; long ones set the mode and run in slices.
    fn apply(&mut self, command: Command) {
        if !matches!(command, Command::Step(_)) {
            self.queued_steps.clear();
        }
        if matches!(
            command,
            Command::Load { .. }
                | Command::Open { .. }
                | Command::Follow(_)
                | Command::Configure { .. }
                | Command::SetStrategy(_)
                | Command::ReloadStrategy
        ) {
            // Another run: the standbys replay the old one.
            self.standbys.clear();
        }
        match command {
            Command::Load {
                folder,
                symbol,
                day,
            } => {
                self.mode = Mode::Idle;
                self.replay.load(folder, symbol, day);
            }
            Command::Open {
                folder,
                symbols,
                days,
            } => {
                self.mode = Mode::Idle;
                self.replay.open(folder, &symbols, &days);
            }
            Command::Follow(symbol) => {
                if let Some(events) = self.replay.follow(&symbol) {
                    self.start_rerun();
                    self.mode = Mode::Run {
                        goal: Goal::EventsSeen(events),
                        state: RunState::Seeking,
                    };
                }
            }
            Command::Configure { config } => self.replay.configure(*config),
            Command::SetStrategy(name) => {
                self.mode = Mode::Idle;
                self.replay.set_strategy(name);
            }
            Command::ReloadStrategy => {
                if let Some(events) = self.replay.reload_strategy() {
                    self.start_rerun();
                    self.mode = Mode::Run {
                        goal: Goal::EventsSeen(events),
                        state: RunState::Seeking,
                    };
                }
            }
            Command::Play(speed) => {
                self.replay.set_column_step(column_step_ns(speed));
                if self.can_run() {
                    self.play_time = (Duration::ZERO, Duration::ZERO);
                    self.mode = Mode::Play {
                        speed,
                        anchor: Instant::now(),
                        anchor_ns: self.replay.now_ns(),
                    };
                }
            }
            Command::Pause => self.mode = Mode::Idle,
            Command::Step(target) => {
                if matches!(self.mode, Mode::Run { .. }) {
                    // Steps asked while one runs follow it, in order.
                    self.queued_steps.push_back(target);
                } else if self.can_run() {
                    self.mode = Mode::Run {
                        goal: self.replay.goal_of(target),
                        state: RunState::Stepping,
                    };
                }
            }
            Command::Seek(target) => {
                if let Some(mode) = self.seek_from_standby(target) {
                    self.mode = mode;
                    return;
                }
                self.mode = match self.replay.seek(target) {
                    Some((goal, rerun)) => {
                        if rerun {
                            self.start_rerun();
                        }
                        let state = if rerun {
                            RunState::Seeking
                        } else {
                            RunState::Stepping
                        };
                        Mode::Run { goal, state }
                    }
                    None => Mode::Idle,
                };
            }
            Command::Stop => {}
        }
    }

    /// True when there is a run that can go on; otherwise says why.
    fn can_run(&mut self) -> bool {
        let why = if self.replay.runner().is_none() {
            "no data loaded: open a folder first"
        } else if self.replay.is_failed() {
            "the run stopped on an error: reload the strategy, choose another, or seek back"
        } else if self.replay.is_finished() {
            "the data is over: seek back or load another day"
        } else {
            return true;
        };
        self.replay
            .report(ErrorRecord::msg(ErrorKind::Command, why));
        false
    }

    fn start_rerun(&mut self) {
        self.rerun_started = Some((Instant::now(), self.replay.events_seen()));
    }

    /// Runs the engine for one slice of real time in the current mode.
    fn run_slice(&mut self) {
        let (goal, state) = match self.mode {
            Mode::Idle => return,
            Mode::Run { goal, state } => (goal, state),
            Mode::Play {
                speed: Speed::Max, ..
            } => (Goal::End, RunState::Playing(Speed::Max)),
            Mode::Play {
                speed: Speed::RealTime(multiple),
                anchor,
                anchor_ns,
            } => {
                let elapsed_ns = anchor.elapsed().as_nanos() as f64 * multiple.max(0.0);
                let target_ns = anchor_ns.saturating_add(elapsed_ns.min(i64::MAX as f64) as i64);
                (
                    Goal::UntilNs(target_ns),
                    RunState::Playing(Speed::RealTime(multiple)),
                )
            }
        };
        let started = Instant::now();
        let progress = self.replay.advance(goal, RUN_SLICE);
        let playing = matches!(self.mode, Mode::Play { .. });
        match progress {
            Progress::Budget => {
                if playing {
                    self.play_time.0 += started.elapsed();
                    self.standby_share();
                }
            }
            Progress::Reached if playing => {
                // Ahead of the clock: the standbys take the time the run
                // would wait, or it waits a little, listening for
                // commands.
                if self.standbys.has_work(&self.replay) {
                    self.standbys.slice(&mut self.replay, PLAY_STANDBY_SLICE);
                    match self.commands.try_recv() {
                        Ok(command) => self.pending = Some(command),
                        Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
                    }
                } else {
                    match self.commands.recv_timeout(Duration::from_millis(2)) {
                        Ok(command) => self.pending = Some(command),
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                    }
                }
            }
            Progress::Reached | Progress::Finished | Progress::Stopped => {
                self.mode = Mode::Idle;
                self.finish_rerun();
                if self.queued_steps.is_empty() || progress != Progress::Reached {
                    self.note_run_rate();
                }
                if let Some(target) = self.queued_steps.pop_front() {
                    if progress == Progress::Reached && self.can_run() {
                        self.mode = Mode::Run {
                            goal: self.replay.goal_of(target),
                            state: RunState::Stepping,
                        };
                        self.publish_running(state);
                        return;
                    }
                    self.queued_steps.clear();
                }
                if self.commands.is_empty() {
                    self.publish_idle();
                }
                return;
            }
        }
        self.publish_running(state);
    }

    /// During play behind the clock or as fast as possible: a slice of
    /// standby work when the standbys have had less than
    /// [`PLAY_STANDBY_SHARE`] of the run's time since play started.
    fn standby_share(&mut self) {
        let (run, standbys) = self.play_time;
        if standbys.as_secs_f64() >= run.as_secs_f64() * PLAY_STANDBY_SHARE
            || !self.standbys.has_work(&self.replay)
        {
            return;
        }
        let started = Instant::now();
        // What a standby says reaches the window with the run's next batch.
        self.standbys.slice(&mut self.replay, PLAY_STANDBY_SLICE);
        self.play_time.1 += started.elapsed();
    }

    /// A seek that a re-run from the start (or, forward, the run) would
    /// pass a standby on the way to: the furthest such standby becomes the
    /// run and goes on from where it waits.
    fn seek_from_standby(&mut self, target: crate::session::command::SeekTarget) -> Option<Mode> {
        let (mut standby, mut updates) = self.standbys.take_for(&self.replay, target)?;
        self.standby_used = Some((Instant::now(), standby.events_seen()));
        // The standby's updates since its start (reset, run, rows) are
        // what a re-run from the start would send; a re-run to a time
        // samples the heatmap only for the last ring's width before it.
        if let crate::session::command::SeekTarget::TimeNs(ts_ns) = target {
            let from_ns = standby.heat_from_ns(ts_ns);
            for update in &mut updates {
                if let Update::Batch(batch) = update {
                    batch.columns.retain(|column| column.ts_ns >= from_ns);
                }
            }
        }
        self.link.queue.append(&mut updates);
        // On the way to the target: this only aims the standby.
        let (goal, _) = standby.seek(target)?;
        standby.succeed(&self.replay);
        drop(std::mem::replace(&mut self.replay, standby));
        Some(Mode::Run {
            goal,
            state: RunState::Stepping,
        })
    }

    fn finish_rerun(&mut self) {
        if let Some((started, from_events)) = self.standby_used.take() {
            let ms = started.elapsed().as_secs_f64() * 1e3;
            let events = self.replay.events_seen();
            self.replay.note(format!(
                "re-ran to event {events} in {ms:.1} ms from a standby run waiting at event {from_events}"
            ));
        }
        if let Some((started, from_events)) = self.rerun_started.take() {
            let secs = started.elapsed().as_secs_f64();
            let events = self.replay.events_seen().saturating_sub(from_events);
            let message = format!(
                "re-ran {events} market events from the start in {secs:.2} s ({:.2} M events/s)",
                events as f64 / secs.max(1e-9) / 1e6
            );
            self.replay.note(message);
        }
    }

    /// While running: a frame when the window wants one, statistics now and
    /// then, and the batch of what happened.
    fn publish_running(&mut self, state: RunState) {
        if self.last_frame.elapsed() < MIN_FRAME_INTERVAL || !self.link.take_frame_request() {
            return;
        }
        self.last_frame = Instant::now();
        self.measure_rate();
        // What happened first (a reset, a new run, the rows), then the
        // frame and statistics of where the run stands: a frame of a new
        // run never arrives before the reset that starts it.
        self.replay.drain_into(&mut self.link.queue);
        if let Some(mut frame) = self.replay.frame(state) {
            frame.events_per_sec = self.events_per_sec;
            self.link.queue.push_back(Update::Frame(Box::new(frame)));
        }
        if self.last_stats.elapsed() >= STATS_INTERVAL {
            self.last_stats = Instant::now();
            if let Some(stats) = self.replay.stats() {
                self.link.queue.push_back(Update::Stats(Box::new(stats)));
            }
        }
    }

    /// When the engine stops and waits: everything, then `Idle`.
    fn publish_idle(&mut self) {
        self.measure_rate();
        self.replay.drain_into(&mut self.link.queue);
        if let Some(mut frame) = self.replay.frame(self.replay.resting_state()) {
            frame.events_per_sec = self.events_per_sec;
            self.link.queue.push_back(Update::Frame(Box::new(frame)));
        }
        if let Some(stats) = self.replay.stats() {
            self.link.queue.push_back(Update::Stats(Box::new(stats)));
        }
        self.last_stats = Instant::now();
        self.link.queue.push_back(Update::Idle {
            commands_done: self.commands_done,
        });
    }

    fn exchange_events(&self) -> u64 {
        self.replay.runner().map_or(0, |r| r.exchange_events())
    }

    /// Says how fast the engine went, after runs long enough to matter.
    fn note_run_rate(&mut self) {
        let Some((started, from_events)) = self.running_since.take() else {
            return;
        };
        let secs = started.elapsed().as_secs_f64();
        let events = self.exchange_events().saturating_sub(from_events);
        if secs >= 0.5 && events > 0 {
            self.replay.note(format!(
                "ran {events} market events in {secs:.2} s ({:.2} M events/s)",
                events as f64 / secs / 1e6
            ));
        }
    }

    fn measure_rate(&mut self) {
        let events = self.replay.runner().map_or(0, |r| r.exchange_events());
        let (mark_events, mark_at) = self.rate_mark;
        let secs = mark_at.elapsed().as_secs_f64();
        if secs >= 0.25 {
            self.events_per_sec = events.saturating_sub(mark_events) as f64 / secs;
            self.rate_mark = (events, Instant::now());
        }
    }
}
