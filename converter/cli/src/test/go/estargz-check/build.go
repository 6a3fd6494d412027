package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/containerd/stargz-snapshotter/estargz"
)

// build converts IN with the reference writer, so that our reader can be tested against the
// reference's output without a containerd; prints "tocDigest diffID" on stdout.
func build(in, out string, chunkSize, level int, prioritized string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	opts := []estargz.Option{estargz.WithCompressionLevel(level)}
	if chunkSize > 0 {
		opts = append(opts, estargz.WithChunkSize(chunkSize))
	}
	if prioritized != "" {
		opts = append(opts, estargz.WithPrioritizedFiles(strings.Split(prioritized, ",")), estargz.WithAllowPrioritizeNotFound(nil))
	}
	blob, err := estargz.Build(io.NewSectionReader(f, 0, st.Size()), opts...)
	if err != nil {
		return fmt.Errorf("estargz.Build: %w", err)
	}
	defer blob.Close()
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, blob); err != nil {
		o.Close()
		return err
	}
	if err := o.Close(); err != nil {
		return err
	}
	fmt.Println(blob.TOCDigest(), blob.DiffID())
	return nil
}
