"""Lead-lag taker: trades one instrument on the other's move.

When the leader's mid moves by `move_bp` basis points or more within
`window_secs`, the follower usually catches up a moment later: it buys
(after a rise) or sells (after a fall) `qty` of the follower at market,
with `symbol=`, and closes that position `hold_secs` later with a timer.
One position at a time.

Shows: a run over several instruments (every callback says its instrument
in ev.symbol and ctx.symbol), ctx.book_of and ctx.position_of for the
other instrument, orders sent to another instrument with symbol=, and the
one account's equity (ctx.account_equity).

    ticklab run --data mydata --symbol BTC-PERP,ETH-PERP --day all \\
        --strategy strategies/lead_lag.py --out out/lead_lag

(`[params]` leader and follower name the two symbols.)
"""

from collections import deque

from ticklab import NS_PER_SECOND, Strategy


class LeadLag(Strategy):
    def __init__(self, leader="BTC-PERP", follower="ETH-PERP", move_bp=5.0, window_secs=1.0,
                 qty=1.0, hold_secs=5.0):
        self.leader = leader
        self.follower = follower
        self.move_bp = move_bp
        self.window_ns = int(window_secs * NS_PER_SECOND)
        self.qty = qty
        self.hold_secs = hold_secs
        self.mids = deque()  # (local time, leader mid) over the window
        self.exit_timer = None

    def on_start(self, ctx):
        for symbol in (self.leader, self.follower):
            if symbol not in ctx.symbols:
                raise ValueError(f"{symbol} is not in this run ({', '.join(ctx.symbols)}): "
                                 "set [params] leader and follower")

    def on_market(self, ctx, ev):
        if ev.symbol != self.leader or not ev.is_last_in_batch:
            return
        mid = ctx.book.mid
        if mid is None:
            return
        now = ctx.now
        self.mids.append((now, mid))
        while self.mids and self.mids[0][0] < now - self.window_ns:
            self.mids.popleft()
        first = self.mids[0][1]
        move_bp = (mid - first) / first * 1e4
        if self.exit_timer is not None or ctx.position_of(self.follower) != 0:
            return
        if move_bp >= self.move_bp:
            ctx.buy(self.qty, symbol=self.follower)
        elif move_bp <= -self.move_bp:
            ctx.sell(self.qty, symbol=self.follower)
        else:
            return
        ctx.log(f"{self.leader} moved {move_bp:+.1f} bp; {self.follower} at",
                ctx.book_of(self.follower).mid, "equity", ctx.account_equity)
        self.exit_timer = ctx.set_timer(after=self.hold_secs)

    def on_timer(self, ctx, ts):
        self.exit_timer = None
        position = ctx.position_of(self.follower)
        if position > 0:
            ctx.sell(position, symbol=self.follower)
        elif position < 0:
            ctx.buy(-position, symbol=self.follower)
