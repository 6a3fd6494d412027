#!/usr/bin/env python3
"""Timed reads for run-fuse-read-bench.sh; every figure is printed as one JSON object on stdout.

  files BLOB                      regular files of an eStargz blob in blob order: "path size" lines
  first-byte ROOT LIST N          open + read 1 byte of N files spread over LIST (cold), each timed
  range-get HOST REPO DIGEST N    baseline: N 1-byte range GETs of a blob on one kept-alive HTTP connection
  read-all ROOT LIST              read every file of LIST in order, whole
  seq FILE                        read FILE whole in 1 MiB reads
  random FILE N                   N random 4 KiB-aligned 4 KiB preads
"""
import http.client
import json
import os
import random
import statistics
import sys
import tarfile
import time

SKIP = {'stargz.index.json', '.prefetch.landmark', '.no.prefetch.landmark'}


def files(blob):
    with tarfile.open(blob, 'r:gz') as tar:
        for m in tar:
            name = m.name[2:] if m.name.startswith('./') else m.name
            if m.isfile() and m.size > 0 and name not in SKIP:
                print(name, m.size)


def load(listing):
    with open(listing) as f:
        return [(p, int(s)) for p, s in (l.rsplit(' ', 1) for l in f if l.strip())]


def first_byte(root, listing, n):
    entries = load(listing)
    step = max(1, len(entries) // n)
    picked = entries[step // 2::step][:n]
    times = []
    each = []
    for path, size in picked:
        t = time.perf_counter()
        with open(os.path.join(root, path), 'rb', buffering=0) as f:
            if len(f.read(1)) != 1:
                sys.exit('short read of ' + path)
        times.append(time.perf_counter() - t)
        each.append({'path': path, 'size': size, 'ms': round(times[-1] * 1e3, 1)})
    return {'files': len(times), 'median_ms': statistics.median(times) * 1e3, 'min_ms': min(times) * 1e3,
            'max_ms': max(times) * 1e3, 'each': each}


def range_get(host, repo, digest, n):
    conn = http.client.HTTPConnection(host, timeout=60)
    path = '/v2/%s/blobs/%s' % (repo, digest)
    times = []
    for i in range(n + 1):
        t = time.perf_counter()
        conn.request('GET', path, headers={'Range': 'bytes=%d-%d' % (i * 65536, i * 65536)})
        r = conn.getresponse()
        if r.status != 206 or len(r.read()) != 1:
            sys.exit('range GET answered %d' % r.status)
        if i > 0:  # the first one pays the TCP handshake
            times.append(time.perf_counter() - t)
    return {'requests': len(times), 'median_ms': statistics.median(times) * 1e3}


def read_whole(path, buf):
    total = 0
    with open(path, 'rb', buffering=0) as f:
        while True:
            k = f.readinto(buf)
            if not k:
                return total
            total += k


def read_all(root, listing):
    buf = bytearray(1 << 20)
    t = time.perf_counter()
    total = sum(read_whole(os.path.join(root, p), buf) for p, _ in load(listing))
    return {'bytes': total, 'seconds': time.perf_counter() - t}


def seq(path):
    buf = bytearray(1 << 20)
    t = time.perf_counter()
    total = read_whole(path, buf)
    s = time.perf_counter() - t
    return {'bytes': total, 'seconds': s, 'mb_per_s': total / s / 1e6}


def rand(path, n):
    rnd = random.Random(7)
    size = os.path.getsize(path)
    blocks = size // 4096
    fd = os.open(path, os.O_RDONLY)
    try:
        offsets = [rnd.randrange(blocks) * 4096 for _ in range(n)]
        t = time.perf_counter()
        for off in offsets:
            if len(os.pread(fd, 4096, off)) != 4096:
                sys.exit('short pread at %d' % off)
        s = time.perf_counter() - t
    finally:
        os.close(fd)
    return {'reads': n, 'seconds': s, 'reads_per_s': n / s, 'mb_per_s': n * 4096 / s / 1e6}


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'files':
        files(args[0])
        return
    result = {'first-byte': lambda: first_byte(args[0], args[1], int(args[2])),
              'range-get': lambda: range_get(args[0], args[1], args[2], int(args[3])),
              'read-all': lambda: read_all(args[0], args[1]),
              'seq': lambda: seq(args[0]),
              'random': lambda: rand(args[0], int(args[1]))}[cmd]()
    print(json.dumps(result))


if __name__ == '__main__':
    main()
