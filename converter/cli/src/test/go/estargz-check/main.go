// estargz-check is the interop oracle of our test suite. It is built against Debian's copy of the
// reference library (github.com/containerd/stargz-snapshotter/estargz, v0.12.0) so that the
// reference's own reader judges the blobs our Java converter writes.
//
//	estargz-check blob [-toc-digest D] FILE   open with estargz.Open, VerifyTOC, verify every chunk,
//	                                           read every file, print the tree as canonical JSON lines
//	estargz-check zstdchunked [-toc-digest D] FILE
//	                                           open a zstd:chunked blob with the reference zstdchunked decompressor,
//	                                           VerifyTOC, verify every chunk; print "files chunks"
//	estargz-check tar FILE                     print the same canonical listing for a tar (plain or gzip,
//	                                           multi-member gzip included, so an eStargz blob works too)
//	estargz-check mktar -format F FILE         write the synthetic tar with every entry type (F = ustar|pax|gnu)
//	estargz-check build [-chunk-size N] [-level L] [-prioritized a,b] IN OUT
//	                                           convert with the reference writer (estargz.Build), print the TOC digest
//
// Canonical listing: one JSON object per path (sorted by path, root is ""), with the tree rules of the
// reference reader: names cleaned, implicit parent directories are 0755 root-owned dirs, a hardlink is
// listed with its target's metadata and "hardlinkTo", nlink counts names (dirs: 2 + subdirectories;
// root: 0, because the reference counts an explicit and an implicit root differently).
// Errors go to stderr with exit status 1.
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/containerd/stargz-snapshotter/estargz"
	digest "github.com/opencontainers/go-digest"
)

// record is one line of the canonical listing.
type record struct {
	Path       string            `json:"path"`
	Type       string            `json:"type"`
	Mode       int64             `json:"mode"`
	UID        int               `json:"uid"`
	GID        int               `json:"gid"`
	Uname      string            `json:"uname"`
	Gname      string            `json:"gname"`
	Mtime      int64             `json:"mtime"`
	LinkName   string            `json:"linkName"`
	HardlinkTo string            `json:"hardlinkTo"`
	DevMajor   int64             `json:"devMajor"`
	DevMinor   int64             `json:"devMinor"`
	Xattrs     map[string]string `json:"xattrs"`
	Size       int64             `json:"size"`
	Sha256     string            `json:"sha256"`
	Nlink      int               `json:"nlink"`
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: estargz-check blob|tar|mktar ..."))
	}
	var err error
	switch os.Args[1] {
	case "blob":
		fs := flag.NewFlagSet("blob", flag.ExitOnError)
		tocDigest := fs.String("toc-digest", "", "expected TOC digest (default: the blob's own)")
		fs.Parse(os.Args[2:])
		err = listBlob(fs.Arg(0), *tocDigest)
	case "zstdchunked":
		fs := flag.NewFlagSet("zstdchunked", flag.ExitOnError)
		tocDigest := fs.String("toc-digest", "", "expected TOC digest (default: the blob's own)")
		fs.Parse(os.Args[2:])
		err = checkZstdChunked(fs.Arg(0), *tocDigest)
	case "tar":
		err = listTar(os.Args[2])
	case "mktar":
		fs := flag.NewFlagSet("mktar", flag.ExitOnError)
		format := fs.String("format", "pax", "ustar, pax or gnu")
		fs.Parse(os.Args[2:])
		err = makeTar(fs.Arg(0), *format)
	case "build":
		fs := flag.NewFlagSet("build", flag.ExitOnError)
		chunkSize := fs.Int("chunk-size", 0, "chunk size (0: the reference default)")
		level := fs.Int("level", gzip.BestCompression, "gzip level")
		prioritized := fs.String("prioritized", "", "comma-separated prioritized files")
		fs.Parse(os.Args[2:])
		err = build(fs.Arg(0), fs.Arg(1), *chunkSize, *level, *prioritized)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "estargz-check:", err)
	os.Exit(1)
}

func print(recs map[string]*record) error {
	paths := make([]string, 0, len(recs))
	for p := range recs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, p := range paths {
		if err := enc.Encode(recs[p]); err != nil {
			return err
		}
	}
	return w.Flush()
}

func cleanName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// ---------------------------------------------------------------- blob mode

