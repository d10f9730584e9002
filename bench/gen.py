#!/usr/bin/env python3
"""Deterministic data for bench/run.sh.

  gen.py total             print the total size in bytes of the file tree
  gen.py tree DIR          read exactly `total` bytes from stdin and split them
                           into the tree's files under DIR
  gen.py stream SEED N     write N pseudo-random bytes (seeded) to stdout;
                           the fallback content source when openssl is missing

The tree: NFILES files in NDIRS sub-folders, sizes drawn uniformly (inclusive)
from [MIN_SIZE, MAX_SIZE] by random.Random(SIZE_SEED), so the layout is the
same on every machine and every run.
"""
import os
import random
import sys

NFILES = 10_000
NDIRS = 100
MIN_SIZE = 1024            # 1 KiB
MAX_SIZE = 1024 * 1024     # 1 MiB
SIZE_SEED = 0x77686F726C   # "whorl"


def layout():
    rng = random.Random(SIZE_SEED)
    per_dir = NFILES // NDIRS
    for i in range(NFILES):
        name = os.path.join("d%02d" % (i // per_dir), "f%05d.bin" % i)
        yield name, rng.randint(MIN_SIZE, MAX_SIZE)


def total():
    return sum(size for _, size in layout())


def tree(root):
    src = sys.stdin.buffer
    made = set()
    for name, size in layout():
        path = os.path.join(root, name)
        d = os.path.dirname(path)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        data = src.read(size)
        if len(data) != size:
            sys.exit("gen.py: content stream ended early at %s" % name)
        with open(path, "wb") as f:
            f.write(data)


def stream(seed, n):
    rng = random.Random(seed)
    out = sys.stdout.buffer
    block = 1 << 20
    while n > 0:
        k = min(block, n)
        out.write(rng.randbytes(k))
        n -= k
    out.flush()


def main(argv):
    if len(argv) >= 2 and argv[1] == "total":
        print(total())
    elif len(argv) == 3 and argv[1] == "tree":
        tree(argv[2])
    elif len(argv) == 4 and argv[1] == "stream":
        stream(argv[2], int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
