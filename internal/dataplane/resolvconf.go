package dataplane

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"vpcd/internal/model"
	"vpcd/internal/plan"
)

// resolvConfs gives each running instance the DNS settings of its VPC's DHCP option set,
// as /etc/netns/INSTANCE_ID/resolv.conf: the file that `ip netns exec` and `vpcd exec`
// show the instance as /etc/resolv.conf. A file per instance under DATA_DIR/resolv marks
// the ones this vpcd wrote, so that it removes only its own when an instance stops.
type resolvConfs struct {
	etc   string // /etc/netns
	marks string // DATA_DIR/resolv
	log   *slog.Logger
	// internet is the simulated internet's namespace, whose processes ask its own
	// resolver (internetdns.go); "" for none.
	internet string
	// written is what each file was last seen to hold, by instance: a partial sync trusts
	// it, so that a change costs no read of 500 files; a full sync reads the files.
	written map[string][]byte
}

func newResolvConfs(etcNetns, dataDir string, log *slog.Logger) *resolvConfs {
	return &resolvConfs{etc: etcNetns, marks: filepath.Join(dataDir, "resolv"), log: log, written: map[string][]byte{}}
}

// resolvConf is what an instance of the VPC reads from DHCP, written as resolv.conf: the
// search domains of domain-name and the name servers of domain-name-servers, where
// AmazonProvidedDNS is the VPC's base address + 2, or, for an instance in an IPv6-only
// subnet (which has DHCPv6 alone), fd00:ec2::253. A VPC without options gets nothing.
func resolvConf(n *model.Network, vpc *model.VPC, ipv6Only bool) []byte {
	opts := n.DhcpOptions[vpc.DhcpOptions]
	if opts == nil {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# DHCP options %s of %s\n", opts.ID, vpc.ID)
	var domains []string
	for _, d := range opts.DomainName {
		domains = append(domains, strings.Fields(d)...)
	}
	if len(domains) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(domains, " "))
	}
	for _, ns := range opts.DomainNameServers {
		if ns == "AmazonProvidedDNS" {
			switch {
			case ipv6Only:
				ns = model.AmazonDNS6.String()
			case len(vpc.CIDRs) == 0 || !vpc.CIDRs[0].Addr().Is4():
				continue
			default:
				ns = vpc.CIDRs[0].Masked().Addr().Next().Next().String()
			}
		}
		fmt.Fprintf(&b, "nameserver %s\n", ns)
	}
	return b.Bytes()
}

// internetResolvConf sends the simulated internet's processes to its own resolver.
var internetResolvConf = []byte("# the simulated internet's resolver\nnameserver " + plan.InternetHost.String() + "\nnameserver " + plan.InternetHost6.String() + "\n")

// sync writes the resolv.conf of every running instance whose file is missing or stale and
// removes those of instances that no longer run. A full sync reads every file back and
// lists the marks, which repairs a file changed by hand and removes what a vpcd stopped
// before it could; a partial one goes by what this vpcd wrote.
func (r *resolvConfs) sync(n *model.Network, full bool) {
	running := map[string]bool{}
	type kind struct {
		vpc      string
		ipv6Only bool
	}
	byKind := map[kind][]byte{}
	for _, id := range model.SortedKeys(n.Instances) {
		inst := n.Instances[id]
		vpc := n.VPCs[inst.VPC]
		if !inst.Running || vpc == nil {
			continue
		}
		running[id] = true
		sub := n.Subnets[inst.Subnet]
		k := kind{vpc.ID, sub != nil && !sub.CIDR.IsValid()}
		content, ok := byKind[k]
		if !ok {
			content = resolvConf(n, vpc, k.ipv6Only)
			byKind[k] = content
		}
		r.ensure(id, content, full)
	}
	if r.internet != "" {
		if _, err := os.Stat(filepath.Join("/run/netns", r.internet)); err == nil {
			running[r.internet] = true
			r.ensure(r.internet, internetResolvConf, full)
		}
	}
	var marked []string
	if full {
		entries, _ := os.ReadDir(r.marks)
		for _, e := range entries {
			marked = append(marked, e.Name())
		}
	} else {
		marked = model.SortedKeys(r.written)
	}
	for _, id := range marked {
		if !running[id] {
			r.remove(id)
		}
	}
}

// ensure writes the namespace's file unless this vpcd wrote it with content already (a
// full sync reads it back).
func (r *resolvConfs) ensure(id string, content []byte, full bool) {
	if have, ok := r.written[id]; ok && !full && bytes.Equal(have, content) {
		return
	}
	if err := r.write(id, content); err != nil {
		r.log.Error("write resolv.conf", "namespace", id, "err", err)
		delete(r.written, id)
		return
	}
	r.written[id] = content
}

func (r *resolvConfs) write(id string, content []byte) error {
	dir := filepath.Join(r.etc, id)
	path := filepath.Join(dir, "resolv.conf")
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, content) {
		return nil
	}
	// Mark before writing: a crash in between leaves a mark, never an orphan file.
	if err := os.MkdirAll(r.marks, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.marks, id), nil, 0o600); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Replace, never truncate: a reader in the instance sees the old file or the new one.
	tmp := path + ".vpcd"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// remove deletes an instance's resolv.conf and its directory if nothing else is there.
func (r *resolvConfs) remove(id string) {
	delete(r.written, id)
	dir := filepath.Join(r.etc, id)
	os.Remove(filepath.Join(dir, "resolv.conf"))
	os.Remove(filepath.Join(dir, "resolv.conf.vpcd"))
	os.Remove(dir) // fails, and so stays, when someone else put files there
	os.Remove(filepath.Join(r.marks, id))
	os.Remove(r.etc) // /etc/netns itself, when this vpcd made it and nothing is left
}

// removeAll deletes every resolv.conf this vpcd wrote.
func (r *resolvConfs) removeAll() {
	entries, _ := os.ReadDir(r.marks)
	for _, e := range entries {
		r.remove(e.Name())
	}
}
