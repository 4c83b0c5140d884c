#!/usr/bin/env python3
# One durable append a commit, in the same run: ledger-sized records (700 bytes) appended to a segment
# file (growing, or preallocated and overwritten in place) and synced, against a SQLite commit in WAL mode
# with synchronous=FULL and the ledger's shape since 0028 (entries, the index by recipient, case links).
# Prints each one's latency and the bytes it had the kernel write. Decision 0029 weighs the segment file.
#
#   scripts/durable-append.py                # 2,000 appends each, two rounds, in a temporary directory
#   scripts/durable-append.py 5000 3 /data   # count, rounds, and a directory on the disk to measure
import os, random, shutil, sqlite3, sys, tempfile, time

count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
work = tempfile.mkdtemp(prefix="durable-append-", dir=sys.argv[3] if len(sys.argv) > 3 else None)
record = os.urandom(700)


def written():
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("write_bytes"))


def run(name, setup, append):
    target = setup()
    before, latencies = written(), []
    for i in range(count):
        start = time.perf_counter()
        append(target, i)
        latencies.append(time.perf_counter() - start)
    kb = (written() - before) / count / 1000
    latencies.sort()
    print(f"{name:28s} p50 {latencies[count // 2] * 1e6:6.0f} µs   p99 {latencies[int(count * 0.99)] * 1e6:6.0f} µs"
          f"   mean {sum(latencies) / count * 1e6:6.0f} µs   {kb:5.1f} KB written an append")


def growing():
    return os.open(os.path.join(work, "growing.seg"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


def append_growing(fd, i):
    os.write(fd, record)
    os.fdatasync(fd)


def preallocated():
    fd = os.open(os.path.join(work, "preallocated.seg"), os.O_WRONLY | os.O_CREAT, 0o600)
    os.posix_fallocate(fd, 0, (count + 1) * len(record))
    os.fsync(fd)
    return fd


def append_preallocated(fd, i):
    os.pwrite(fd, record, i * len(record))
    os.fdatasync(fd)


def ledger_database():
    db = sqlite3.connect(os.path.join(work, "ledger.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE entries (idx INTEGER PRIMARY KEY, entry BLOB, leaf BLOB, recipient TEXT, action TEXT)")
    db.execute("CREATE INDEX by_recipient ON entries (recipient, idx)")
    db.execute("CREATE TABLE links (bucket INTEGER, case_id TEXT, idx INTEGER, PRIMARY KEY (bucket, case_id, idx)) WITHOUT ROWID")
    return db


def commit(db, i):
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO entries VALUES (?, ?, ?, 'met-police', 'disclosure')", (i, record, record[:32]))
    db.execute("INSERT INTO links VALUES (?, ?, ?)", (i >> 12, "%032x" % random.getrandbits(128), i))
    db.execute("COMMIT")


try:
    for _ in range(rounds):
        run("segment file, growing", growing, append_growing)
        run("segment file, preallocated", preallocated, append_preallocated)
        run("SQLite commit, 3 B-trees", ledger_database, commit)
        for name in os.listdir(work):
            os.remove(os.path.join(work, name))
finally:
    shutil.rmtree(work, ignore_errors=True)
