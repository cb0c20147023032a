"""Lead-lag taker: trades one instrument on the other's move.

When the leader's mid has moved by `move_bp` basis points or more over the
last `window_secs`, the follower usually catches up a moment later: it buys
(after a rise) or sells (after a fall) `qty` of the follower at market, with
`symbol=`, and closes that position once `hold_secs` have passed since its
last fill. One position at a time.

It decides where a rule file decides, so that
strategies/lead_lag.rules.toml, the same strategy as rules, gives the same
fills: at the end of each of the leader's exchange messages that changed its
best bid or ask (price or size), that ended with a trade, or that came after
an answer about one of our orders, and when the leader's market state
changes. The move is measured in ticks against the mid that held
`window_secs` ago (the earliest one seen before the run has lasted that
long), as the rule indicator `change_bp` measures it.

Shows: a run over several instruments (every callback says its instrument
in ev.symbol and ctx.symbol), ctx.book_of and ctx.position_of for the
other instrument, orders sent to another instrument with symbol=, and the
one account's equity (ctx.account_equity).

    ticklab run --data sample-data --symbol BTC-PERP,ETH-PERP --day all \\
        --strategy strategies/lead_lag.py --out out/lead_lag

(`[params]` leader and follower name the two symbols.)
"""

from collections import deque

from ticklab import EventKind, NS_PER_SECOND, Strategy


class LeadLag(Strategy):
    def __init__(self, leader="BTC-PERP", follower="ETH-PERP", move_bp=0.1, window_secs=1.0,
                 qty=0.1, hold_secs=5.0):
        self.leader = leader
        self.follower = follower
        self.move_bp = move_bp
        self.window_ns = int(window_secs * NS_PER_SECOND)
        self.qty = qty
        self.hold_secs = hold_secs
        self.mids = deque()  # (local time, leader mid in ticks) from the window's start on
        self.touch = (None, 0.0, None, 0.0)  # the leader's touch at the last decision
        self.answered = True  # an order answer came since the last decision
        self.working = set()  # ids of our follower orders not yet final
        self.last_fill = None  # local time of the follower's last fill

    def on_start(self, ctx):
        for symbol in (self.leader, self.follower):
            if symbol not in ctx.symbols:
                raise ValueError(f"{symbol} is not in this run ({', '.join(ctx.symbols)}): "
                                 "set [params] leader and follower")

    def on_market(self, ctx, ev):
        if ev.symbol == self.leader and ev.is_last_in_batch:
            self.decide(ctx, forced=ev.kind == EventKind.TRADE)

    def on_status(self, ctx, ev):
        if ev.symbol == self.leader:
            self.decide(ctx, forced=True)

    def on_order(self, ctx, update):
        self.answered = True
        if update.symbol != self.follower:
            return
        if update.is_fill:
            self.last_fill = update.local_ts
        if update.is_final:
            self.working.discard(update.order_id)

    def move_bp_now(self, ctx, changed):
        """The leader's move over the window, bp; None when not known."""
        book = ctx.book
        mid = None
        if book.best_bid is not None and book.best_ask is not None:
            tick = ctx.tick_size
            mid = (round(book.best_bid / tick) + round(book.best_ask / tick)) / 2
        if changed and mid is not None and (not self.mids or self.mids[-1][1] != mid):
            self.mids.append((ctx.now, mid))
        start = ctx.now - self.window_ns
        while len(self.mids) >= 2 and self.mids[1][0] <= start:
            self.mids.popleft()
        if mid is None or not self.mids:
            return None
        then = self.mids[0][1]
        return (mid - then) / then * 1e4

    def decide(self, ctx, forced):
        book = ctx.book
        touch = (book.best_bid, book.best_bid_qty, book.best_ask, book.best_ask_qty)
        changed = touch != self.touch
        if not (changed or self.answered or forced):
            return
        self.touch = touch
        self.answered = False
        move = self.move_bp_now(ctx, changed)
        position = ctx.position_of(self.follower)
        flat = position == 0 and not self.working
        held = self.last_fill is None or (ctx.now - self.last_fill) * 1e-9 >= self.hold_secs
        if move is not None and flat and move >= self.move_bp:
            self.enter(ctx, move, ctx.buy(self.qty, symbol=self.follower))
        if move is not None and flat and move <= -self.move_bp:
            self.enter(ctx, move, ctx.sell(self.qty, symbol=self.follower))
        if position != 0 and held and not self.working:
            close = ctx.sell if position > 0 else ctx.buy
            self.working.add(close(abs(position), symbol=self.follower))

    def enter(self, ctx, move, order_id):
        self.working.add(order_id)
        ctx.log(f"{self.leader} moved {move:+.1f} bp; {self.follower} at",
                ctx.book_of(self.follower).mid, "equity", ctx.account_equity)
