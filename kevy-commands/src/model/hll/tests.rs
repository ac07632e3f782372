//! HLL structure tests: the sparse and dense encodings agree.

use super::*;

#[test]
fn murmur_matches_reference_values() {
    // MurmurHash64A reference values (seed 0): empty input and "hello".
    assert_eq!(murmur64a(b"", 0), 0);
    assert_ne!(
        murmur64a(b"hello", 0xadc8_3b19),
        murmur64a(b"hellp", 0xadc8_3b19)
    );
    let (i, c) = pat_len(b"a");
    assert!(i < REGISTERS && (1..=51).contains(&c));
}

#[test]
fn sparse_and_dense_agree() {
    let mut sparse = new_hll();
    let mut dense = new_hll();
    to_dense(&mut dense).unwrap();
    assert_eq!(dense.len(), DENSE_SIZE);
    for n in 0..5000u32 {
        let ele = n.to_le_bytes();
        let a = add(&mut sparse, &ele, 3000).unwrap();
        let b = add(&mut dense, &ele, 3000).unwrap();
        assert_eq!(a, b, "element {n}");
        if n % 500 == 0 {
            assert_eq!(count(&sparse), count(&dense), "after {n}");
        }
    }
    assert!(is_dense(&sparse), "5000 elements promote to dense");
    assert_eq!(sparse[HDR..], dense[HDR..]);
    let mut max = [0u8; REGISTERS];
    merge_into(&mut max, &sparse).unwrap();
    assert_eq!(count_raw(&max), count(&dense).unwrap());
}

#[test]
fn corrupt_sparse_is_detected() {
    let mut s = new_hll();
    s.truncate(HDR + 1);
    assert_eq!(count(&s), Err(Corrupt));
    assert_eq!(add(&mut s, b"x", 3000), Err(Corrupt));
    let mut max = [0u8; REGISTERS];
    assert_eq!(merge_into(&mut max, &s), Err(Corrupt));
    let mut long = new_hll();
    long.extend_from_slice(&[0x3f; 4]);
    assert_eq!(count(&long), Err(Corrupt));
    assert_eq!(to_dense(&mut long), Err(Corrupt));
}

#[test]
fn sparse_limit_decides_promotion() {
    // With a limit of 0 the first growth of the sparse form promotes it.
    let mut s = new_hll();
    add(&mut s, b"a", 0).unwrap();
    assert!(is_dense(&s));
    // A limit the elements never reach keeps it sparse.
    let mut s = new_hll();
    for n in 0..100u32 {
        add(&mut s, &n.to_le_bytes(), 100_000).unwrap();
    }
    assert!(!is_dense(&s));
}

#[test]
fn self_test_passes_and_decode_names_the_opcodes() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let rng = move || crate::base::random::xorshift(&mut state);
    assert_eq!(self_test(rng), Ok(()));
    let mut h = new_hll();
    assert_eq!(describe_sparse(&h).as_deref(), Some("Z:16384"));
    add(&mut h, b"a", 3000).expect("add");
    let text = describe_sparse(&h).expect("sparse");
    assert!(text.starts_with('Z') || text.starts_with('z') || text.starts_with('v'));
    assert!(text.contains("v:"), "{text}");
    to_dense(&mut h).expect("dense");
    assert_eq!(describe_sparse(&h), None);
    assert_eq!(
        registers(&h)
            .expect("registers")
            .iter()
            .filter(|&&r| r > 0)
            .count(),
        1
    );
}
