#!/usr/bin/env python3
"""Starts CONTAINERS containers at once (`ctr run --rm --snapshotter stargz`, container c from image c mod N) from
the images push_load_images (load-lib.sh) made, and checks what each prints: its image's /etc/bench-image, then
`sha256sum` of four debootstrap binaries and libraries, busybox, one text-layer page and one file of its own layer,
against checksums computed here from the same layer tarballs. Prints one line per container to OUT_DIR/results.txt
and a summary line (a container that has not exited after LOAD_TIMEOUT_S, default 300, counts as failed):
  result ok=N of=M wall_s=S p50_s=S p95_s=S max_s=S
where the times are from a container's `ctr run` to its first line of output (p95: nearest rank), and wall is
from the first start to the last exit.

usage: load-containers.py OUT_DIR CONTAINERS OWN_FILES DEBOOTSTRAP BUSYBOX TEXT REF... -- CTR_COMMAND...
"""
import gzip
import hashlib
import math
import os
import statistics
import subprocess
import sys
import tarfile
import threading
import time

# (path in the container, which of the base layers holds it)
BASE_FILES = [('/usr/bin/bash', 0), ('/usr/bin/perl', 0), ('/usr/lib/x86_64-linux-gnu/libc.so.6', 0),
              ('/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30', 0), ('/bin/busybox', 1)]
TEXT_PAGES = 3000  # make-bench-image.py --gen


def text_page(c):
    n = (c * 97) % TEXT_PAGES
    return '/srv/app/doc%04d/page%d.txt' % (n // 100, n)


def own_file(c, own_files):
    return '/usr/share/bench/f%d' % ((c * 13) % own_files + 1)


def layer_digests(path, wanted):
    """sha256 of the regular files named in wanted (paths without the leading /) in a layer tarball."""
    found = {}
    with gzip.open(path, 'rb') as gz, tarfile.open(fileobj=gz, mode='r|') as tar:
        for m in tar:
            name = m.name[2:] if m.name.startswith('./') else m.name.lstrip('/')
            if name in wanted:
                if not m.isreg():
                    sys.exit('error: %s in %s is not a regular file' % (name, path))
                found['/' + name] = hashlib.sha256(tar.extractfile(m).read()).hexdigest()
    missing = set('/' + w for w in wanted) - set(found)
    if missing:
        sys.exit('error: %s not found in %s' % (sorted(missing), path))
    return found


def main():
    sep = sys.argv.index('--')
    out_dir, containers, own_files, deb, bb, text, *refs = sys.argv[1:sep]
    ctr = sys.argv[sep + 1:]
    containers, own_files = int(containers), int(own_files)
    layers = [deb, bb, text]
    pages = {text_page(c) for c in range(containers)}
    digests = {}
    for i, layer in enumerate(layers):
        wanted = {p.lstrip('/') for p, l in BASE_FILES if l == i} | ({p.lstrip('/') for p in pages} if i == 2 else set())
        digests.update(layer_digests(layer, wanted))

    runs = []
    for c in range(containers):
        image = c % len(refs) + 1
        own = own_file(c, own_files)
        files = [p for p, _ in BASE_FILES] + [text_page(c), own]
        digests[own] = hashlib.sha256(('image %d file %s\n' % (image, own.rsplit('f', 1)[1])).encode()).hexdigest()
        expected = 'image %d\n' % image + ''.join('%s  %s\n' % (digests[f], f) for f in files)
        cmd = 'cat /etc/bench-image; sha256sum ' + ' '.join(files)
        runs.append({'c': c, 'image': image, 'expected': expected,
                     'argv': ctr + ['run', '--rm', '--snapshotter', 'stargz', refs[image - 1], 'load-%d' % c,
                                    'sh', '-c', cmd]})

    def watch(r):
        p = r['proc']
        first, out = None, []
        for line in p.stdout:
            if first is None:
                first = time.time()
            out.append(line.decode(errors='replace'))
        r['rc'] = p.wait()
        r['end'] = time.time()
        r['first'] = first if first is not None else r['end']
        r['out'] = ''.join(out)
        r['err'] = p.stderr.read().decode(errors='replace')

    threads = []
    for r in runs:
        r['start'] = time.time()
        r['proc'] = subprocess.Popen(r['argv'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t = threading.Thread(target=watch, args=(r,), name='container-%d' % r['c'])
        t.start()
        threads.append(t)
    # a container that has not exited by then counts as failed (its ctr client is killed; the harness's
    # stop_containers removes the container)
    deadline = time.time() + float(os.environ.get('LOAD_TIMEOUT_S', '300'))
    for t in threads:
        t.join(max(0.0, deadline - time.time()))
    for r in runs:
        if r['proc'].poll() is None:
            r['proc'].kill()
    for t in threads:
        t.join()

    ok = 0
    with open(out_dir + '/results.txt', 'w') as f:
        for r in runs:
            good = r['rc'] == 0 and r['out'] == r['expected']
            ok += good
            f.write('container %d image %d: %s, rc %d, first output %.3f s, exit %.3f s\n'
                    % (r['c'], r['image'], 'right' if good else 'WRONG', r['rc'], r['first'] - r['start'],
                       r['end'] - r['start']))
            if not good:
                msg = 'container %d (image %d): rc %d\n--- expected\n%s--- got\n%s--- stderr\n%s' % (
                    r['c'], r['image'], r['rc'], r['expected'], r['out'], r['err'])
                f.write(msg)
                print(msg, file=sys.stderr)
    lat = sorted(r['first'] - r['start'] for r in runs)
    wall = max(r['end'] for r in runs) - min(r['start'] for r in runs)
    print('result ok=%d of=%d wall_s=%.2f p50_s=%.2f p95_s=%.2f max_s=%.2f'
          % (ok, len(runs), wall, statistics.median(lat), lat[math.ceil(0.95 * len(lat)) - 1], lat[-1]))


if __name__ == '__main__':
    main()
