package main

import (
	"archive/tar"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"time"
)

// makeTar writes the synthetic layer: every entry type the format must carry, in one tar format.
// Contents are deterministic so that listings are stable across runs.
func makeTar(file, format string) error {
	var tf tar.Format
	switch format {
	case "ustar":
		tf = tar.FormatUSTAR
	case "pax":
		tf = tar.FormatPAX
	case "gnu":
		tf = tar.FormatGNU
	default:
		return fmt.Errorf("unknown tar format %q", format)
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	defer out.Close()
	tw := tar.NewWriter(out)
	mtime := time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
	rnd := rand.New(rand.NewSource(42))
	random := func(n int) []byte { b := make([]byte, n); rnd.Read(b); return b }
	longDir := "long/" + strings.Repeat("d", 60) + "/" + strings.Repeat("e", 50)
	longFile := longDir + "/" + strings.Repeat("f", 90)

	type ent struct {
		h    tar.Header
		body []byte
	}
	root := func(h tar.Header) tar.Header {
		h.ModTime, h.Format = mtime, tf
		if h.Uname == "" && h.Uid == 0 {
			h.Uname = "root"
		}
		if h.Gname == "" && h.Gid == 0 {
			h.Gname = "root"
		}
		return h
	}
	dir := func(name string, mode int64) ent {
		return ent{h: root(tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode})}
	}
	reg := func(name string, mode int64, body []byte) ent {
		return ent{h: root(tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}), body: body}
	}
	entries := []ent{
		dir("./", 0755),
		dir("bin/", 0755),
		reg("bin/busybox", 0755, random(200000)), // several chunks with a 64 KiB chunk size
		reg("bin/exact", 0755, random(131072)),   // exactly two 64 KiB chunks: the chunkSize edge case
		reg("bin/su", 04755, []byte("setuid\n")),
		reg("bin/wall", 02755, []byte("setgid\n")),
		{h: root(tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/sh", Linkname: "busybox", Mode: 0777})},
		{h: root(tar.Header{Typeflag: tar.TypeLink, Name: "bin/ash", Linkname: "bin/busybox", Mode: 0755})},
		dir("etc/", 0755),
		reg("etc/hostname", 0644, []byte("estargz\n")),
		reg("etc/empty", 0644, nil),
		{h: root(tar.Header{Typeflag: tar.TypeSymlink, Name: "etc/localtime", Linkname: "/usr/share/zoneinfo/UTC", Mode: 0777})},
		{h: root(tar.Header{Typeflag: tar.TypeLink, Name: "etc/hostname.hard", Linkname: "etc/hostname"})},
		dir("dev/", 0755),
		{h: root(tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0666, Devmajor: 1, Devminor: 3})},
		{h: root(tar.Header{Typeflag: tar.TypeBlock, Name: "dev/sda", Mode: 0660, Devmajor: 8, Devminor: 0, Gid: 6, Gname: "disk"})},
		{h: root(tar.Header{Typeflag: tar.TypeFifo, Name: "dev/initctl", Mode: 0600})},
		dir("tmp/", 01777),
		dir("home/", 0755),
		{h: root(tar.Header{Typeflag: tar.TypeDir, Name: "home/alice/", Mode: 0700, Uid: 1000, Gid: 100, Uname: "alice", Gname: "users"})},
		{h: root(tar.Header{Typeflag: tar.TypeReg, Name: "home/alice/notes.txt", Mode: 0600, Uid: 1000, Gid: 100, Uname: "alice", Gname: "users", Size: 6}), body: []byte("notes\n")},
		{h: root(tar.Header{Typeflag: tar.TypeReg, Name: "home/alice/www.txt", Mode: 0640, Uid: 33, Gid: 33, Uname: "www-data", Gname: "www-data", Size: 4}), body: []byte("www\n")},
		{h: root(tar.Header{Typeflag: tar.TypeReg, Name: "home/alice/mixed.txt", Mode: 0640, Uid: 1000, Gid: 33, Uname: "alice", Gname: "www-data", Size: 6}), body: []byte("mixed\n")},
		dir("var/", 0755),
		reg("var/.wh.removed", 0, nil),
		dir("opt/", 0755),
		reg("opt/.wh..wh..opq", 0, nil),
		reg("data/zeros", 0644, make([]byte, 100000)),
		dir(longDir+"/", 0755),
		reg(longFile, 0644, []byte("a long name\n")),
		reg("implicit/parent/file", 0644, []byte("parents are not in the tar\n")),
	}
	if tf != tar.FormatUSTAR {
		// Targets longer than 100 bytes need PAX linkpath or a GNU 'K' record.
		entries = append(entries, ent{h: root(tar.Header{Typeflag: tar.TypeSymlink, Name: "long/link", Linkname: "/" + longFile, Mode: 0777})})
	}
	if tf == tar.FormatPAX {
		entries = append(entries,
			ent{h: withXattrs(reg("etc/xattrs", 0644, []byte("xattrs\n")).h, map[string]string{
				"user.comment":        "hello",
				"security.capability": string([]byte{0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x80}), // not UTF-8
				"user.empty":          "",
			}), body: []byte("xattrs\n")},
			ent{h: withXattrs(dir("opt/opaque/", 0755).h, map[string]string{"trusted.overlay.opaque": "y"})},
		)
		frac := reg("etc/subsecond", 0644, []byte("time\n"))
		frac.h.ModTime = mtime.Add(700 * time.Millisecond) // rounds up to the next second
		entries = append(entries, frac)
	}
	for _, e := range entries {
		if err := tw.WriteHeader(&e.h); err != nil {
			return fmt.Errorf("%s: %w", e.h.Name, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return out.Close()
}

func withXattrs(h tar.Header, x map[string]string) tar.Header {
	h.PAXRecords = map[string]string{}
	for k, v := range x {
		h.PAXRecords["SCHILY.xattr."+k] = v
	}
	return h
}
