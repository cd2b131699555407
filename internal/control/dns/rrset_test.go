package dns

import (
	"slices"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
)

func TestCheckValue(t *testing.T) {
	for _, tt := range []struct {
		name, typ, value string
		ok               bool
	}{
		{"IPv4 address", "A", "10.0.0.5", true},
		{"IPv6 address in an A record", "A", "fd00::1", false},
		{"three octets", "A", "10.0.0", false},
		{"IPv6 address", "AAAA", "fd00::5", true},
		{"IPv4-mapped IPv6 address", "AAAA", "::ffff:10.0.0.5", false},
		{"IPv4 address in an AAAA record", "AAAA", "10.0.0.5", false},
		{"CNAME target", "CNAME", "www.example.com", true},
		{"CNAME of two names", "CNAME", "a.example.com b.example.com", false},
		{"MX preference and host", "MX", "10 mail.example.com.", true},
		{"MX without a preference", "MX", "mail.example.com.", false},
		{"MX preference out of range", "MX", "70000 mail.example.com.", false},
		{"SRV", "SRV", "0 5 5060 sip.example.com.", true},
		{"SRV of three fields", "SRV", "0 5 sip.example.com.", false},
		{"TXT anything", "TXT", `"v=spf1 -all"`, true},
		{"empty value", "TXT", "", false},
		{"PTR", "PTR", "host.example.com.", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkValue(tt.typ, tt.value); (got == "") != tt.ok {
				t.Errorf("checkValue(%s, %q) = %q, want ok %v", tt.typ, tt.value, got, tt.ok)
			}
		})
	}
}

func testZone() *kit.HostedZoneRecord {
	return &kit.HostedZoneRecord{ID: "Z1", Name: "example.com.", RecordSets: append(defaultRecords("example.com.", privateNameServers, true),
		kit.RecordSet{Name: "www.example.com.", Type: "A", TTL: 60, Values: []string{"10.0.0.1", "10.0.0.2"}},
		kit.RecordSet{Name: "api.example.com.", Type: "CNAME", TTL: 60, Values: []string{"www.example.com"}},
	)}
}

// TestApply checks each change batch rule with Route 53's wording.
func TestApply(t *testing.T) {
	a := func(name, values string) kit.RecordSet {
		return kit.RecordSet{Name: name, Type: "A", TTL: 60, Values: strings.Split(values, ",")}
	}
	alias := func(name, target string) kit.RecordSet {
		return kit.RecordSet{Name: name, Type: "A", Alias: &kit.RecordAlias{HostedZoneID: "Z1", DNSName: target}}
	}
	for _, tt := range []struct {
		name, action string
		rs           kit.RecordSet
		want         string // "" when the change applies
	}{
		{"create a new name", "CREATE", a("db.example.com.", "10.0.0.3"), ""},
		{"create one that exists", "CREATE", a("www.example.com.", "10.0.0.1"), "Tried to create resource record set [name='www.example.com.', type='A'] but it already exists"},
		{"upsert one that exists", "UPSERT", a("www.example.com.", "10.0.0.9"), ""},
		{"delete as it is, values in another order", "DELETE", a("www.example.com.", "10.0.0.2,10.0.0.1"), ""},
		{"delete with other values", "DELETE", a("www.example.com.", "10.0.0.1"), "Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values"},
		{"delete one that is not there", "DELETE", a("db.example.com.", "10.0.0.3"), "Tried to delete resource record set [name='db.example.com.', type='A'] but it was not found"},
		{"outside the zone", "CREATE", a("www.example.org.", "10.0.0.3"), "RRSet with DNS name www.example.org. is not permitted in zone example.com."},
		{"a suffix that is not a parent", "CREATE", a("badexample.com.", "10.0.0.3"), "RRSet with DNS name badexample.com. is not permitted in zone example.com."},
		{"beside a CNAME", "CREATE", a("api.example.com.", "10.0.0.3"), "RRSet of type A with DNS name api.example.com. is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone example.com."},
		{"a CNAME beside an A", "CREATE", kit.RecordSet{Name: "www.example.com.", Type: "CNAME", TTL: 60, Values: []string{"x.example.com"}}, "RRSet of type CNAME with DNS name www.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com."},
		{"a CNAME at the apex", "CREATE", kit.RecordSet{Name: "example.com.", Type: "CNAME", TTL: 60, Values: []string{"x.example.com"}}, "RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."},
		{"the apex NS deleted", "DELETE", kit.RecordSet{Name: "example.com.", Type: "NS", TTL: nsTTL, Values: privateNameServers}, "A HostedZone must contain at least one NS record for the zone itself."},
		{"the SOA created", "CREATE", kit.RecordSet{Name: "example.com.", Type: "SOA", TTL: 60, Values: []string{"a b 1 2 3 4 5"}}, "A HostedZone must contain exactly one SOA record."},
		{"the SOA upserted", "UPSERT", kit.RecordSet{Name: "example.com.", Type: "SOA", TTL: 60, Values: []string{"a b 1 2 3 4 5"}}, ""},
		{"a delegation below the apex", "CREATE", kit.RecordSet{Name: "sub.example.com.", Type: "NS", TTL: 60, Values: []string{"ns.other.net."}}, ""},
		{"a wildcard", "CREATE", a("*.example.com.", "10.0.0.3"), ""},
		{"a weighted set beside a simple one", "CREATE", kit.RecordSet{Name: "www.example.com.", Type: "A", TTL: 60, Values: []string{"10.0.0.3"}, SetIdentifier: "w1", Weight: kit.Ptr(int64(1))},
			"RRSet [name='www.example.com.', type='A', set-identifier='w1'] is not permitted because a record set of the same name and type with another routing policy already exists in zone example.com."},
		{"an alias to a record of the zone", "CREATE", alias("root.example.com.", "www.example.com."), ""},
		{"an alias to a name without the type", "CREATE", alias("root.example.com.", "api.example.com."), "Tried to create an alias that targets api.example.com., type A in zone Z1, but that target was not found"},
		{"an alias outside its zone", "CREATE", alias("root.example.com.", "www.example.org."), "Tried to create an alias that targets www.example.org., type A in zone Z1, but the alias target name does not lie within the target zone"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			z := testZone()
			before := len(z.RecordSets)
			got := apply(z, tt.action, tt.rs)
			if got != tt.want {
				t.Fatalf("apply = %q\nwant %q", got, tt.want)
			}
			if got != "" && len(z.RecordSets) != before {
				t.Errorf("a refused change changed the zone")
			}
		})
	}
}

