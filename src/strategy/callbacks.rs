//! Which callbacks a strategy defines, so the runner does no work for the
//! others: no context, no call, no clock read.

/// One kind of strategy callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Callback {
    /// `on_start`.
    Start,
    /// `on_market`.
    Market,
    /// `on_order`.
    Order,
    /// `on_timer`.
    Timer,
    /// `on_finish`.
    Finish,
    /// `on_status`.
    Status,
    /// `on_day_start`.
    DayStart,
    /// `on_day_end`.
    DayEnd,
}

impl Callback {
    /// Every kind, in the order a run reports them.
    pub const ALL: [Callback; 8] = [
        Callback::Start,
        Callback::Market,
        Callback::Order,
        Callback::Timer,
        Callback::Finish,
        Callback::Status,
        Callback::DayStart,
        Callback::DayEnd,
    ];

    /// The method's name, e.g. `on_market`.
    pub fn name(self) -> &'static str {
        match self {
            Callback::Start => "on_start",
            Callback::Market => "on_market",
            Callback::Order => "on_order",
            Callback::Timer => "on_timer",
            Callback::Finish => "on_finish",
            Callback::Status => "on_status",
            Callback::DayStart => "on_day_start",
            Callback::DayEnd => "on_day_end",
        }
    }

    /// Position in [`Callback::ALL`].
    #[inline]
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    #[inline]
    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of callback kinds: those a strategy defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallbackSet(u8);

impl CallbackSet {
    /// No callback at all (the strategy only watches).
    pub const NONE: CallbackSet = CallbackSet(0);
    /// Every callback: what a strategy that does not say is given.
    pub const ALL: CallbackSet = CallbackSet(0b1111_1111);

    /// This set with `callback` added.
    #[must_use]
    pub const fn with(self, callback: Callback) -> Self {
        CallbackSet(self.0 | callback.bit())
    }

    /// This set with `callback` added when `defined` is true.
    #[must_use]
    pub const fn with_if(self, callback: Callback, defined: bool) -> Self {
        if defined {
            self.with(callback)
        } else {
            self
        }
    }

    /// True when `callback` is in the set.
    #[inline]
    pub const fn contains(self, callback: Callback) -> bool {
        self.0 & callback.bit() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_what_is_added() {
        let set = CallbackSet::NONE
            .with(Callback::Market)
            .with_if(Callback::Order, false)
            .with_if(Callback::Finish, true);
        let held: Vec<_> = Callback::ALL
            .into_iter()
            .filter(|&c| set.contains(c))
            .map(Callback::name)
            .collect();
        assert_eq!(held, ["on_market", "on_finish"]);
        assert!(Callback::ALL.iter().all(|&c| CallbackSet::ALL.contains(c)));
        assert!(!Callback::ALL.iter().any(|&c| CallbackSet::NONE.contains(c)));
        let indices: Vec<_> = Callback::ALL.iter().map(|c| c.index()).collect();
        assert_eq!(indices, [0, 1, 2, 3, 4, 5, 6, 7]);
    }
}
