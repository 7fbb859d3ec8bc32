//! Totaliser groups (protocol.md §7): the committed station circuit and the group circuit agree
//! with their native twins, refuse every false claim at constraint level, and prove and verify
//! with Groth16 in the public-input order of the spec.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_bls12_381::Bls12_381;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_snark::SNARK;
use circuits::totaliser::{
    count_commitment, group_binding, native_committed_holds, native_group_holds,
    CommittedPublicInputs, CommittedStationCircuit, CountOpening, GroupCircuit, GroupPublicInputs,
};
use circuits::{station_binding, Fr, LogWitness, Salt, Shape};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

const CLOSE: u32 = 18 * 3600;

fn random_log(rng: &mut ChaCha20Rng, n: usize, k: usize) -> LogWitness {
    let mut t = 7 * 3600;
    LogWitness {
        choices: (0..n).map(|_| rng.gen_range(0..k) as u16).collect(),
        times: (0..n)
            .map(|_| {
                t += rng.gen_range(1..60);
                t
            })
            .collect(),
        salt: Salt::random(rng),
    }
}

fn satisfied(circuit: impl ConstraintSynthesizer<Fr>) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    match circuit.generate_constraints(cs.clone()) {
        Ok(()) => cs.is_satisfied().unwrap_or(false),
        Err(_) => false,
    }
}

fn committed_station(
    rng: &mut ChaCha20Rng,
    shape: Shape,
    station: &str,
    n: usize,
) -> (
    CommittedStationCircuit,
    CommittedPublicInputs,
    LogWitness,
    CountOpening,
) {
    let w = random_log(rng, n, 3);
    let b = station_binding("E", station, "C");
    let (c, p, o) =
        CommittedStationCircuit::new(shape, b, CLOSE, w.clone(), Salt::random(rng)).expect("fits");
    (c, p, w, o)
}

#[test]
fn committed_station_holds_for_honest_logs_and_refuses_false_openings() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let shape = Shape::new(64, 4).expect("shape");
    for n in [0usize, 1, 40, 64] {
        let (c, p, w, o) = committed_station(&mut rng, shape, &format!("S{n}"), n);
        assert!(native_committed_holds(&shape, &p, &w, &o));
        assert!(satisfied(c), "honest log of {n} votes");
    }
    let (_, honest, w, opening) = committed_station(&mut rng, shape, "S", 40);
    let claim = |p: CommittedPublicInputs, o: CountOpening| {
        let holds = native_committed_holds(&shape, &p, &w, &o);
        let sat = satisfied(CommittedStationCircuit::with_claim(shape, p, w.clone(), o));
        assert_eq!(holds, sat, "native twin and constraints disagree");
        sat
    };
    // Counts moved between slots, committed honestly under the same salt: the commitment opens,
    // but the counts are not the log's histogram.
    let mut moved = opening.clone();
    let from = moved.counts.iter().position(|&c| c > 0).expect("a vote");
    moved.counts[from] -= 1;
    moved.counts[(from + 1) % 4] += 1;
    let mut moved_public = honest.clone();
    moved_public.count_commitment = moved.commitment();
    assert!(!claim(moved_public, moved.clone()));
    // The honest commitment with the moved counts as its claimed opening.
    assert!(!claim(honest.clone(), moved));
    // Another salt: the commitment does not open.
    let resalted = CountOpening {
        counts: opening.counts.clone(),
        salt: Salt::random(&mut rng),
    };
    assert!(!claim(honest.clone(), resalted));
    // A vote more in total and in slot 0, committed honestly.
    let mut inflated = opening.clone();
    inflated.counts[0] += 1;
    let mut inflated_public = honest.clone();
    inflated_public.total += 1;
    inflated_public.count_commitment = inflated.commitment();
    assert!(!claim(inflated_public, inflated));
    // Another station's binding, another log commitment, a later close.
    let mut rebound = honest.clone();
    rebound.binding = station_binding("E", "S2", "C");
    assert!(!claim(rebound, opening.clone()));
    let mut recommitted = honest.clone();
    recommitted.commitment += Fr::from(1u64);
    assert!(!claim(recommitted, opening.clone()));
    let mut later = honest.clone();
    later.closed_at += 1;
    assert!(!claim(later, opening.clone()));
    assert!(claim(honest, opening));
}

fn group(
    rng: &mut ChaCha20Rng,
    shape: Shape,
    sizes: &[usize],
) -> (GroupCircuit, GroupPublicInputs, Vec<CountOpening>) {
    let station = Shape::new(64, shape.choices).expect("shape");
    let openings: Vec<CountOpening> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| committed_station(rng, station, &format!("S{i}"), n).3)
        .collect();
    let (c, p) =
        GroupCircuit::new(shape, group_binding("E", "C", "G1"), openings.clone()).expect("fits");
    (c, p, openings)
}

