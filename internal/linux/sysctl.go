package linux

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Sysctls are written through /proc/sys from a thread that has entered the namespace: the
// kernel resolves /proc/sys/net against the network namespace of the thread that opens the
// file, not the one that mounted /proc, so no private /proc mount or re-exec is needed
// (TestSysctlPerNamespace checks it).

// sysctlPath turns "net.ipv4.ip_forward" into /proc/sys/net/ipv4/ip_forward.
func sysctlPath(key string) string {
	return filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
}

// linkSysctlKey turns a per-interface key of plan.Link into a sysctl key: "proxy_arp" is
// net.ipv4.conf.IF.proxy_arp, "ipv6.disable_ipv6" is net.ipv6.conf.IF.disable_ipv6.
func linkSysctlKey(ifname, key string) (string, error) {
	family, name, ok := strings.Cut(key, ".")
	if !ok {
		family, name = "ipv4", key
	}
	if family != "ipv4" && family != "ipv6" || name == "" || strings.Contains(name, ".") {
		return "", fmt.Errorf("link %s: bad sysctl key %q", ifname, key)
	}
	// The interface name is one path element even if it contains a dot.
	return "net/" + family + "/conf/" + ifname + "/" + name, nil
}

// setSysctls writes each key whose value differs, from inside the namespace the calling
// thread is in, and returns what it changed. Keys are either dotted ("net.ipv4.ip_forward")
// or already a path under /proc/sys (containing a slash).
func setSysctls(values map[string]string) ([]string, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var changed []string
	for _, k := range keys {
		path := sysctlPath(k)
		if strings.Contains(k, "/") {
			path = filepath.Join("/proc/sys", k)
		}
		want := strings.Join(strings.Fields(values[k]), " ")
		got, err := os.ReadFile(path)
		if err != nil {
			return changed, fmt.Errorf("sysctl %s: %w", k, err)
		}
		if strings.Join(strings.Fields(string(got)), " ") == want {
			continue
		}
		if err := os.WriteFile(path, []byte(want+"\n"), 0o644); err != nil {
			return changed, fmt.Errorf("sysctl %s=%s: %w", k, want, err)
		}
		changed = append(changed, k+"="+want)
	}
	return changed, nil
}
