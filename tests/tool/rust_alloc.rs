// Rust allocations with exact sizes; expected values in test_tool.py
// (case rust_alloc).  black_box keeps the optimiser from removing them.
use std::hint::black_box;
use std::io::Write;

fn main() {
    let v: Vec<u64> = Vec::with_capacity(1000); // @VEC
    let s = String::with_capacity(300); // @STRING
    let b = Box::new([7u8; 4096]); // @BOX
    black_box(&v);
    black_box(&s);
    black_box(&b);
    // live here, from main: 8000 + 300 + 4096 = 12396 bytes in 3 blocks
    drop(b);
    drop(s);
    drop(v);
    std::io::stdout().write_all(b"done\n").unwrap();
}