// TestCompareNames: names sort by the ASCII order of their labels reversed, trailing dot
// included, as ListResourceRecordSets documents it.
func TestCompareNames(t *testing.T) {
	names := []string{"www.example.com.", "example.com.", "a.b.example.com.", "b.example.com.", "example.net.", "a.example.com.", "a-b.example.com.", "*.example.com.", "_x.example.com."}
	slices.SortFunc(names, compareNames)
	want := "example.com. *.example.com. _x.example.com. a-b.example.com. a.example.com. b.example.com. a.b.example.com. www.example.com. example.net."
	if got := strings.Join(names, " "); got != want {
		t.Errorf("sorted:\n%s\nwant\n%s", got, want)
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct{ in, fqdn, shown string }{
		{"Example.COM", "example.com.", "example.com."},
		{`\052.example.com`, "*.example.com.", `\052.example.com.`},
		{"*.example.com.", "*.example.com.", `\052.example.com.`},
		{`A\100B._tcp.example.com`, "a@b._tcp.example.com.", `a\100b._tcp.example.com.`},
		{`odd\05.example.com`, `odd\05.example.com.`, `odd\13405.example.com.`},
	} {
		if got := fqdn(tt.in); got != tt.fqdn || shown(got) != tt.shown {
			t.Errorf("fqdn(%q) = %q shown %q, want %q %q", tt.in, got, shown(got), tt.fqdn, tt.shown)
		}
	}
	for name, ok := range map[string]bool{"example.com.": true, "a..com.": false, ".": false, "*.example.com.": true, "a.*.com.": true, "a b.com.": false, strings.Repeat("a", 64) + ".com.": false} {
		if validName(name) != ok {
			t.Errorf("validName(%q) = %v", name, !ok)
		}
	}
	if id := newID("Z"); len(id) != 21 || id[0] != 'Z' || strings.ToUpper(id) != id {
		t.Errorf("newID = %s", id)
	}
	if bareID("/hostedzone/Z1", "hostedzone") != "Z1" || bareID("Z1", "hostedzone") != "Z1" || bareID("/change/C1", "change") != "C1" {
		t.Error("bareID")
	}
}
