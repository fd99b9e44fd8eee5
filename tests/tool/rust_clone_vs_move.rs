// A group writer fed segments in 4 threads.  "clone": each thread
// iterates over its segments by reference and hands the writer
// `seg.clone()`, keeping the originals (never read again) until the
// writer is done: clones that could be moves.  "move": `into_iter()`
// hands the segments over; nothing to find.
//
// Known answer for "clone": every original is live at the peak beside
// its clone (a barrier holds all threads there), so the redundant bytes
// at the peak are the sum of all segment sizes over the 4 threads.
use std::sync::{Arc, Barrier};
use std::thread;

pub struct Segment {
    pub data: Vec<u8>,
}

pub struct GroupWriter {
    segments: Vec<Segment>,
}

impl GroupWriter {
    fn new() -> GroupWriter {
        GroupWriter { segments: Vec::new() }
    }
    fn add_segment(&mut self, segment: Segment) {
        self.segments.push(segment);
    }
    fn checksum(&self) -> u64 {
        self.segments.iter().map(|s| s.data.iter().map(|&b| b as u64).sum::<u64>()).sum()
    }
}

impl Clone for Segment {
    fn clone(&self) -> Segment {
        Segment { data: self.data.clone() } // @CLONE
    }
}

pub fn segment_size(thread: usize, i: usize) -> usize {
    1000 + 16 * ((thread * 31 + i * 7) % 64)
}

fn make_segments(thread: usize, count: usize) -> Vec<Segment> {
    (0..count)
        .map(|i| Segment { data: vec![(thread * 13 + i) as u8; segment_size(thread, i)] }) // @ORIGINAL
        .collect()
}

fn write_by_clone(segments: &[Segment]) -> GroupWriter {
    let mut writer = GroupWriter::new();
    for segment in segments.iter() {
        writer.add_segment(segment.clone()); // @ADD_CLONE
    }
    writer
}

fn write_by_move(segments: Vec<Segment>) -> GroupWriter {
    let mut writer = GroupWriter::new();
    for segment in segments.into_iter() {
        writer.add_segment(segment); // @ADD_MOVE
    }
    writer
}

fn main() {
    let by_clone = std::env::args().nth(1).map_or(true, |mode| mode != "move");
    let barrier = Arc::new(Barrier::new(4));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let segments = make_segments(t, 40);
                let (writer, kept) = if by_clone {
                    let writer = write_by_clone(&segments);
                    (writer, Some(segments))
                } else {
                    (write_by_move(segments), None)
                };
                barrier.wait(); // every thread holds its writer (and originals) here
                let sum = writer.checksum();
                drop(writer);
                drop(kept);
                sum
            })
        })
        .collect();
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    if total == 0 {
        println!("unexpected");
    }
    println!("done");
}
