//! The system clock, read only at the edges of the program: the pure core takes the time as an
//! argument.

use crate::model::time::Timestamp;

/// The current time, to the second.
pub fn now() -> Timestamp {
    // The clock is past the epoch and before year 9999 on any machine convoy runs on; should it
    // not be, the epoch is a safe answer (every gate compares times, none trusts them blindly).
    Timestamp::from_unix_seconds(jiff::Timestamp::now().as_second()).unwrap_or_else(|_| {
        Timestamp::from_unix_seconds(0)
            .unwrap_or_else(|_| unreachable!("the epoch is a valid time"))
    })
}
