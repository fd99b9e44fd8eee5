// memattr benchmark workload: Rust allocation patterns.
// Each round builds a Vec<String>, clones it, fills a HashMap<String, Vec<u32>> and clones
// that, builds a Box'd binary search tree and a Box'd linked list, and grows Vecs by push.
// Prints a checksum so the work cannot be optimised away.
// Build: rustc -O -g rust_alloc.rs     Usage: rust_alloc [rounds]   (default 50)
use std::collections::HashMap;
use std::env;

const STRINGS: usize = 12_000; // strings per round
const MAP_KEYS: usize = 3_000; // map entries per round
const TREE_NODES: usize = 6_000; // Box'd tree nodes per round
const LIST_NODES: usize = 6_000; // Box'd list nodes per round
const GROW_VECS: usize = 256; // Vecs grown by push per round
const GROW_LEN: usize = 200;

fn mix(h: u64, v: u64) -> u64 {
    h ^ (v
        .wrapping_add(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(h << 6)
        .wrapping_add(h >> 2))
}

fn hash_str(s: &str) -> u64 {
    s.bytes()
        .fold(1_469_598_103_934_665_603u64, |h, c| (h ^ u64::from(c)).wrapping_mul(1_099_511_628_211))
}

struct Tree {
    key: u64,
    left: Option<Box<Tree>>,
    right: Option<Box<Tree>>,
}

fn tree_insert(slot: &mut Option<Box<Tree>>, key: u64) {
    let mut slot = slot;
    while let Some(node) = slot {
        slot = if key < node.key { &mut node.left } else { &mut node.right };
    }
    *slot = Some(Box::new(Tree { key, left: None, right: None }));
}

fn tree_sum(t: &Option<Box<Tree>>) -> u64 {
    // Iterative, so deep trees cannot overflow the stack.
    let mut stack: Vec<&Tree> = Vec::new();
    let mut sum = 0u64;
    if let Some(n) = t {
        stack.push(n);
    }
    while let Some(n) = stack.pop() {
        sum = sum.wrapping_add(n.key);
        if let Some(l) = &n.left {
            stack.push(l);
        }
        if let Some(r) = &n.right {
            stack.push(r);
        }
    }
    sum
}

fn tree_drop(t: Option<Box<Tree>>) {
    // Iterative drop for the same reason.
    let mut stack: Vec<Box<Tree>> = Vec::new();
    if let Some(n) = t {
        stack.push(n);
    }
    while let Some(mut n) = stack.pop() {
        if let Some(l) = n.left.take() {
            stack.push(l);
        }
        if let Some(r) = n.right.take() {
            stack.push(r);
        }
    }
}

struct ListNode {
    value: String,
    next: Option<Box<ListNode>>,
}

fn round_work(round: usize) -> u64 {
    let mut sum = 0u64;

    // Vec<String>, each a fresh heap allocation, then a deep clone and a move.
    let names: Vec<String> = (0..STRINGS)
        .map(|i| format!("rust-item-{round}-{i}-with-some-padding"))
        .collect();
    let cloned = names.clone();
    let moved = cloned; // a move: no allocation
    sum = mix(sum, moved.len() as u64);
    sum = mix(sum, hash_str(&moved[round % moved.len()]));

    // HashMap<String, Vec<u32>> with cloned keys, then a clone of the whole map.
    let mut index: HashMap<String, Vec<u32>> = HashMap::new();
    for i in 0..MAP_KEYS {
        let v = index.entry(names[(i * 7) % names.len()].clone()).or_default();
        for k in 0..(8 + i % 16) {
            v.push((i + k) as u32);
        }
    }
    let index_copy = index.clone();
    let mut keysum = 0u64;
    for (key, vec) in &index_copy {
        keysum = keysum.wrapping_add(hash_str(key) ^ u64::from(*vec.last().unwrap()));
    }
    sum = mix(sum, keysum); // order-independent, HashMap iteration order is random

    // A Box'd binary search tree with pseudo-random keys.
    let mut root: Option<Box<Tree>> = None;
    let mut x = (round as u64).wrapping_mul(2_654_435_761).wrapping_add(1);
    for _ in 0..TREE_NODES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        tree_insert(&mut root, x % 1_000_000);
    }
    sum = mix(sum, tree_sum(&root));
    tree_drop(root);

    // A Box'd singly linked list of owned strings.
    let mut head: Option<Box<ListNode>> = None;
    for i in 0..LIST_NODES {
        head = Some(Box::new(ListNode { value: format!("node-{i:08}-payload-text"), next: head }));
    }
    let mut len_sum = 0u64;
    let mut cur = head.as_deref();
    while let Some(n) = cur {
        len_sum += n.value.len() as u64;
        cur = n.next.as_deref();
    }
    sum = mix(sum, len_sum);
    while let Some(mut n) = head {
        head = n.next.take();
    }

    // Vecs grown one element at a time (reallocation on each doubling).
    let mut grown: Vec<Vec<u64>> = Vec::new();
    for i in 0..GROW_VECS {
        let mut v = Vec::new();
        for k in 0..GROW_LEN {
            v.push((i ^ k) as u64);
        }
        grown.push(v);
    }
    for v in &grown {
        sum = mix(sum, v[v.len() / 2]);
    }
    sum
}

fn main() {
    let rounds: usize = env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let mut sum = 0u64;
    for r in 0..rounds {
        sum = mix(sum, round_work(r));
    }
    println!("rust_alloc rounds={rounds} checksum={sum:016x}");
}
