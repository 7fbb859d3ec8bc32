//! Native twin == constraints, soundness against false claims, pinned shapes, Groth16 round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_ff::Field;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use circuits::station::native_statement_holds;
use circuits::{keys, station_binding, Fr, LogWitness, PublicInputs, Salt, Shape, StationCircuit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Close of poll in these tests: 18:00.
const CLOSE: u32 = 18 * 3600;

fn random_log(rng: &mut ChaCha20Rng, shape: &Shape, n: usize, k: usize) -> LogWitness {
    let mut t = 7 * 3600;
    let choices = (0..n).map(|_| rng.gen_range(0..k) as u16).collect();
    let times = (0..n)
        .map(|_| {
            t += rng.gen_range(1..60);
            t
        })
        .collect();
    let _ = shape;
    LogWitness {
        choices,
        times,
        salt: Salt::random(rng),
    }
}

fn satisfied(circuit: StationCircuit) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    match circuit.generate_constraints(cs.clone()) {
        Ok(()) => cs.is_satisfied().unwrap_or(false),
        Err(_) => false,
    }
}

#[test]
fn native_twin_agrees_with_constraints_on_random_logs() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let shape = Shape::new(64, 4).expect("shape");
    for n in [0usize, 1, 17, 63, 64] {
        let w = random_log(&mut rng, &shape, n, 4);
        let b = station_binding("E", &format!("S{n}"), "C");
        let (circuit, public) = StationCircuit::new(shape, b, CLOSE, w.clone()).expect("fits");
        assert!(native_statement_holds(&shape, &public, &w));
        assert!(
            satisfied(circuit),
            "honest log of {n} votes must satisfy the circuit"
        );
    }
}

#[test]
fn false_claims_are_unsatisfiable() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let shape = Shape::new(64, 4).expect("shape");
    let w = random_log(&mut rng, &shape, 40, 3);
    let b = station_binding("E", "S", "C");
    let (_, honest) = StationCircuit::new(shape, b, CLOSE, w.clone()).expect("fits");

    // Move one vote from the first non-empty slot to another: same total, wrong histogram.
    let mut moved = honest.clone();
    let from = moved.counts.iter().position(|&c| c > 0).expect("a vote");
    moved.counts[from] -= 1;
    moved.counts[(from + 1) % 4] += 1;
    // Claim one vote more in total.
    let mut inflated = honest.clone();
    inflated.counts[0] += 1;
    inflated.total += 1;
    // Claim a vote in the unused slot 3 (no candidate there).
    let mut unused = honest.clone();
    unused.counts[0] = unused.counts[0].saturating_sub(1);
    unused.counts[3] += 1;
    // Total that disagrees with the counts.
    let mut total_off = honest.clone();
    total_off.total += 1;
    // Another station's binding; another commitment.
    let mut rebound = honest.clone();
    rebound.binding = station_binding("E", "S-other", "C");
    let mut recommitted = honest.clone();
    recommitted.commitment += Fr::from(1u64);

    for (name, claim) in [
        ("moved", moved),
        ("inflated", inflated),
        ("unused slot", unused),
        ("total", total_off),
        ("binding", rebound),
        ("commitment", recommitted),
    ] {
        assert!(
            !native_statement_holds(&shape, &claim, &w),
            "native accepts {name}"
        );
        let c = StationCircuit::with_claim(shape, claim, w.clone());
        assert!(!satisfied(c), "circuit accepts a false claim: {name}");
    }
    assert!(satisfied(StationCircuit::with_claim(shape, honest, w)));
}

#[test]
fn every_single_vote_changes_the_statement() {
    // Exhaustive over a tiny domain: every log of length 3 over 2 choices.
    let shape = Shape::new(8, 2).expect("shape");
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    for mask in 0u16..8 {
        let choices: Vec<u16> = (0..3).map(|i| (mask >> i) & 1).collect();
        let w = LogWitness {
            choices,
            times: vec![100, 200, 300],
            salt: Salt::random(&mut rng),
        };
        let b = station_binding("E", "S", "C");
        let (circuit, public) = StationCircuit::new(shape, b, CLOSE, w.clone()).expect("fits");
        let ones = u64::from(mask.count_ones());
        assert_eq!(public.counts, vec![3 - ones, ones]);
        assert!(satisfied(circuit));
        let mut wrong = public.clone();
        wrong.counts.swap(0, 1);
        if ones * 2 != 3 {
            assert!(!satisfied(StationCircuit::with_claim(shape, wrong, w)));
        }
    }
}

