// A batch of records cloned for a stage that consumes it: Vec<Record>::clone() clones the
// records one by one, so the clone is a deep copy made of three kinds of block: the new
// Vec's buffer (filled by stores, element by element), each record's name and each record's
// values.  The caller never uses its batch again: the whole deep copy could have been a move.
//
// Known answer (x86-64): size_of::<Record>() = 24 (name) + 24 (values) + 8 (id) = 56; the
// originals are a buffer of RECORDS records (reserved exactly), each record's name of 40
// bytes and its 8 values (32 bytes), all allocated to their exact length.  Bytes of the
// originals beside their clone at the peak: 1,000 x 56 + 1,000 x (40 + 32) = 128,000, of
// which the buffer is 56,000.

const RECORDS: usize = 1000;

#[derive(Clone)]
struct Record {
    name: String,
    values: Vec<u32>,
    id: u64,
}

// Reads every record of its own clone: the clone is used.
#[inline(never)]
fn stage(batch: Vec<Record>) -> u64 {
    let mut sum = 0u64;
    for record in &batch {
        sum += record.name.bytes().map(u64::from).sum::<u64>();
        sum += record.values.iter().map(|&v| u64::from(v)).sum::<u64>();
        sum += record.id;
    }
    sum
}

fn main() {
    assert_eq!(std::mem::size_of::<Record>(), 56, "the known answer assumes this layout");
    let mut records = Vec::with_capacity(RECORDS); // @ORIGINAL_BUFFER
    for i in 0..RECORDS {
        let letter = (b'a' + (i % 26) as u8) as char;
        records.push(Record {
            name: std::iter::repeat(letter).take(40).collect::<String>(),
            values: vec![i as u32; 8],
            id: i as u64,
        });
    }
    let sum = stage(records.clone()); // @COPY
    if sum == 0 {
        println!("unexpected");
    }
    println!("done");
    // The originals stay allocated until here, never used after the clone.
    drop(std::hint::black_box(records));
}
