"""Queue-aware market maker.

Quotes one post-only order on each side at the touch and cares where it
stands in the queue: a quote that joins a level with more than `max_ahead`
in front of it is pulled (it would fill only when the level is about to be
wiped out, i.e. just before the price moves against it) and that level is
skipped until the touch moves; a quote is also pulled when the book
imbalance at the touch turns against it, and the side that would grow the
position past `max_position` is not quoted.

Shows: on_bbo (called only when the touch changes), ctx.book's touch,
open orders with their queue position (ahead_qty, level_qty), post-only
quotes, modify to follow the touch, cancel, on_order, parameters from the
run's [params] table, and logging.

    ticklab run --data sample-data --symbol BTC-PERP \
        --strategy strategies/queue_mm.py --out out/queue_mm
"""

import logging

from ticklab import Side, Strategy, UpdateKind

log = logging.getLogger("queue_mm")


class QueueMarketMaker(Strategy):
    def __init__(self, qty=0.005, max_position=0.05, max_ahead=0.5, pull_imbalance=0.6):
        self.qty = qty  # size of each quote
        self.max_position = max_position  # largest absolute position
        self.max_ahead = max_ahead  # most volume we accept in front of a quote
        self.pull_imbalance = pull_imbalance  # |imbalance| at which the weak side is pulled
        self.quotes = {Side.BUY: None, Side.SELL: None}  # order id per side
        self.skip = {Side.BUY: None, Side.SELL: None}  # price level not to rejoin
        self.fills = 0
        self.pulled_queue = 0
        self.pulled_imbalance = 0

    def on_bbo(self, ctx, ev):
        book = ctx.book
        if book.best_bid is None or book.best_ask is None or book.spread <= 0:
            return
        total = book.best_bid_qty + book.best_ask_qty
        # +1: all size on the bid (buyers lean in), -1: all on the ask.
        imbalance = (book.best_bid_qty - book.best_ask_qty) / total if total else 0.0
        position = ctx.position
        self.quote(ctx, Side.BUY, book.best_bid,
                   imbalance > -self.pull_imbalance,
                   position + self.qty <= self.max_position + 1e-12)
        self.quote(ctx, Side.SELL, book.best_ask,
                   imbalance < self.pull_imbalance,
                   position - self.qty >= -self.max_position - 1e-12)

    def quote(self, ctx, side, price, book_agrees, room):
        order = ctx.order(self.quotes[side]) if self.quotes[side] is not None else None
        if order is None:
            self.quotes[side] = None
        elif order.cancel_pending or order.modify_pending:
            return  # wait for the exchange to answer first

        if self.skip[side] is not None and self.skip[side] != price:
            self.skip[side] = None  # the touch moved: a new queue to join

        if order is not None:
            if not book_agrees:
                self.pulled_imbalance += 1
                ctx.cancel(order.id)
            elif not room:
                ctx.cancel(order.id)
            elif order.price != price:
                ctx.modify(order.id, price=price)  # to the back of the new level
            elif order.ahead_qty is not None and order.ahead_qty > self.max_ahead:
                self.pulled_queue += 1
                self.skip[side] = price
                ctx.cancel(order.id)
            return

        if book_agrees and room and self.skip[side] != price:
            send = ctx.buy if side == Side.BUY else ctx.sell
            self.quotes[side] = send(self.qty, price, post_only=True)

    def on_order(self, ctx, update):
        if update.kind == UpdateKind.FILL:
            self.fills += 1
        if update.is_final and self.quotes.get(update.side) == update.order_id:
            self.quotes[update.side] = None

    def on_finish(self, ctx):
        log.info(
            "fills %d, pulled %d for the queue and %d for imbalance; position %s, pnl %.2f (fees %.2f)",
            self.fills, self.pulled_queue, self.pulled_imbalance,
            ctx.position, ctx.pnl, ctx.fees,
        )