func listBlob(file, wantTOC string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	sr := io.NewSectionReader(f, 0, st.Size())
	r, err := estargz.Open(sr)
	if err != nil {
		return fmt.Errorf("estargz.Open: %w", err)
	}
	d := r.TOCDigest()
	if wantTOC != "" {
		d, err = digest.Parse(wantTOC)
		if err != nil {
			return err
		}
	}
	verifier, err := r.VerifyTOC(d)
	if err != nil {
		return fmt.Errorf("VerifyTOC: %w", err)
	}
	names, err := ownerNames(sr)
	if err != nil {
		return err
	}
	root, ok := r.Lookup("")
	if !ok {
		return errors.New("no root directory")
	}
	recs := map[string]*record{}
	chunks := 0
	var walk func(p string, e *estargz.TOCEntry) error
	walk = func(p string, e *estargz.TOCEntry) error {
		rec := &record{
			Path: p, Type: e.Type, Mode: e.Mode & 07777, UID: e.UID, GID: e.GID,
			Mtime: unixOrZero(e.ModTime()), LinkName: e.LinkName, Nlink: e.NumLink,
			Xattrs: map[string]string{},
		}
		if p == "" {
			rec.Nlink = 0
		}
		// The v0.12 reader back-fills Gname from the *user* name map (estargz.go initFields), so names
		// come from our own reading of the TOC JSON instead.
		if n, ok := names[e.Name]; ok {
			rec.Uname, rec.Gname = n[0], n[1]
		}
		if e.Name != p && p != "" {
			rec.HardlinkTo = e.Name
		}
		if e.Type == "char" || e.Type == "block" {
			rec.DevMajor, rec.DevMinor = int64(e.DevMajor), int64(e.DevMinor)
		}
		for k, v := range e.Xattrs {
			rec.Xattrs[k] = base64.StdEncoding.EncodeToString(v)
		}
		if e.Type == "reg" {
			rec.Size = e.Size
			// Chunks are indexed by the name that holds the payload, not by a hardlink's name.
			sum, n, err := readAndVerify(r, verifier, e.Name, e)
			if err != nil {
				return err
			}
			rec.Sha256 = sum
			chunks += n
		}
		recs[p] = rec
		var err error
		e.ForeachChild(func(base string, child *estargz.TOCEntry) bool {
			cp := base
			if p != "" {
				cp = p + "/" + base
			}
			err = walk(cp, child)
			return err == nil
		})
		return err
	}
	if err := walk("", root); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "estargz-check: %s: TOC %s verified, %d paths, %d chunks verified\n", file, d, len(recs), chunks)
	return print(recs)
}

// readAndVerify reads the file chunk by chunk as the snapshotter does, checks each chunk against its
// chunkDigest through the TOC verifier, and checks the whole payload against the entry's digest.
func readAndVerify(r *estargz.Reader, v estargz.TOCEntryVerifier, p string, e *estargz.TOCEntry) (string, int, error) {
	fr, err := r.OpenFile(p)
	if err != nil {
		return "", 0, fmt.Errorf("OpenFile(%q): %w", p, err)
	}
	whole := sha256.New()
	n := 0
	for off := int64(0); off < e.Size; {
		ce, ok := r.ChunkEntryForOffset(p, off)
		if !ok {
			return "", 0, fmt.Errorf("%q: no chunk for offset %d", p, off)
		}
		if ce.ChunkOffset != off || ce.ChunkSize <= 0 {
			return "", 0, fmt.Errorf("%q: chunk at offset %d starts at %d with size %d", p, off, ce.ChunkOffset, ce.ChunkSize)
		}
		buf := make([]byte, ce.ChunkSize)
		if _, err := fr.ReadAt(buf, ce.ChunkOffset); err != nil && !(errors.Is(err, io.EOF) && ce.ChunkOffset+ce.ChunkSize == e.Size) {
			return "", 0, fmt.Errorf("%q: reading chunk at %d: %w", p, off, err)
		}
		cv, err := v.Verifier(ce)
		if err != nil {
			return "", 0, fmt.Errorf("%q: chunk at %d: %w", p, off, err)
		}
		cv.Write(buf)
		if !cv.Verified() {
			return "", 0, fmt.Errorf("%q: chunk at offset %d (blob offset %d) does not match its chunkDigest", p, off, ce.Offset)
		}
		whole.Write(buf)
		off += ce.ChunkSize
		n++
	}
	sum := "sha256:" + hex.EncodeToString(whole.Sum(nil))
	if e.Digest != "" && e.Digest != sum {
		return "", 0, fmt.Errorf("%q: content %s does not match TOC digest %s", p, sum, e.Digest)
	}
	return sum, n, nil
}

