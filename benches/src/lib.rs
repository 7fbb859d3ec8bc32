//! Criterion benches live in `benches/`; `run.sh` is the bench script. What the benches and the
//! breakdown example share: the simulated station log they prove.

use circuits::{LogWitness, Salt};
use rand::Rng;
use rand_chacha::ChaCha20Rng;

/// Close of poll: 23:00, after the last of 1,500 votes at most 30 s apart from 07:00.
pub const CLOSE: u32 = 23 * 3600;

/// `n` votes for choices below `k`, from 07:00 on, 1 to 29 s apart.
pub fn log(rng: &mut ChaCha20Rng, n: usize, k: usize) -> LogWitness {
    let mut t = 7 * 3600;
    LogWitness {
        choices: (0..n).map(|_| rng.gen_range(0..k) as u16).collect(),
        times: (0..n)
            .map(|_| {
                t += rng.gen_range(1..30);
                t
            })
            .collect(),
        salt: Salt::random(rng),
    }
}
