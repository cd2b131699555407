package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedUpToDate regenerates the table from the module cache and fails when
// instancetypes_gen.go differs: the generator changed without `go generate
// ./internal/control/kit`. Without the source modules in the cache it skips, saying how
// to fetch them.
func TestGeneratedUpToDate(t *testing.T) {
	mc, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env GOMODCACHE: %v", err)
	}
	for _, m := range []string{infoModule, cniModule, karpModule} {
		path, version, _ := strings.Cut(m, "@")
		if _, err := os.Stat(filepath.Join(strings.TrimSpace(string(mc)), "cache", "download", escape(path), "@v", version+".zip")); err != nil {
			t.Skipf("%s is not in the module cache (go mod download -json %s)", m, m)
		}
	}
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "instancetypes_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("instancetypes_gen.go is stale: run `go generate ./internal/control/kit`")
	}
}