#[test]
fn group_counts_are_the_sum_of_committed_counts_and_nothing_else() {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let shape = Shape::group(5, 4).expect("group shape");
    for sizes in [vec![10], vec![10, 0, 64], vec![1, 2, 3, 4, 5]] {
        let (c, p, o) = group(&mut rng, shape, &sizes);
        assert!(native_group_holds(&shape, &p, &o));
        assert!(satisfied(c), "honest group {sizes:?}");
        let sum: u64 = p.counts.iter().sum();
        assert_eq!(sum, sizes.iter().sum::<usize>() as u64);
    }
    let (_, honest, openings) = group(&mut rng, shape, &[20, 30, 40]);
    let claim = |p: GroupPublicInputs, o: Vec<CountOpening>| {
        let holds = native_group_holds(&shape, &p, &o);
        let sat = satisfied(GroupCircuit::with_claim(shape, p, o));
        assert_eq!(holds, sat, "native twin and constraints disagree");
        sat
    };
    // A group total one vote off, either way, and a vote moved between slots.
    for (j, delta) in [(0usize, 1i64), (1, -1)] {
        let mut off = honest.clone();
        off.counts[j] = off.counts[j].checked_add_signed(delta).expect("in range");
        assert!(!claim(off, openings.clone()));
    }
    let mut moved = honest.clone();
    let from = moved.counts.iter().position(|&c| c > 0).expect("votes");
    moved.counts[from] -= 1;
    moved.counts[(from + 1) % 4] += 1;
    assert!(!claim(moved, openings.clone()));
    // A station left out: its slot emptied (commitment zero) while the totals keep its votes,
    // and with totals that drop them but an opening that still counts them.
    let mut dropped = honest.clone();
    dropped.station_commitments[1] = Fr::from(0u64);
    assert!(!claim(dropped.clone(), openings.clone()));
    let mut without = openings.clone();
    without[1].counts.iter_mut().for_each(|c| *c = 0);
    for (sum, c) in dropped.counts.iter_mut().zip(&openings[1].counts) {
        *sum -= c;
    }
    // Emptied with zero counts in its slot: the group is then honestly a group without it.
    assert!(claim(dropped, without));
    // An empty slot that smuggles votes in.
    let mut smuggled = openings.clone();
    smuggled.push(CountOpening {
        counts: vec![5, 0, 0, 0],
        salt: Salt::random(&mut rng),
    });
    let mut inflated = honest.clone();
    inflated.counts[0] += 5;
    assert!(!claim(inflated, smuggled));
    // A station's commitment replaced by another opening's: the opening no longer matches.
    let mut swapped = honest.clone();
    swapped.station_commitments[0] = count_commitment(&Salt::random(&mut rng), &[1, 2, 3, 4]);
    assert!(!claim(swapped, openings.clone()));
    // The same counts under another salt than the one committed.
    let mut resalted = openings.clone();
    resalted[2].salt = Salt::random(&mut rng);
    assert!(!claim(honest.clone(), resalted));
    assert!(claim(honest, openings));
}

#[test]
fn both_circuits_prove_and_verify_with_groth16_in_the_spec_order() {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let shape = Shape::new(64, 4).expect("shape");
    let (circuit, public, _, opening) = committed_station(&mut rng, shape, "S", 30);
    let (pk, vk) = Groth16::<Bls12_381>::circuit_specific_setup(
        CommittedStationCircuit::blank(shape),
        &mut rng,
    )
    .expect("setup");
    let proof = Groth16::<Bls12_381>::prove(&pk, circuit, &mut rng).expect("prove");
    assert_eq!(
        CommittedPublicInputs::names(),
        [
            "binding",
            "commitment",
            "count_commitment",
            "total",
            "closed_at"
        ]
    );
    let inputs = public.to_field_elements();
    assert!(Groth16::<Bls12_381>::verify(&vk, &inputs, &proof).expect("verify"));
    let mut other = public.clone();
    other.count_commitment = count_commitment(&Salt::random(&mut rng), &opening.counts);
    assert!(!Groth16::<Bls12_381>::verify(&vk, &other.to_field_elements(), &proof).expect("v"));

    let gshape = Shape::group(4, 4).expect("group shape");
    let (circuit, public, _) = group(&mut rng, gshape, &[12, 7, 0]);
    let (pk, vk) =
        Groth16::<Bls12_381>::circuit_specific_setup(GroupCircuit::blank(gshape), &mut rng)
            .expect("setup");
    let proof = Groth16::<Bls12_381>::prove(&pk, circuit, &mut rng).expect("prove");
    assert_eq!(GroupPublicInputs::names(&gshape).len(), 1 + 4 + 4);
    assert!(Groth16::<Bls12_381>::verify(&vk, &public.to_field_elements(), &proof).expect("v"));
    // Another group's binding: the binding enters no constraint, but Groth16 binds it.
    let mut rebound = public.clone();
    rebound.binding = group_binding("E", "C", "G2");
    assert!(!Groth16::<Bls12_381>::verify(&vk, &rebound.to_field_elements(), &proof).expect("v"));
    let mut off = public;
    off.counts[0] += 1;
    assert!(!Groth16::<Bls12_381>::verify(&vk, &off.to_field_elements(), &proof).expect("v"));
}

