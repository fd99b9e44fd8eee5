// Rust allocations with exact sizes; expected values in test_tool.py
// (case rust_alloc).  Each block's address escapes into a static, so the
// optimiser keeps the allocations (this also builds with Debian's rustc
// 1.63, which has no stable std::hint::black_box).
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

static SINK: AtomicUsize = AtomicUsize::new(0);

#[inline(never)]
fn escape<T>(p: *const T) {
    SINK.fetch_add(p as usize, Ordering::Relaxed);
}

fn main() {
    let v: Vec<u64> = Vec::with_capacity(1000); // @VEC
    let s = String::with_capacity(300); // @STRING
    let b = Box::new([7u8; 4096]); // @BOX
    escape(v.as_ptr());
    escape(s.as_ptr());
    escape(b.as_ptr());
    // live here, from main: 8000 + 300 + 4096 = 12396 bytes in 3 blocks
    drop(b);
    drop(s);
    drop(v);
    std::io::stdout().write_all(b"done\n").unwrap();
}
