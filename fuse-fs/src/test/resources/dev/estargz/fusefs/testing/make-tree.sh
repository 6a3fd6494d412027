#!/bin/bash
# Writes a tree holding every entry type a layer can carry into $1 (run as root: owners, devices, trusted xattrs).
# $2 = size of the sparse-looking all-zero file (e.g. 200M; 0 to leave it out).
set -euo pipefail
root=${1:?usage: $0 DIR HUGE_SIZE}
huge=${2:-0}
mkdir -p "$root"
cd "$root"
mkdir -p dir/sub/deeper empty-dir private sticky setgid
chmod 0700 private
chmod 1777 sticky
chmod 2775 setgid
: > dir/empty
echo hello > dir/hello.txt
head -c 300000 /dev/urandom > dir/multi-chunk.bin          # several 64 KiB chunks
head -c 131072 /dev/urandom > dir/exact-chunks.bin          # exactly two chunks
head -c 5000 /dev/urandom > dir/sub/deeper/small.bin
printf 'x%.0s' $(seq 1 70000) > dir/sub/compressible.txt
ln -s hello.txt dir/rel-link
ln -s /etc/passwd dir/abs-link
ln -s does/not/exist dir/dangling
ln dir/hello.txt dir/hard1
ln dir/hello.txt dir/sub/hard2
mknod dir/null c 1 3
mknod dir/loop7 b 7 0
mknod dir/bigdev c 300 70000
mkfifo dir/fifo
install -m 04755 /dev/null dir/setuid-bin
echo secret > private/key
chmod 0600 private/key
chown 1000:1000 dir/hello.txt
chown 65534:65534 dir/sub
chown -h 4242:4343 dir/rel-link
long=$(printf 'n%.0s' $(seq 1 200))
echo long > "dir/$long"
deep=dir/sub/$(printf 'a%.0s' $(seq 1 60))/$(printf 'b%.0s' $(seq 1 60))
mkdir -p "$deep"
echo deep > "$deep/file"
echo unicode > "dir/ünïcødé 文件.txt"
echo spaces > "dir/with space"
setfattr -n user.comment -v "a comment" dir/hello.txt
setfattr -n user.binary -v 0x80ff10 dir/multi-chunk.bin   # not UTF-8 (GNU tar cannot restore NUL bytes)
setfattr -n trusted.overlay.test -v y dir/sub
setfattr -n user.dir -v on empty-dir
if [ "$huge" != 0 ]; then
    truncate -s "$huge" dir/huge-zeros.img
    printf 'tail' >> dir/huge-zeros.img
fi
find . -depth -exec touch -h -d @1700000000 {} +
touch -h -d @1600000000 dir/hello.txt dir/rel-link
touch -d @1500000000 dir/sub/deeper
