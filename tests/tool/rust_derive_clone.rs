// A `#[derive(Clone)]` struct cloned at two lines of the program.  The
// compiler writes the clone (its debug line is the derive's), so every
// clone of the type copies its bytes in that one generated function; the
// report must name the two lines that asked for a clone (marked FIRST and
// SECOND), not the derive's line (marked DERIVE).
//
// Known answer: FIRST clones 3 records of 4000 bytes, SECOND 5 of 6000
// bytes, each into a Vec of the same length as the originals' (3 or 5
// records of 24 bytes, filled record by record: a deep copy of the
// originals' Vec); every original is kept and never read again (a clone
// that could be a move), and every clone is read back.
#[derive(Clone)] // @DERIVE
struct Record {
    payload: Vec<u8>,
}

fn make(count: usize, size: usize, fill: u8) -> Vec<Record> {
    (0..count).map(|i| Record { payload: vec![fill.wrapping_add(i as u8); size] }).collect()
}

#[inline(never)]
fn clone_first(records: &[Record]) -> Vec<Record> {
    let mut clones = Vec::with_capacity(records.len());
    for record in records {
        clones.push(record.clone()); // @FIRST
    }
    clones
}

#[inline(never)]
fn clone_second(records: &[Record]) -> Vec<Record> {
    let mut clones = Vec::with_capacity(records.len());
    for record in records {
        clones.push(record.clone()); // @SECOND
    }
    clones
}

fn sum(records: &[Record]) -> u64 {
    records.iter().map(|r| r.payload.iter().map(|&b| b as u64).sum::<u64>()).sum()
}

fn main() {
    let first = make(3, 4000, 1);
    let second = make(5, 6000, 50);
    let first_clones = clone_first(&first);
    let second_clones = clone_second(&second);
    if sum(&first_clones) + sum(&second_clones) == 0 {
        println!("unexpected");
    }
    println!("done");
    drop(first_clones);
    drop(second_clones);
    drop(first);
    drop(second);
}
