package model

// HostedZone is a Route 53 private hosted zone: its records answer inside the VPCs it is
// associated with. Records are as Route 53 lists them (ListResourceRecordSets): the SOA
// and NS records of the zone's apex are among them.
type HostedZone struct {
	ID      string   // Z0123456789ABCDEFGHIJ, without /hostedzone/
	Name    string   // "example.com.": lower case, with the trailing dot
	VPCs    []string // the associated VPCs' IDs
	Records []DNSRecord
}

// DNSRecord is one record set of a hosted zone: every value of one name and type. A name
// and type of a routing policy other than simple (weighted, failover, latency,
// geolocation, multivalue answer) has one record set per set identifier: several
// DNSRecords of the same name and type, whose values together answer it.
type DNSRecord struct {
	Name string // lower case, with the trailing dot; "\052" for a wildcard label is "*"
	Type string // A, AAAA, CNAME, TXT, MX, SRV, NS, PTR, SOA, ...
	TTL  int    // seconds; 0 for an alias
	// Values are the record's data as in a zone file: "10.0.0.5", "10 mail.example.com.",
	// "\"v=spf1 -all\"" (a TXT value keeps its quotes).
	Values []string
	// Alias is the DNS name an alias record points at ("" if none): it answers with that
	// name's records of the same type.
	Alias string
}

// HasVPC reports whether the zone answers inside the VPC.
func (z *HostedZone) HasVPC(vpc string) bool {
	for _, v := range z.VPCs {
		if v == vpc {
			return true
		}
	}
	return false
}