/// A committed station of 8x2c and a group of two of them in g2x2: the smallest shapes, for
/// tests that make keys.
fn smallest(
    rng: &mut ChaCha20Rng,
) -> (
    (CommittedStationCircuit, CommittedPublicInputs),
    (GroupCircuit, GroupPublicInputs),
) {
    let station = Shape::committed(8, 2).expect("shape");
    let mut openings = Vec::new();
    let mut first = None;
    for (name, n) in [("S", 5usize), ("T", 8)] {
        let w = random_log(rng, n, 2);
        let b = station_binding("E", name, "C");
        let (c, p, o) =
            CommittedStationCircuit::new(station, b, CLOSE, w, Salt::random(rng)).expect("fits");
        first.get_or_insert((c, p));
        openings.push(o);
    }
    let group = GroupCircuit::new(
        Shape::group(2, 2).expect("shape"),
        group_binding("E", "C", "G"),
        openings,
    )
    .expect("fits");
    (first.expect("a station"), group)
}

/// Proves both circuits with `keys` (by shape) and checks the proofs, and that a group proof
/// fails for other counts.
fn prove_and_verify(keys_by_shape: &[circuits::keys::ProvingKey], rng: &mut ChaCha20Rng) {
    use circuits::keys;
    let ((circuit, public), (gcircuit, gpublic)) = smallest(rng);
    for pk in keys_by_shape {
        let vk = keys::vk_from_bytes(
            pk.shape,
            &keys::vk_to_bytes(pk.verifying_key()).expect("vk"),
        )
        .expect("prepared");
        if pk.shape == circuit.shape() {
            let proof = pk.prove(circuit.clone(), rng).expect("prove");
            vk.verify_inputs(&public.to_field_elements(), &proof)
                .expect("verifies");
            // A key of one kind refuses a circuit of the other.
            assert!(pk.prove(gcircuit.clone(), rng).is_err());
        } else {
            assert_eq!(pk.shape, gcircuit.shape());
            let proof = pk.prove(gcircuit.clone(), rng).expect("prove");
            vk.verify_inputs(&gpublic.to_field_elements(), &proof)
                .expect("verifies");
            let mut off = gpublic.to_field_elements();
            off[1] += Fr::from(1u64);
            assert!(vk.verify_inputs(&off, &proof).is_err());
            assert!(pk.prove(circuit.clone(), rng).is_err());
        }
        // The public-count shape of the same size reads the key as another circuit's.
        let public_kind = Shape {
            kind: circuits::Kind::Public,
            ..pk.shape
        };
        assert!(keys::vk_from_bytes(
            public_kind,
            &keys::vk_to_bytes(pk.verifying_key()).expect("vk")
        )
        .is_err());
    }
}

/// Keys for both circuits from `keys::setup`: the shape's kind picks the circuit.
#[test]
fn keys_of_both_circuits_from_a_single_party_setup() {
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let pks: Vec<_> = [
        Shape::committed(8, 2).expect("shape"),
        Shape::group(2, 2).expect("shape"),
    ]
    .into_iter()
    .map(|s| circuits::keys::setup(s, &mut rng).expect("setup"))
    .collect();
    prove_and_verify(&pks, &mut rng);
}

/// The same shapes from a key ceremony, one contributor per phase.
#[test]
#[ignore = "heavy: a key ceremony of phase-1 power 11 (about a minute in the test profile)"]
fn keys_of_both_circuits_from_a_ceremony() {
    use circuits::ceremony::{Ceremony, Contributor};
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let shapes = [
        Shape::committed(8, 2).expect("shape"),
        Shape::group(2, 2).expect("shape"),
    ];
    let mut c = Ceremony::new(&shapes, None, None).expect("ceremony");
    let who = Contributor {
        name: "A".into(),
        role: "test".into(),
    };
    c.contribute_with(who.clone(), &mut rng).expect("phase 1");
    c.begin_phase2().expect("phase 2");
    c.contribute_with(who, &mut rng)
        .expect("phase 2 contribution");
    let (_, pks) = c.finalize(&mut rng).expect("keys");
    let pks: Vec<_> = pks
        .into_iter()
        .map(|(shape, pk)| circuits::keys::ProvingKey::from_groth16(shape, pk).expect("its shape"))
        .collect();
    assert_eq!(pks.len(), 2);
    prove_and_verify(&pks, &mut rng);
}

/// The `.r1cs` export of both circuits reads back, and the summary names the inputs in the
/// spec's order.
#[test]
fn both_circuits_export_as_r1cs() {
    use circuits::r1cs::R1cs;
    for (text, inputs) in [("64x4c", 5usize), ("g3x4", 1 + 4 + 3)] {
        let shape = Shape::parse(text).expect("shape");
        let r = R1cs::of(shape).expect("export");
        let bytes = r.to_bytes();
        let back = R1cs::from_bytes(&bytes).expect("reads back");
        assert_eq!(back.to_bytes(), bytes);
        let summary = r.summary(shape);
        assert_eq!(summary.public_inputs, inputs);
        assert!(summary
            .json_line()
            .contains(&format!("\"shape\": \"{text}\"")));
        assert_eq!(circuits::r1cs::input_names(&shape).len(), inputs);
    }
}