/// Issue: a dishonest prover holding a log with a vote after close of poll. No commitment of the
/// shape can hold it (offsets are 17 booleans each), so whatever it commits to and claims, the
/// circuit is unsatisfied or the proof fails against the close the PO signed.
#[test]
fn a_vote_after_close_cannot_be_proved() {
    use circuits::commitment::{pack_choices, pack_offsets, OFFSET_BITS, TAG_LOG};
    use circuits::poseidon::{domain_tag, hash};
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let shape = Shape::new(64, 4).expect("shape");
    let mut late = random_log(&mut rng, &shape, 20, 4);
    let last = late.times.len() - 1;
    late.times[last] = CLOSE + 60;
    let b = station_binding("E", "S", "C");

    // The honest path refuses the log outright.
    assert!(StationCircuit::new(shape, b, CLOSE, late.clone()).is_err());

    // The commitment a cheat would want: the late vote's offset is -60, i.e. r - 60 in the field.
    let mut on_time = late.clone();
    on_time.times[last] = CLOSE;
    let mut offsets = pack_offsets(&shape, CLOSE, &on_time.times);
    let slot = last % circuits::commitment::OFFSETS_PER_ELEMENT;
    offsets[last / circuits::commitment::OFFSETS_PER_ELEMENT] -=
        Fr::from(60u64) * Fr::from(2u64).pow([(slot * OFFSET_BITS) as u64]);
    let mut inputs = vec![
        domain_tag(TAG_LOG),
        b,
        late.salt.to_fr(),
        Fr::from(late.choices.len() as u64),
        Fr::from(CLOSE),
    ];
    inputs.extend(pack_choices(&shape, &late.choices));
    inputs.extend(offsets);
    let cheat = PublicInputs {
        binding: b,
        commitment: hash(&inputs),
        counts: late.vartime_counts(&shape),
        total: late.choices.len() as u64,
        closed_at: CLOSE,
    };
    assert!(!native_statement_holds(&shape, &cheat, &late));
    // Neither the late log nor the nearest log it can express (the vote at close) satisfies it.
    assert!(!satisfied(StationCircuit::with_claim(
        shape,
        cheat.clone(),
        late.clone()
    )));
    assert!(!satisfied(StationCircuit::with_claim(
        shape,
        cheat,
        on_time.clone()
    )));

    // Committed and proved under a later close (which the log fits), then checked against the
    // close the PO signed: unsatisfied, and the Groth16 proof fails.
    let (circuit, later) = StationCircuit::new(shape, b, CLOSE + 60, late.clone()).expect("fits");
    let mut signed_close = later.clone();
    signed_close.closed_at = CLOSE;
    assert!(!satisfied(StationCircuit::with_claim(
        shape,
        signed_close.clone(),
        late
    )));
    let pk = keys::setup(shape, &mut rng).expect("setup");
    let pvk = keys::vk_from_bytes(shape, &keys::vk_to_bytes(pk.verifying_key()).expect("vk"))
        .expect("prepared");
    let proof = pk.prove(circuit, &mut rng).expect("prove");
    pvk.verify(&later, &proof)
        .expect("valid for the close it was made for");
    assert!(pvk.verify(&signed_close, &proof).is_err());

    // Boundaries the honest path accepts: a vote at close, and one 2^17 - 1 s before it (a
    // close at 2^17 s, early on the day after the poll).
    let (circuit, _) = StationCircuit::new(shape, b, CLOSE, on_time.clone()).expect("fits");
    assert!(satisfied(circuit));
    let mut edge = on_time;
    edge.times[0] = 1;
    let (circuit, _) = StationCircuit::new(shape, b, 1 << OFFSET_BITS, edge).expect("fits");
    assert!(satisfied(circuit));
}

