#!/usr/bin/python3
"""The parallel text readers give the serial reader's documents, on real files.

Plain CSV/TSV/JSON Lines files are read on several threads from 8 MiB up,
and zstd-compressed or UTF-16 ones from 256 KiB: most test files are too
small to reach those paths. WHORL_SEGMENT_SHIFT=N makes every read cut its
input into segments (and decompressed blocks) of 2^N bytes, so each file
here is read on 3 threads in 1-4 KiB segments: segment cuts land inside
quoted fields, CRLF pairs and multi-byte characters, and many windows and
commits meet. For every text table in tests/data and in Debian's
python3-sklearn and python3-statsmodels datasets, plain and recompressed
with zstd (and as UTF-16, with its byte order mark), and with --strict, the
document, the warnings and the exit status on 3 threads must be those of 1
thread. Run by ctest with WHORL_BIN, WHORL_SRC and WHORL_TMP set.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wtest import W, check, finish  # noqa: E402

SRC = os.environ["WHORL_SRC"]
TMP = os.path.join(os.environ["WHORL_TMP"], "parallel")


def run(path, threads, shift, *opts):
    env = dict(os.environ)
    env.pop("WHORL_SEGMENT_SHIFT", None)
    if shift:
        env["WHORL_SEGMENT_SHIFT"] = str(shift)
    r = subprocess.run([W, "fp", "--no-cache", "--json", "--threads", str(threads), *opts, path],
                       capture_output=True, env=env)
    return r.returncode, r.stdout, r.stderr


def texts(root):
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if f.endswith((".csv", ".tsv", ".jsonl", ".csv.gz", ".tsv.gz", ".jsonl.gz")):
                yield os.path.join(dirpath, f)


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    files = list(texts(os.path.join(SRC, "tests/data")))
    real = subprocess.run(["bash", os.path.join(SRC, "tests/tables/fetch-real.sh")], capture_output=True, text=True)
    if real.returncode == 0:
        files += [p for p in texts(real.stdout.strip()) if "/datasets/" in p]
    else:
        check(False, "cannot get the Debian datasets: " + real.stderr.strip())
    # the bigger ones matter most (more segments); keep the run short
    files = sorted(set(files), key=lambda p: -os.path.getsize(p))[:120]
    check(len(files) >= 60, f"{len(files)} text tables found")
    cases = 0
    parallel_cases = 0
    for i, src in enumerate(files):
        name = os.path.basename(src)
        work = os.path.join(TMP, f"{i:03d}-{name}")
        if name.endswith(".gz"):
            work = work[:-3]
            with open(work, "wb") as o:
                subprocess.run(["gzip", "-dc", src], stdout=o, check=True)
        else:
            shutil.copyfile(src, work)
        variants = [work]
        subprocess.run(["zstd", "-q", "-f", "-3", work, "-o", work + ".zst"], check=True)
        variants.append(work + ".zst")
        if i % 4 == 0:  # UTF-16 (with its byte order mark) on a quarter of them
            raw = open(work, "rb").read()
            try:
                u16 = raw.decode("utf-8").encode("utf-16")
            except UnicodeDecodeError:
                u16 = None
            if u16 is not None:
                ext = ".jsonl" if work.endswith(".jsonl") else ".tsv" if work.endswith(".tsv") else ".csv"
                p16 = work + ".u16" + ext
                open(p16, "wb").write(u16)
                variants.append(p16)
        for v in variants:
            for opts in ([], ["--strict"]):
                base = run(v, 1, 0, *opts)
                for shift in (10, 12):
                    got = run(v, 3, shift, *opts)
                    cases += 1
                    parallel_cases += base[0] == 0
                    check(got == base,
                          f"{os.path.basename(v)} {' '.join(opts)} 3 threads, segments of {1 << shift}: "
                          f"exit {got[0]} vs {base[0]}\n  {got[2].decode(errors='replace')[:300]}"
                          f"\n  {base[2].decode(errors='replace')[:300]}")
    check(parallel_cases > 100, f"{parallel_cases} readable cases")
    print(f"{cases} parallel reads compared with the serial ones")
    finish()


if __name__ == "__main__":
    main()
