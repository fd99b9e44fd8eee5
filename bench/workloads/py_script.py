"""memattr benchmark workload: a real program (CPython) doing dict, list and string work.

Run as: python3 py_script.py [rounds]   (default 6; about 0.2 s natively including startup)
Prints a checksum so runs under each tool can be compared with the native one.
"""
import sys
import zlib


def round_work(r):
    # Many small strings and a dict counting words.
    words = [f"word{(i * 7919 + r) % 5000}-{i % 13}" for i in range(30000)]
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    # Lists of tuples, sorted; a dict of lists; string joins and splits.
    pairs = sorted(((v, k) for k, v in counts.items()), reverse=True)
    groups = {}
    for v, k in pairs:
        groups.setdefault(k[:5], []).append(v)
    text = " ".join(words[:8000])
    parts = text.split(" ")
    upper = [p.upper() for p in parts if p.endswith("1")]
    copy = dict(counts)
    copy.update((k, v * 2) for k, v in list(copy.items())[:2000])
    acc = zlib.crc32(text.encode())
    acc = zlib.crc32(repr(pairs[:50]).encode(), acc)
    acc ^= len(groups) * 1000003 + len(upper) * 101 + sum(copy.values())
    return acc & 0xFFFFFFFF


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    checksum = 0
    for r in range(rounds):
        checksum = zlib.crc32(round_work(r).to_bytes(4, "little"), checksum)
    print(f"py_script rounds={rounds} checksum={checksum:08x}")


if __name__ == "__main__":
    main()
