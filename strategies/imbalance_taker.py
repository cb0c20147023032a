"""Order-book imbalance taker.

When the size resting in the top `levels` levels leans heavily to one side
(more bids than asks: buyers are queuing, the price tends to tick up), it
crosses the spread with a market order in that direction, then gets out
when the imbalance fades or flips, or after `hold_secs` at the latest,
whichever comes first. A cooldown keeps it from trading every tick.
Crossing the spread pays the taker fee both ways, so only a strongly
one-sided book is worth it: on the synthetic sample day the signal about
pays for the spread, not for the fees.

Shows: reading depth with ctx.book.levels(n), market orders (no price),
taking liquidity and paying the taker fee, timers (set_timer(after=...))
for a time exit, ctx.position and ctx.pnl, and ev.copy() for keeping an
event.

    ticklab run --data sample-data --symbol BTC-PERP \
        --strategy strategies/imbalance_taker.py --out out/imbalance_taker
"""

from ticklab import NS_PER_SECOND, Strategy


class ImbalanceTaker(Strategy):
    def __init__(self, qty=0.01, levels=5, enter=0.9, exit=0.0, hold_secs=30.0, cooldown_secs=10.0,
                 max_spread_ticks=2):
        self.qty = qty
        self.levels = levels  # levels per side summed into the imbalance
        self.enter = enter  # |imbalance| that opens a position
        self.exit = exit  # imbalance (in our direction) below which we close
        self.hold_secs = hold_secs  # longest time in a position
        self.cooldown_ns = int(cooldown_secs * NS_PER_SECOND)
        self.max_spread_ticks = max_spread_ticks  # do not cross a wide spread
        self.next_entry_ns = 0
        self.pending = None  # id of our order in flight
        self.entries = 0
        self.last_entry = None

    def imbalance(self, ctx):
        bids, asks = ctx.book.levels(self.levels)
        bid_qty = sum(q for _, q in bids)
        ask_qty = sum(q for _, q in asks)
        total = bid_qty + ask_qty
        return (bid_qty - ask_qty) / total if total else 0.0

    def on_bbo(self, ctx, ev):
        if self.pending is not None and ctx.order(self.pending) is not None:
            return  # wait for the market order's answer
        self.pending = None
        book = ctx.book
        if book.spread is None or book.spread > self.max_spread_ticks * ctx.tick_size + 1e-9:
            return
        signal = self.imbalance(ctx)
        position = ctx.position
        if position == 0:
            if ctx.now < self.next_entry_ns or abs(signal) < self.enter:
                return
            self.pending = ctx.buy(self.qty) if signal > 0 else ctx.sell(self.qty)
            self.entries += 1
            self.last_entry = ev.copy()
            self.next_entry_ns = ctx.now + self.cooldown_ns
            ctx.set_timer(after=self.hold_secs)
        elif (position > 0 and signal < self.exit) or (position < 0 and signal > -self.exit):
            self.flatten(ctx)

    def on_timer(self, ctx, ts):
        if ctx.position != 0 and self.pending is None:
            self.flatten(ctx)

    def flatten(self, ctx):
        position = ctx.position
        if position > 0:
            self.pending = ctx.sell(position)
        elif position < 0:
            self.pending = ctx.buy(-position)

    def on_order(self, ctx, update):
        if update.is_final and update.order_id == self.pending:
            self.pending = None

    def on_finish(self, ctx):
        ctx.log(f"{self.entries} entries; position {ctx.position}, pnl {ctx.pnl:.2f}, fees {ctx.fees:.2f}")