// ownerNames decodes the TOC JSON itself and back-fills userName/groupName per uid/gid as the format
// specifies (names are written only when they change).
func ownerNames(sr *io.SectionReader) (map[string][2]string, error) {
	tocOff, footerSize, err := estargz.OpenFooter(sr)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(io.NewSectionReader(sr, tocOff, sr.Size()-tocOff-footerSize))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	if _, err := tr.Next(); err != nil {
		return nil, err
	}
	var toc estargz.JTOC
	if err := json.NewDecoder(tr).Decode(&toc); err != nil {
		return nil, err
	}
	users, groups := map[int]string{}, map[int]string{}
	out := map[string][2]string{}
	for _, e := range toc.Entries {
		if e.Type == "chunk" {
			continue
		}
		if e.Uname != "" {
			users[e.UID] = e.Uname
		}
		if e.Gname != "" {
			groups[e.GID] = e.Gname
		}
		out[cleanName(e.Name)] = [2]string{users[e.UID], groups[e.GID]}
	}
	return out, nil
}

// ---------------------------------------------------------------- tar mode

func listTar(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		in = zr
	}
	tr := tar.NewReader(in)
	recs := map[string]*record{}
	links := map[string]string{} // hardlink path -> target path
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		p := cleanName(h.Name)
		rec := &record{
			Path: p, Mode: h.Mode & 07777, UID: h.Uid, GID: h.Gid, Uname: h.Uname, Gname: h.Gname,
			Mtime: unixOrZero(roundSecond(h.ModTime)), Nlink: 1, Xattrs: map[string]string{},
		}
		for k, v := range h.PAXRecords {
			if strings.HasPrefix(k, "SCHILY.xattr.") {
				rec.Xattrs[strings.TrimPrefix(k, "SCHILY.xattr.")] = base64.StdEncoding.EncodeToString([]byte(v))
			}
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			rec.Type = "reg"
			rec.Size = h.Size
			sum := sha256.New()
			if _, err := io.Copy(sum, tr); err != nil {
				return err
			}
			rec.Sha256 = "sha256:" + hex.EncodeToString(sum.Sum(nil))
		case tar.TypeLink:
			links[p] = cleanName(h.Linkname)
			continue
		case tar.TypeSymlink:
			rec.Type, rec.LinkName = "symlink", h.Linkname
		case tar.TypeChar, tar.TypeBlock:
			rec.Type = map[byte]string{tar.TypeChar: "char", tar.TypeBlock: "block"}[h.Typeflag]
			rec.DevMajor, rec.DevMinor = h.Devmajor, h.Devminor
		case tar.TypeDir:
			rec.Type = "dir"
		case tar.TypeFifo:
			rec.Type = "fifo"
		default:
			return fmt.Errorf("%q: unsupported tar type %q", h.Name, h.Typeflag)
		}
		recs[p] = rec
	}
	resolved := map[string]string{}
	for p, target := range links {
		t := target
		for i := 0; i < 64; i++ { // hardlinks to hardlinks resolve to the final target
			if next, ok := links[t]; ok {
				t = next
			}
		}
		if _, ok := recs[t]; !ok {
			return fmt.Errorf("hardlink %q points to missing %q", p, target)
		}
		resolved[p] = t
		recs[t].Nlink++
	}
	for p, t := range resolved {
		cp := *recs[t]
		cp.Path, cp.HardlinkTo = p, t
		recs[p] = &cp
	}
	addImplicitDirs(recs)
	return print(recs)
}

func roundSecond(t time.Time) time.Time {
	if t.IsZero() || t.Unix() == 0 {
		return time.Time{}
	}
	return t.Round(time.Second)
}

// addImplicitDirs creates missing parents as the reference reader does and sets dir link counts.
func addImplicitDirs(recs map[string]*record) {
	paths := make([]string, 0, len(recs))
	for p := range recs {
		paths = append(paths, p)
	}
	for _, p := range paths {
		for d := parent(p); ; d = parent(d) {
			if _, ok := recs[d]; !ok {
				recs[d] = &record{Path: d, Type: "dir", Mode: 0755, Xattrs: map[string]string{}}
			}
			if d == "" {
				break
			}
		}
	}
	for _, r := range recs {
		if r.Type == "dir" && r.HardlinkTo == "" {
			r.Nlink = 2
		}
	}
	for p, r := range recs {
		if r.Type == "dir" && p != "" && r.HardlinkTo == "" {
			recs[parent(p)].Nlink++
		}
	}
	recs[""].Nlink = 0
}

func parent(p string) string {
	if p == "" {
		return ""
	}
	d, _ := path.Split(p)
	return strings.TrimSuffix(d, "/")
}