#[test]
fn groth16_round_trip_and_input_count_check() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let shape = Shape::new(64, 4).expect("shape");
    let pk = keys::setup(shape, &mut rng).expect("setup");
    let vk_bytes = keys::vk_to_bytes(pk.verifying_key()).expect("vk");
    let pvk = keys::vk_from_bytes(shape, &vk_bytes).expect("prepared");
    let w = random_log(&mut rng, &shape, 30, 4);
    let b = station_binding("E", "S1", "C");
    let (circuit, public) = StationCircuit::new(shape, b, CLOSE, w).expect("fits");
    let proof = pk.prove(circuit, &mut rng).expect("prove");
    let hexed = keys::proof_to_hex(&proof).expect("hex");
    assert_eq!(hexed.len(), 2 * keys::PROOF_BYTES);
    let proof = keys::proof_from_hex(&hexed).expect("decode");
    pvk.verify(&public, &proof).expect("honest proof verifies");

    // Replayed at another station.
    let mut other = public.clone();
    other.binding = station_binding("E", "S2", "C");
    assert!(pvk.verify(&other, &proof).is_err());
    // A count changed.
    let mut changed = public.clone();
    changed.counts[1] += 1;
    changed.counts[2] = changed.counts[2].saturating_sub(1);
    assert!(pvk.verify(&changed, &proof).is_err());
    // An extra public input is refused before pairing.
    let mut extra = public.clone();
    extra.counts.push(0);
    assert!(matches!(
        pvk.verify(&extra, &proof),
        Err(circuits::CircuitError::PublicInputCount { .. })
    ));
    // Wrong shape for the key bytes.
    assert!(keys::vk_from_bytes(Shape::new(64, 8).expect("s"), &vk_bytes).is_err());
    // A proof that is not canonical hex.
    assert!(keys::proof_from_hex(&"00".repeat(keys::PROOF_BYTES)).is_err());
}

#[test]
fn batch_verification_names_every_bad_proof() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let shape = Shape::new(64, 4).expect("shape");
    let pk = keys::setup(shape, &mut rng).expect("setup");
    let pvk = keys::vk_from_bytes(shape, &keys::vk_to_bytes(pk.verifying_key()).expect("vk"))
        .expect("prepared");
    let digest = hex::decode(keys::vk_digest(pk.verifying_key()).expect("digest")).expect("hex");
    let mut items = Vec::new();
    for i in 0..7 {
        let w = random_log(&mut rng, &shape, 10 + i, 4);
        let (circuit, public) =
            StationCircuit::new(shape, station_binding("E", &format!("S{i}"), "C"), CLOSE, w)
                .expect("fits");
        items.push((public, pk.prove(circuit, &mut rng).expect("prove")));
    }
    let entropy = [7u8; 32];
    assert!(pvk.verify_batch(&digest, &items, &entropy).is_empty());
    assert!(pvk.verify_batch(&digest, &items[..1], &entropy).is_empty());
    assert!(pvk
        .verify_batch::<circuits::PublicInputs>(&digest, &[], &entropy)
        .is_empty());

    // Proofs 1 and 2 swapped, a count changed at 5, an extra public input at 6.
    let mut bad = items.clone();
    let p1 = bad[1].1.clone();
    bad[1].1 = bad[2].1.clone();
    bad[2].1 = p1;
    bad[5].0.counts[0] += 1;
    bad[5].0.counts[1] = bad[5].0.counts[1].saturating_sub(1);
    bad[6].0.counts.push(0);
    assert_eq!(pvk.verify_batch(&digest, &bad, &entropy), vec![1, 2, 5, 6]);
    // Whatever the entropy.
    assert_eq!(
        pvk.verify_batch(&digest, &bad, &[0u8; 32]),
        vec![1, 2, 5, 6]
    );
    // A lone bad proof among good ones.
    let mut one = items.clone();
    one[3].0.binding = station_binding("E", "elsewhere", "C");
    assert_eq!(pvk.verify_batch(&digest, &one, &entropy), vec![3]);
}
