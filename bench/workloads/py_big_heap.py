"""bench/ big-heap workload (issue 13): a Python program whose heap holds over a million live
blocks at its peak. Run as `PYTHONMALLOC=malloc python3 py_big_heap.py`, so that every object
is its own malloc block (with pymalloc most live in 256 KiB arenas instead).

It builds an index of 120,000 records, each a tuple of an int, a str, a list of 3 ints and a
dict entry pointing at it (about 9 live blocks a record: the tuple, the big int, the string,
the list and its item array, three ints outside the small-int cache, and the index's share),
keeps it all live at once (the peak), then drops half of it and sums what is left. It prints
a checksum of its work, so bench/run.sh can check that every tool ran it unchanged."""

import sys

RECORDS = 120_000


def build(records):
    index = {}
    for n in range(records):
        key = f"record-{n:07d}"
        index[key] = (n * 1_000_003, key.upper(), [n + 1000, n + 2000, n + 3000])
    return index


def main():
    index = build(RECORDS)
    peak_checksum = sum(value[0] % 97 + len(value[1]) + sum(value[2]) % 89
                        for value in index.values())
    for key in list(index)[::2]:
        del index[key]
    rest = sum(value[2][1] for value in index.values()) % 1_000_000_007
    print(f"records {RECORDS} peak-checksum {peak_checksum} kept {len(index)} rest {rest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
