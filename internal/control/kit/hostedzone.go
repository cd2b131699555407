package kit

import (
	"encoding/json"
	"reflect"
	"time"

	"vpcd/internal/model"
)

// HostedZoneRecord is a Route 53 hosted zone with its record sets (kind "hostedzone").
// Route 53 is global: the record lives at HostedZoneKey, under the owner's account and
// the region "global", whatever region the request was signed for. A change batch
// rewrites the whole record, so that it is atomic as Route 53's is.
type HostedZoneRecord struct {
	ID              string            `json:"id"`    // Z0123456789ABCDEFGHIJ
	Owner           string            `json:"owner"` // the account
	Name            string            `json:"name"`  // lower case, with the trailing dot
	CallerReference string            `json:"callerReference"`
	Comment         string            `json:"comment,omitempty"`
	Private         bool              `json:"private,omitempty"`
	VPCs            []ZoneVPC         `json:"vpcs,omitempty"`           // a private zone's associations
	Authorizations  []ZoneVPC         `json:"authorizations,omitempty"` // other accounts' VPCs that may associate
	NameServers     []string          `json:"nameServers,omitempty"`    // a public zone's delegation set
	RecordSets      []RecordSet       `json:"recordSets"`
	Tags            map[string]string `json:"tags,omitempty"`
	Created         time.Time         `json:"created"`
}

// ZoneVPC is a VPC as Route 53 names it: its ID and region, and the account that owns it.
type ZoneVPC struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	Owner  string `json:"owner,omitempty"`
}

// RecordSet is one resource record set: the values of one name and type (and, for the
// routing policies other than simple, one set identifier).
type RecordSet struct {
	Name             string       `json:"name"` // lower case, with the trailing dot, escapes decoded ("*", not \052)
	Type             string       `json:"type"`
	TTL              int64        `json:"ttl,omitempty"`
	Values           []string     `json:"values,omitempty"`
	Alias            *RecordAlias `json:"alias,omitempty"`
	SetIdentifier    string       `json:"setIdentifier,omitempty"`
	Weight           *int64       `json:"weight,omitempty"`
	Region           string       `json:"region,omitempty"`
	Failover         string       `json:"failover,omitempty"`
	MultiValueAnswer *bool        `json:"multiValueAnswer,omitempty"`
	HealthCheckID    string       `json:"healthCheckId,omitempty"`
	// Geo holds the routing policies the data plane does not read (geolocation,
	// geoproximity, CIDR), as the request gave them, to be answered back.
	Geo json.RawMessage `json:"geo,omitempty"`
}

// RecordAlias is an alias record's target.
type RecordAlias struct {
	HostedZoneID         string `json:"hostedZoneId"`
	DNSName              string `json:"dnsName"`
	EvaluateTargetHealth bool   `json:"evaluateTargetHealth"`
}

// HostedZoneKey is where a hosted zone lives in the store.
func HostedZoneKey(account, id string) string {
	return HostedZonePrefix(account) + id
}

// HostedZonePrefix is where an account's hosted zones live.
func HostedZonePrefix(account string) string { return account + "/global/hostedzone/" }

// hostedZone is the model's view of a zone record: nil for a public zone.
type hostedZone struct{ m *model.HostedZone }

func hostedZoneModel(_ string, z *HostedZoneRecord) any {
	if !z.Private {
		return hostedZone{}
	}
	m := &model.HostedZone{ID: z.ID, Name: z.Name}
	for _, v := range z.VPCs {
		m.VPCs = append(m.VPCs, v.ID)
	}
	for _, rs := range z.RecordSets {
		r := model.DNSRecord{Name: rs.Name, Type: rs.Type, TTL: int(rs.TTL), Values: rs.Values}
		if rs.Alias != nil {
			r.Alias = rs.Alias.DNSName
		}
		m.Records = append(m.Records, r)
	}
	return hostedZone{m}
}

// setHostedZone puts a private zone in the network, or takes it out. Zones are in the
// whole network only, not in the VPCs' parts (plan.Index does not split them): the zones of
// a VPC are those whose VPCs name it. A change of a zone reaches the VPCs it is
// associated with, before and after, so that their resolvers are planned again.
func (b *NetworkBuilder) setHostedZone(c *NetworkChange, id string, m *model.HostedZone) {
	old := b.n.HostedZones[id]
	putOrDelete(b.n.HostedZones, id, m)
	if reflect.DeepEqual(old, m) {
		return
	}
	if old != nil {
		c.vpc(old.VPCs...)
	}
	if m != nil {
		c.vpc(m.VPCs...)
	}
}
