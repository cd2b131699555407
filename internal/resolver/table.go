package resolver

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// table is a Config compiled for lookups: Records as one zone under the root, and each
// private hosted zone, the most specific first.
type table struct {
	base     *zone
	zones    []*zone
	upstream []string
	rules    []Rule // the longest domain first
	// dns64From are the sources whose AAAA queries get DNS64 (Config.DNS64).
	dns64From []netip.Prefix
}

// rule is the Resolver rule that decides name, nil for none: the rule of the longest
// domain the name is at or under, unless a private zone more specific than that domain
// holds the name (a rule and a zone of the same domain: the rule).
func (t *table) rule(name string) *Rule {
	lower := strings.TrimSuffix(strings.ToLower(name), ".")
	for i := range t.rules {
		d := t.rules[i].Domain
		if d != "" && lower != d && !strings.HasSuffix(lower, "."+d) {
			continue
		}
		if z := t.zoneFor(canonical(name)); z != t.base && dns.CountLabel(z.name) > dns.CountLabel(canonical(d)) {
			return nil
		}
		return &t.rules[i]
	}
	return nil
}

// zone holds record sets by lower-case owner name and type.
type zone struct {
	name   string // lower case, fully qualified
	sets   map[string]map[uint16][]dns.RR
	exists map[string]bool // every owner and every name between it and the apex
	soa    *dns.SOA        // the zone's own, for negative answers; nil for none
	wild   bool            // some owner is a wildcard
}

// compile turns a Config into a table; records it cannot read are logged and left out.
func compile(c *Config, log *slog.Logger) *table {
	t := &table{base: newZone("."), upstream: c.Upstream, rules: slices.Clone(c.Rules), dns64From: c.DNS64}
	slices.SortStableFunc(t.rules, func(a, b Rule) int { return len(b.Domain) - len(a.Domain) })
	t.base.addAll(c.Records, log)
	for _, zc := range c.Zones {
		z := newZone(canonical(zc.Name))
		z.addAll(zc.Records, log)
		t.zones = append(t.zones, z)
	}
	slices.SortStableFunc(t.zones, func(a, b *zone) int { return dns.CountLabel(b.name) - dns.CountLabel(a.name) })
	return t
}

func newZone(name string) *zone {
	return &zone{name: name, sets: map[string]map[uint16][]dns.RR{}, exists: map[string]bool{name: true}}
}

// canonical is a name as the tables key it: lower case, fully qualified, Route 53's
// octal \052 as the "*" it stands for.
func canonical(name string) string {
	return strings.ToLower(dns.Fqdn(strings.ReplaceAll(name, `\052`, "*")))
}

func (z *zone) addAll(records []Record, log *slog.Logger) {
	for _, r := range records {
		if err := z.add(r); err != nil {
			log.Warn("resolver: record left out", "zone", z.name, "name", r.Name, "type", r.Type, "err", err)
		}
	}
}

func (z *zone) add(r Record) error {
	owner := canonical(r.Name)
	if _, ok := dns.IsDomainName(owner); !ok || !dns.IsSubDomain(z.name, owner) {
		return fmt.Errorf("%q is not a name in %s", r.Name, z.name)
	}
	typ, ok := dns.StringToType[strings.ToUpper(r.Type)]
	if !ok || typ == dns.TypeOPT || typ == dns.TypeANY {
		return fmt.Errorf("unknown type %q", r.Type)
	}
	for _, v := range r.Values {
		rr, err := newRR(owner, uint32(max(r.TTL, 0)), typ, v)
		if err != nil {
			return err
		}
		if z.sets[owner] == nil {
			z.sets[owner] = map[uint16][]dns.RR{}
		}
		z.sets[owner][typ] = append(z.sets[owner][typ], rr)
		if soa, ok := rr.(*dns.SOA); ok && owner == z.name {
			z.soa = soa
		}
	}
	for n := owner; !z.exists[n]; n = parent(n) {
		z.exists[n] = true
	}
	z.wild = z.wild || strings.HasPrefix(owner, "*.")
	return nil
}

