#!/usr/bin/env python3
"""Pushes N eStargz images that differ in their bottom layer: each is a small converted layer (the JSON line that
`estargz convert --json` printed for it) under all layers of an existing eStargz image, so every layer's chain ID
differs and a snapshotter has to mount every layer of every image. Blobs go straight to the registry's HTTP API.

usage: make-variant-images.py REGISTRY BASE_REPO:TAG DEST_REPO CONVERT_JSON_LINE...   (DEST_REPO:v1, :v2, ...)
"""
import hashlib
import json
import sys
import urllib.request

OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'


def get(url, accept=None):
    req = urllib.request.Request(url, headers={'Accept': accept} if accept else {})
    return urllib.request.urlopen(req).read()


def put_blob(reg, repo, data):
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    start = urllib.request.urlopen(urllib.request.Request('http://%s/v2/%s/blobs/uploads/' % (reg, repo),
                                                          method='POST', data=b''))
    location = start.headers['Location']
    if location.startswith('/'):
        location = 'http://' + reg + location
    sep = '&' if '?' in location else '?'
    urllib.request.urlopen(urllib.request.Request(location + sep + 'digest=' + digest, method='PUT', data=data,
                                                  headers={'Content-Type': 'application/octet-stream'}))
    return digest


def main():
    reg, base, dest, results = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    repo, tag = base.rsplit(':', 1)
    manifest = json.loads(get('http://%s/v2/%s/manifests/%s' % (reg, repo, tag), OCI_MANIFEST))
    config = json.loads(get('http://%s/v2/%s/blobs/%s' % (reg, repo, manifest['config']['digest'])))
    toc_key = next(k for k in manifest['layers'][0].get('annotations', {}) if k.endswith('toc.digest'))
    for i, line in enumerate(results, 1):
        r = json.loads(line)
        with open(r['output'], 'rb') as f:
            blob = f.read()
        layer = {'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': put_blob(reg, dest, blob),
                 'size': len(blob), 'annotations': {toc_key: r['tocDigest'],
                                                    'io.containers.estargz.uncompressed-size':
                                                        str(r['uncompressedSize'])}}
        # the base image's blobs are mounted into the destination repository, not uploaded again
        for l in manifest['layers']:
            urllib.request.urlopen(urllib.request.Request('http://%s/v2/%s/blobs/uploads/?mount=%s&from=%s'
                                                          % (reg, dest, l['digest'], repo), method='POST',
                                                          data=b''))
        cfg = dict(config, rootfs={'type': 'layers', 'diff_ids': [r['diffID']] + config['rootfs']['diff_ids']})
        cfg_bytes = json.dumps(cfg).encode()
        m = dict(manifest, config={'mediaType': manifest['config']['mediaType'],
                                   'digest': put_blob(reg, dest, cfg_bytes), 'size': len(cfg_bytes)},
                 layers=[layer] + manifest['layers'])
        urllib.request.urlopen(urllib.request.Request('http://%s/v2/%s/manifests/v%d' % (reg, dest, i),
                                                      method='PUT', data=json.dumps(m).encode(),
                                                      headers={'Content-Type': OCI_MANIFEST}))
        print('%s/%s:v%d' % (reg, dest, i))


if __name__ == '__main__':
    main()
