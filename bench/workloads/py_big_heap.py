"""memattr benchmark workload: a big heap (over a million live blocks at the peak).

Run as: PYTHONMALLOC=malloc python3 py_big_heap.py [entries]   (default 150000;
about a second natively).  Every object then is its own malloc block: a dict of
'entries' lists, each holding tuples of a string and an int, grown step by step
(the heap grows while it churns, as a real program's does), then dropped.
Prints a checksum so runs under each tool can be compared with the native one.
"""
import sys
import zlib


def build(entries):
    table = {}
    for i in range(entries):
        key = f"key-{i:07d}"
        # Each entry: a list of 3 tuples (str, int): about 9 live blocks.
        table[key] = [(f"v{i}-{j}", i * 31 + j) for j in range(3)]
        if i % 1000 == 999:
            # Churn: temporary strings freed at once.
            scratch = [str(k) * 2 for k in range(200)]
            del scratch
    return table


def checksum_of(table):
    acc = 0
    for key, values in table.items():
        acc = zlib.crc32(key.encode(), acc)
        for text, number in values:
            acc = zlib.crc32(text.encode(), acc) ^ (number & 0xFFFF)
    return acc & 0xFFFFFFFF


def main():
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 150000
    table = build(entries)
    print(f"py_big_heap entries={entries} blocks~{entries * 9} checksum={checksum_of(table):08x}")
    del table


if __name__ == "__main__":
    main()
