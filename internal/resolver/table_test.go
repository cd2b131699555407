package resolver

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// newRR's direct records are the zone-file parser's.
func TestNewRRAgreesWithTheParser(t *testing.T) {
	for _, c := range []struct {
		typ   uint16
		value string
	}{
		{dns.TypeA, "10.0.1.5"},
		{dns.TypeA, "::1"},
		{dns.TypeAAAA, "2600:1f18::5"},
		{dns.TypeAAAA, "::ffff:10.0.1.5"},
		{dns.TypeAAAA, "10.0.1.5"},
		{dns.TypePTR, "ip-10-0-1-5.ec2.internal"},
		{dns.TypePTR, "ip-10-0-1-5.ec2.internal."},
		{dns.TypePTR, `a\.b.example`},
		{dns.TypePTR, "a b"},
		{dns.TypePTR, "."},
	} {
		slow, slowErr := dns.NewRR(fmt.Sprintf("x.example. 60 IN %s %s", dns.TypeToString[c.typ], c.value))
		fast, fastErr := newRR("x.example.", 60, c.typ, c.value)
		if (slowErr != nil || slow == nil || slow.Header().Rrtype != c.typ) != (fastErr != nil) {
			t.Errorf("%s %q: parser %v (%v), newRR %v (%v)", dns.TypeToString[c.typ], c.value, slow, slowErr, fast, fastErr)
			continue
		}
		if fastErr == nil && fast.String() != slow.String() {
			t.Errorf("%s %q: newRR %q, parser %q", dns.TypeToString[c.typ], c.value, fast, slow)
		}
	}
}