// newRR is a record from its value in zone-file form. The zone-file parser takes a tenth
// of a millisecond a record: the kinds every instance has (addresses, and names without
// escapes) are made directly.
func newRR(owner string, ttl uint32, typ uint16, value string) (dns.RR, error) {
	hdr := dns.RR_Header{Name: owner, Rrtype: typ, Class: dns.ClassINET, Ttl: ttl}
	switch a, err := netip.ParseAddr(value); {
	case typ == dns.TypeA && err == nil && a.Is4():
		return &dns.A{Hdr: hdr, A: a.AsSlice()}, nil
	case typ == dns.TypeAAAA && err == nil && a.Is6() && !a.Is4In6() && a.Zone() == "":
		return &dns.AAAA{Hdr: hdr, AAAA: a.AsSlice()}, nil
	case typ == dns.TypePTR && !strings.ContainsAny(value, "\\ \t\"();@$"):
		if _, ok := dns.IsDomainName(value); ok && value != "" {
			return &dns.PTR{Hdr: hdr, Ptr: dns.Fqdn(value)}, nil
		}
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", owner, ttl, dns.TypeToString[typ], value))
	if err != nil {
		return nil, err
	}
	if rr == nil || rr.Header().Rrtype != typ {
		return nil, fmt.Errorf("value %q is no %s record", value, dns.TypeToString[typ])
	}
	return rr, nil
}

// parent is the name one label up: "." for a top-level name.
func parent(name string) string {
	if i, end := dns.NextLabel(name, 0); !end {
		return name[i:]
	}
	return "."
}

// zoneFor is the most specific private zone that holds name, else the records of the
// resolver itself.
func (t *table) zoneFor(name string) *zone {
	for _, z := range t.zones {
		if dns.IsSubDomain(z.name, name) {
			return z
		}
	}
	return t.base
}

// find is the record sets of name, and whether the name exists at all (with records, as
// an empty non-terminal, or through a wildcard).
func (z *zone) find(name string) (map[uint16][]dns.RR, bool) {
	if sets, ok := z.sets[name]; ok {
		return sets, true
	}
	if z.exists[name] {
		return nil, true
	}
	if !z.wild {
		return nil, false
	}
	// A wildcard stands for the names under the closest name that exists (RFC 4592).
	for n := parent(name); dns.IsSubDomain(z.name, n); n = parent(n) {
		if z.exists[n] {
			sets, ok := z.sets["*."+n]
			return sets, ok
		}
		if n == "." {
			break
		}
	}
	return nil, false
}

// negative is the authority section of an answer of no records: the zone's SOA, with
// the TTL negative caching takes (RFC 2308).
func (z *zone) negative() []dns.RR {
	if z.soa == nil {
		return nil
	}
	soa := dns.Copy(z.soa).(*dns.SOA)
	soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	return []dns.RR{soa}
}

// maxChain bounds a chain of CNAME records followed for one question.
const maxChain = 8

// answer resolves one question in the table. It follows CNAME records within what it
// knows; forward is set when the name is nowhere here and an upstream should answer.
func (t *table) answer(qname string, qtype uint16) (ans, ns []dns.RR, rcode int, forward bool) {
	owner := qname
	seen := map[string]bool{}
	for range maxChain {
		name := canonical(owner)
		if seen[name] {
			return ans, nil, dns.RcodeServerFailure, false
		}
		seen[name] = true
		z := t.zoneFor(name)
		sets, ok := z.find(name)
		if !ok {
			if z == t.base && len(ans) == 0 && len(t.upstream) > 0 {
				return nil, nil, 0, true
			}
			return ans, z.negative(), dns.RcodeNameError, false
		}
		var found []dns.RR
		if qtype == dns.TypeANY {
			for _, typ := range sortedTypes(sets) {
				found = append(found, sets[typ]...)
			}
		} else {
			found = sets[qtype]
		}
		if len(found) > 0 {
			return append(ans, withOwner(found, owner)...), nil, dns.RcodeSuccess, false
		}
		cname := sets[dns.TypeCNAME]
		if len(cname) == 0 || qtype == dns.TypeCNAME {
			return ans, z.negative(), dns.RcodeSuccess, false
		}
		ans = append(ans, withOwner(cname[:1], owner)...)
		owner = cname[0].(*dns.CNAME).Target
	}
	return ans, nil, dns.RcodeServerFailure, false
}

// withOwner copies records under the owner name as asked, so that a wildcard's records
// answer for the name and the answer keeps the question's case.
func withOwner(rrs []dns.RR, owner string) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = owner
	}
	return out
}

func sortedTypes(sets map[uint16][]dns.RR) []uint16 {
	types := make([]uint16, 0, len(sets))
	for typ := range sets {
		types = append(types, typ)
	}
	slices.Sort(types)
	return types
}
