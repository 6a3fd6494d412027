#!/usr/bin/env python3
"""Writes the image the conversion benchmark converts as an OCI image layout: the given gzip layers in order.

usage: make-bench-image.py LAYOUT_DIR TAG LAYER.tar.gz...   (a generated text layer can be made with --gen OUT)
"""
import gzip
import hashlib
import json
import os
import random
import sys
import tarfile
import io


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return h.hexdigest()


def diff_id(path):
    h = hashlib.sha256()
    with gzip.open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return 'sha256:' + h.hexdigest()


def put_blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, 'blobs', 'sha256', d), 'wb') as f:
        f.write(data)
    return 'sha256:' + d


def generate(out):
    """A reproducible layer of 3000 small text files (about 30 MB of compressible text)."""
    rnd = random.Random(42)
    words = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rnd.randint(2, 9))) for _ in range(5000)]
    with gzip.open(out, 'wb', compresslevel=6) as gz:
        with tarfile.open(fileobj=gz, mode='w|', format=tarfile.PAX_FORMAT) as tar:
            for i in range(3000):
                text = ' '.join(rnd.choice(words) for _ in range(rnd.randint(200, 2500))).encode()
                info = tarfile.TarInfo('srv/app/doc%04d/page%d.txt' % (i // 100, i))
                info.size = len(text)
                info.mtime = 1700000000
                tar.addfile(info, io.BytesIO(text))


def main():
    if sys.argv[1] == '--gen':
        generate(sys.argv[2])
        return
    layout, tag, layers = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(os.path.join(layout, 'blobs', 'sha256'), exist_ok=True)
    descs, diff_ids = [], []
    for path in layers:
        d = sha256_file(path)
        target = os.path.join(layout, 'blobs', 'sha256', d)
        if not os.path.exists(target):
            os.link(path, target) if os.stat(path).st_dev == os.stat(layout).st_dev else \
                open(target, 'wb').write(open(path, 'rb').read())
        descs.append({'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': 'sha256:' + d,
                      'size': os.path.getsize(path)})
        diff_ids.append(diff_id(path))
    config = json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {'Cmd': ['/bin/sh']},
                         'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}).encode()
    manifest = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                           'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                                      'digest': put_blob(layout, config), 'size': len(config)},
                           'layers': descs}).encode()
    md = put_blob(layout, manifest)
    with open(os.path.join(layout, 'oci-layout'), 'w') as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(layout, 'index.json'), 'w') as f:
        json.dump({'schemaVersion': 2, 'manifests': [{
            'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': md, 'size': len(manifest),
            'annotations': {'org.opencontainers.image.ref.name': tag}}]}, f)


if __name__ == '__main__':
    main()
