package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate regenerates every package in memory from the installed botocore
// and fails when a file on disk differs: the model moved on (a new botocore) or the
// generator changed without `go generate ./internal/aws`.
func TestGeneratedUpToDate(t *testing.T) {
	bc, err := findBotocore()
	if err != nil {
		t.Skipf("botocore is not installed, so the generated shapes cannot be checked: %v", err)
	}
	for _, s := range services {
		t.Run(s.pkg, func(t *testing.T) {
			want, err := generate(bc, s.pkg, s.model)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", s.pkg, "shapes.go")
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale against botocore %s: run `go generate ./internal/aws`", path, bc.version)
			}
		})
	}
}
