package main

import (
	"fmt"
	"io"
	"os"

	"github.com/containerd/stargz-snapshotter/estargz"
	"github.com/containerd/stargz-snapshotter/estargz/zstdchunked"
	digest "github.com/opencontainers/go-digest"
)

// checkZstdChunked opens a zstd:chunked blob with the reference reader and its zstdchunked decompressor,
// verifies the TOC against wantTOC and every chunk of every regular file, and prints "files chunks".
func checkZstdChunked(file, wantTOC string) error {
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
	r, err := estargz.Open(sr, estargz.WithDecompressors(new(zstdchunked.Decompressor)))
	if err != nil {
		return fmt.Errorf("estargz.Open (zstdchunked): %w", err)
	}
	d := r.TOCDigest()
	if wantTOC != "" {
		if d, err = digest.Parse(wantTOC); err != nil {
			return err
		}
	}
	verifier, err := r.VerifyTOC(d)
	if err != nil {
		return fmt.Errorf("VerifyTOC: %w", err)
	}
	root, ok := r.Lookup("")
	if !ok {
		return fmt.Errorf("no root directory")
	}
	files, chunks := 0, 0
	var walk func(e *estargz.TOCEntry) error
	walk = func(e *estargz.TOCEntry) error {
		if e.Type == "reg" {
			files++
			_, n, err := readAndVerify(r, verifier, e.Name, e)
			if err != nil {
				return err
			}
			chunks += n
		}
		var werr error
		e.ForeachChild(func(_ string, c *estargz.TOCEntry) bool {
			if c.Type == "hardlink" {
				return true
			}
			werr = walk(c)
			return werr == nil
		})
		return werr
	}
	if err := walk(root); err != nil {
		return err
	}
	fmt.Printf("%d %d\n", files, chunks)
	return nil
}
