package kit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"

	"vpcd/internal/ec2"
)

// PrefixListRecord is a customer-managed prefix list (kind "pl"): a named, versioned set
// of CIDRs of one address family that routes and security group rules reference. Every
// version's entries are kept, as GetManagedPrefixListEntries answers for any of them.
type PrefixListRecord struct {
	Meta
	Name          string `json:"name"`
	AddressFamily string `json:"addressFamily"` // IPv4 or IPv6
	MaxEntries    int32  `json:"maxEntries"`
	State         string `json:"state"`
	// Versions[v-1] are the entries of version v; the last is the current one.
	Versions    [][]PrefixListEntry `json:"versions"`
	ClientToken string              `json:"clientToken,omitempty"`
	Region      string              `json:"region"`
}

type PrefixListEntry struct {
	Cidr        netip.Prefix `json:"cidr"`
	Description string       `json:"description,omitempty"`
}

// AwsOwner is the OwnerId of AWS-managed prefix lists.
const AwsOwner = "AWS"

func (p *PrefixListRecord) Version() int64 { return int64(len(p.Versions)) }

func (p *PrefixListRecord) Entries() []PrefixListEntry {
	if len(p.Versions) == 0 {
		return nil
	}
	return p.Versions[len(p.Versions)-1]
}

// CIDRs are the current entries' prefixes.
func (p *PrefixListRecord) CIDRs() []netip.Prefix {
	var out []netip.Prefix
	for _, e := range p.Entries() {
		out = append(out, e.Cidr)
	}
	return out
}

// AwsManagedPrefixLists are the AWS-managed lists of a region that vpcd shows: the S3 and
// DynamoDB gateway endpoints' lists, with documentation addresses (TEST-NET-1, whose
// first /26 is the simulated internet's own: plan.InternetHost is 192.0.2.1; the other
// documentation ranges are the public IPv4 pool). The services answer at model.S3Addr
// and model.DynamoDBAddr, inside them. Their IDs are fixed per region.
func AwsManagedPrefixLists(region string) []*PrefixListRecord {
	services := []struct {
		name  string
		cidrs []string
	}{
		{"dynamodb", []string{"192.0.2.128/26", "192.0.2.192/26"}},
		{"s3", []string{"192.0.2.64/27", "192.0.2.96/27"}},
	}
	var out []*PrefixListRecord
	for _, svc := range services {
		name := "com.amazonaws." + region + "." + svc.name
		sum := sha256.Sum256([]byte(name))
		p := &PrefixListRecord{
			Meta: Meta{ID: "pl-" + hex.EncodeToString(sum[:4]), Owner: AwsOwner},
			Name: name, AddressFamily: "IPv4", State: "create-complete", Region: region,
		}
		var entries []PrefixListEntry
		for _, c := range svc.cidrs {
			entries = append(entries, PrefixListEntry{Cidr: netip.MustParsePrefix(c)})
		}
		p.Versions = [][]PrefixListEntry{entries}
		out = append(out, p)
	}
	return out
}

// AWSManagedPrefixLists are the CIDRs of the AWS-managed prefix lists of a region, by ID,
// for the data plane.
func AWSManagedPrefixLists(region string) map[string][]netip.Prefix {
	out := map[string][]netip.Prefix{}
	for _, p := range AwsManagedPrefixLists(region) {
		out[p.ID] = p.CIDRs()
	}
	return out
}

// GetPrefixList reads a prefix list the caller can use: its own or an AWS-managed one.
func GetPrefixList(t *Txn, c Caller, id string) (*PrefixListRecord, error) {
	if err := CheckID(id, "pl"); err != nil {
		return nil, err
	}
	for _, p := range AwsManagedPrefixLists(c.Region) {
		if p.ID == id {
			return p, nil
		}
	}
	return Get[PrefixListRecord](t, c, "pl", id)
}

// EC2 is the list as AWS shows it.
func (p *PrefixListRecord) EC2() *ec2.ManagedPrefixList {
	account := p.Owner
	if p.Owner == AwsOwner {
		account = "aws"
	}
	out := &ec2.ManagedPrefixList{
		PrefixListId:   Ptr(p.ID),
		PrefixListName: Ptr(p.Name),
		AddressFamily:  Ptr(p.AddressFamily),
		OwnerId:        Ptr(p.Owner),
		State:          Ptr(p.State),
		PrefixListArn:  Ptr("arn:aws:ec2:" + p.Region + ":" + account + ":prefix-list/" + p.ID),
		Tags:           p.EC2Tags(),
	}
	if p.Owner != AwsOwner {
		out.MaxEntries = Ptr(p.MaxEntries)
		out.Version = Ptr(p.Version())
	}
	return out
}

// prefixListRuleWeight is how many rules a reference to a prefix list counts toward a
// group's quota, as AWS counts it: the list's MaxEntries, in its family (ipv6 = 1).
func prefixListRuleWeight(t *Txn, c Caller, id string) (n, ipv6 int, err error) {
	p, err := GetPrefixList(t, c, id)
	if err != nil {
		return 0, 0, err
	}
	n = int(p.MaxEntries)
	if p.Owner == AwsOwner {
		n = len(p.Entries())
	}
	if p.AddressFamily == "IPv6" {
		ipv6 = 1
	}
	return n, ipv6, nil
}
