"""Channel breakout with a protective trailing stop.

Samples the mid price every `sample_secs` and keeps the highest and lowest
of the last `lookback` samples (a Donchian channel). When the mid breaks
out of the channel it enters in the direction of the break with a market
order, and protects the position with a stop-market order `stop_ticks`
away; as the price runs in its favour the stop is moved up (or down) to
trail it. The exit is always the stop: the strategy never decides to close
by itself.

Shows: timers as a clock (set_timer(after=...) re-armed in on_timer), a
rolling window with collections.deque, stop orders (stop= with no price:
stop-market), replacing a stop (cancel, then a new one once the cancel is
confirmed), on_order for fills and stop triggers, and ctx.round_price.

    ticklab run --data sample-data --symbol BTC-PERP \
        --strategy strategies/breakout_stop.py --out out/breakout_stop
"""

from collections import deque

from ticklab import Strategy, UpdateKind


class BreakoutStop(Strategy):
    def __init__(self, qty=0.01, sample_secs=10.0, lookback=60, stop_ticks=150, trail_ticks=150):
        self.qty = qty
        self.sample_secs = sample_secs  # how often the mid is sampled
        self.mids = deque(maxlen=lookback)  # the channel's window
        self.stop_ticks = stop_ticks  # initial stop distance
        self.trail_ticks = trail_ticks  # distance the stop trails the mid
        self.entry = None  # id of the entry order in flight
        self.stop = None  # id of the working stop
        self.stop_price = None
        self.replacing = False  # a stop is being canceled to be moved
        self.trades = 0
        self.stopped_out = 0

    def on_start(self, ctx):
        ctx.set_timer(after=self.sample_secs)

    def on_timer(self, ctx, ts):
        ctx.set_timer(after=self.sample_secs)
        mid = ctx.book.mid
        if mid is None:
            return
        full = len(self.mids) == self.mids.maxlen
        high, low = (max(self.mids), min(self.mids)) if self.mids else (mid, mid)
        self.mids.append(mid)
        position = ctx.position
        if position == 0 and self.entry is None and self.stop is None and full:
            if mid > high:
                self.entry = ctx.buy(self.qty)
            elif mid < low:
                self.entry = ctx.sell(self.qty)
        elif position != 0 and self.stop is not None and not self.replacing:
            self.trail(ctx, mid, position)

    def trail(self, ctx, mid, position):
        tick = ctx.tick_size
        if position > 0:
            wanted = ctx.round_price(mid - self.trail_ticks * tick)
            better = wanted > self.stop_price
        else:
            wanted = ctx.round_price(mid + self.trail_ticks * tick)
            better = wanted < self.stop_price
        if better:
            # Stops cannot be modified: cancel, place the new one when the
            # cancel is confirmed (on_order).
            self.replacing = True
            self.stop_price = wanted
            ctx.cancel(self.stop)

    def place_stop(self, ctx):
        position = ctx.position
        if position > 0:
            self.stop = ctx.sell(position, stop=self.stop_price)
        elif position < 0:
            self.stop = ctx.buy(-position, stop=self.stop_price)
        else:
            self.stop = None

    def on_order(self, ctx, update):
        tick = ctx.tick_size
        if update.order_id == self.entry and update.is_final:
            self.entry = None
            if ctx.position != 0:
                self.trades += 1
                price = update.avg_fill_price
                sign = 1 if ctx.position > 0 else -1
                self.stop_price = ctx.round_price(price - sign * self.stop_ticks * tick)
                self.place_stop(ctx)
                ctx.log(f"entered {ctx.position:+} at {price}, stop {self.stop_price}")
        elif update.order_id == self.stop:
            if update.kind == UpdateKind.TRIGGERED:
                self.stopped_out += 1
            if update.kind == UpdateKind.CANCELED and self.replacing:
                self.replacing = False
                self.place_stop(ctx)
            elif update.is_final:
                self.stop = None
                self.replacing = False
                if update.is_fill:
                    ctx.log(f"stopped out at {update.avg_fill_price}, pnl {ctx.pnl:.2f}")

    def on_finish(self, ctx):
        ctx.log(f"{self.trades} trades, {self.stopped_out} stopped out; "
                f"position {ctx.position}, pnl {ctx.pnl:.2f}, fees {ctx.fees:.2f}")
