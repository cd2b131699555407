package dataplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"vpcd/internal/plan"
)

// Customer sites (`vpcd site add`) are local test and demo fixtures, not AWS resources:
// each is a file DATA_DIR/sites/NAME.json, which the data plane reads at each full
// reconcile (every few seconds) and lays out on the simulated internet (plan.Site).

func sitesDir(dataDir string) string { return filepath.Join(dataDir, "sites") }

// readSites reads the sites of the data directory; one that cannot be read is logged
// and left out.
func readSites(dataDir string, log *slog.Logger) []plan.Site {
	entries, err := os.ReadDir(sitesDir(dataDir))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Error("sites", "err", err)
		}
		return nil
	}
	var out []plan.Site
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(sitesDir(dataDir), e.Name()))
		var s plan.Site
		if err == nil {
			err = json.Unmarshal(b, &s)
		}
		if err != nil {
			log.Error("site", "file", e.Name(), "err", err)
			continue
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AddSite records a site in the data directory, for the data plane of the vpcd that
// serves it to lay out.
func AddSite(dataDir string, s plan.Site) error {
	if err := checkSiteName(s.Name); err != nil {
		return err
	}
	if !s.PublicIP.Is4() {
		return fmt.Errorf("site %s: --public-ip must be an IPv4 address", s.Name)
	}
	if s.LAN.IsValid() && (!s.LAN.Addr().Is4() || s.LAN.Bits() > 30) {
		return fmt.Errorf("site %s: --lan must be an IPv4 block of at least 4 addresses", s.Name)
	}
	for _, other := range readSites(dataDir, slog.New(slog.DiscardHandler)) {
		if other.Name != s.Name && other.PublicIP == s.PublicIP {
			return fmt.Errorf("site %s: %s is the address of site %s", s.Name, s.PublicIP, other.Name)
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeReplacing(filepath.Join(sitesDir(dataDir), s.Name+".json"), b)
}

// DelSite removes a site from the data directory; the data plane removes its namespaces.
func DelSite(dataDir, name string) error {
	if err := checkSiteName(name); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(sitesDir(dataDir), name+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no site %s", name)
	}
	return err
}

// checkSiteName keeps a site's name to what names its namespace and file safely.
func checkSiteName(name string) error {
	if name == "" || len(name) > 40 {
		return fmt.Errorf("site name %q: 1 to 40 letters, digits or '-'", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("site name %q: 1 to 40 letters, digits or '-'", name)
		}
	}
	return nil
}
