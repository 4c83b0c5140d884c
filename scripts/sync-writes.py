#!/usr/bin/env python3
# Block-device writes a synced overwrite costs on the filesystem under a directory: a page overwritten in
# place in a file that neither grows nor gets new blocks (as SQLite's write-ahead log is, once it has
# reached its size), then fdatasync, as every ledger commit does. Counted from the statistics of the
# directory's block device (/sys/dev/block/<major>:<minor>/stat), so the figure is a count, not a time. On
# ext4 with its journal this is 2 (the page, the cache flush); on ext4 made without a journal, 3: the
# inode's block is written on every sync too (docs/operating/install.md).
#
#   scripts/sync-writes.py /var/lib/casegate          # the directory to measure (its device is found from it)
#   scripts/sync-writes.py /var/lib/casegate 1000     # and how many syncs
import os, sys, tempfile, time

if len(sys.argv) < 2:
    sys.exit("usage: scripts/sync-writes.py DIRECTORY [SYNCS]")
directory = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
device = os.stat(directory).st_dev
stat = f"/sys/dev/block/{os.major(device)}:{os.minor(device)}/stat"
if not os.path.exists(stat):
    sys.exit(f"no {stat}: {directory} is not on a block device (btrfs, overlayfs, tmpfs?); measure a directory on the disk beneath")


def writes():
    with open(stat) as f:
        return int(f.read().split()[4])  # writes completed


fd, path = tempfile.mkstemp(prefix="sync-writes-", dir=directory)
try:
    os.write(fd, b"\0" * (1 << 20))
    os.fsync(fd)
    page = b"x" * 4096
    before = writes()
    for i in range(count):
        os.pwrite(fd, page, (i % 256) * 4096)
        os.fdatasync(fd)
        time.sleep(0.005)  # commits are apart in time, so the file's mtime moves between them
    print(f"{(writes() - before) / count:.2f} block-device writes a synced overwrite ({count} syncs, {directory})")
finally:
    os.close(fd)
    os.unlink(path)
