package dataplane

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"vpcd/internal/plan"
)

// registry is the durable list of namespaces this vpcd made, in DATA_DIR/netns.json. The
// realizer deletes only namespaces in it, so that two vpcd on one host, or anything else
// that uses namespaces, are never touched.
type registry struct {
	path  string
	mu    sync.Mutex
	names map[string]bool
}

func openRegistry(dataDir string) (*registry, error) {
	r := &registry{path: filepath.Join(dataDir, "netns.json"), names: map[string]bool{}}
	raw, err := os.ReadFile(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		return nil, err
	}
	for _, n := range names {
		r.names[n] = true
	}
	return r, nil
}

// has is the realizer's ownership test: only names of the data plane's kinds that this
// vpcd recorded.
func (r *registry) has(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.names[name] && plan.Owned(name)
}

func (r *registry) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for n := range r.names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (r *registry) add(names ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, n := range names {
		if !r.names[n] {
			r.names[n] = true
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return r.save()
}

// keepOnly forgets the names not in keep: the realizer has removed them.
func (r *registry) keepOnly(keep []string) error {
	kept := make(map[string]bool, len(keep))
	for _, n := range keep {
		kept[n] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for n := range r.names {
		if !kept[n] {
			delete(r.names, n)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return r.save()
}

// remove forgets the names: the realizer has removed them.
func (r *registry) remove(names ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, n := range names {
		if r.names[n] {
			delete(r.names, n)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return r.save()
}

// save writes the registry durably: a new file, synced, renamed over the old one.
func (r *registry) save() error {
	var names []string
	for n := range r.names {
		names = append(names, n)
	}
	slices.Sort(names)
	raw, err := json.Marshal(names)
	if err != nil {
		return err
	}
	tmp := r.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, r.path)
}
