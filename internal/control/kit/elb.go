package kit

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"time"
)

// Elastic Load Balancing's network load balancers, target groups and listeners are kept as
// records of kinds "elblb", "elbtg" and "elblst" (control/elb answers their actions). AWS
// names them by ARN, whose last part is 16 hex digits: the record's ID is the kind, a dash
// and those digits, so that an ARN finds its record by key. A name is unique per account
// and region: ELBNameKey holds the ID of the load balancer or target group of a name.

// LoadBalancerRecord is a network load balancer; each of its zones is one subnet and one
// requester-managed interface there.
type LoadBalancerRecord struct {
	Meta
	Name           string             `json:"name"`
	Type           string             `json:"type"`   // network
	Scheme         string             `json:"scheme"` // internal or internet-facing
	VpcID          string             `json:"vpcId"`
	IPAddressType  string             `json:"ipAddressType"` // ipv4 or dualstack
	SecurityGroups []string           `json:"securityGroups,omitempty"`
	Zones          []LoadBalancerZone `json:"zones"`
	Attributes     map[string]string  `json:"attributes,omitempty"` // the ones set, over the defaults
	Listeners      []string           `json:"listeners,omitempty"`  // IDs
	Created        time.Time          `json:"created"`
}

// LoadBalancerZone is a load balancer's subnet in one zone and its interface's addresses.
type LoadBalancerZone struct {
	SubnetID     string     `json:"subnetId"`
	Zone         string     `json:"zone"`
	ENI          string     `json:"eni"`
	PrivateIP    netip.Addr `json:"privateIp"`
	PrivateGiven bool       `json:"privateGiven,omitempty"` // PrivateIPv4Address was named
	PublicIP     netip.Addr `json:"publicIp,omitzero"`
	AllocationID string     `json:"allocationId,omitempty"`
	IPv6         netip.Addr `json:"ipv6,omitzero"`
}

// TargetGroupRecord is a target group and its registered targets.
type TargetGroupRecord struct {
	Meta
	Name          string            `json:"name"`
	Protocol      string            `json:"protocol"`
	Port          int32             `json:"port"`
	VpcID         string            `json:"vpcId"`
	TargetType    string            `json:"targetType"`    // instance or ip
	IPAddressType string            `json:"ipAddressType"` // ipv4 or ipv6
	Health        HealthCheck       `json:"health"`
	Attributes    map[string]string `json:"attributes,omitempty"`
	Targets       []Target          `json:"targets,omitempty"`
	// Users are the listeners that forward to the group; a group serves one load balancer.
	Users   []TargetGroupUser `json:"users,omitempty"`
	Created time.Time         `json:"created"`
}

// HealthCheck is a target group's health check settings.
type HealthCheck struct {
	Enabled   bool   `json:"enabled"`
	Protocol  string `json:"protocol"`
	Port      string `json:"port"` // traffic-port or a number
	Path      string `json:"path,omitempty"`
	Interval  int32  `json:"interval"`
	Timeout   int32  `json:"timeout"`
	Healthy   int32  `json:"healthy"`
	Unhealthy int32  `json:"unhealthy"`
	Matcher   string `json:"matcher,omitempty"` // HTTP codes, for HTTP(S) checks
}

// Target is one registered target: an instance ID or an IP address, and its port.
type Target struct {
	ID   string `json:"id"`
	Port int32  `json:"port"`
	Zone string `json:"zone,omitempty"`
	// Health is what the data plane's health checks found (healthy or unhealthy, with
	// AWS's reason code); "" before the first verdict (initial).
	Health string `json:"health,omitempty"`
	Reason string `json:"reason,omitempty"`
	// DrainUntil, set when the target was deregistered, is when its deregistration
	// delay ends: until then it is draining (its flows go on, no new ones come).
	DrainUntil time.Time `json:"drainUntil,omitzero"`
}

// Draining reports whether a deregistered target is still draining at now.
func (t Target) Draining(now time.Time) bool {
	return !t.DrainUntil.IsZero() && now.Before(t.DrainUntil)
}

// Deregistered reports whether a target was deregistered (draining or drained).
func (t Target) Deregistered() bool { return !t.DrainUntil.IsZero() }

// TargetGroupUser is a listener that forwards to a target group, and its load balancer.
type TargetGroupUser struct {
	Listener        string `json:"listener"` // ID
	LoadBalancerARN string `json:"loadBalancerArn"`
}

// ListenerRecord is a listener of a network load balancer.
type ListenerRecord struct {
	Meta
	LoadBalancer    string            `json:"loadBalancer"`    // ID
	VpcID           string            `json:"vpcId,omitempty"` // the load balancer's
	LoadBalancerARN string            `json:"loadBalancerArn"`
	Protocol        string            `json:"protocol"`
	Port            int32             `json:"port"`
	TargetGroup     string            `json:"targetGroup"` // ID of the forward action's group
	TargetGroupARN  string            `json:"targetGroupArn"`
	Attributes      map[string]string `json:"attributes,omitempty"`
	Created         time.Time         `json:"created"`
}

// NewELBID is an ID of the kind with the 16 hex digits of an Elastic Load Balancing ARN.
func NewELBID(kind string) string {
	var b [8]byte
	rand.Read(b[:])
	return kind + "-" + hex.EncodeToString(b[:])
}

// ELBNameKey holds the ID of the caller's load balancer ("lb") or target group ("tg") of
// a name: reading it by key makes two creators of one name conflict.
func ELBNameKey(c Caller, kind, name string) string {
	return c.Account + "/" + c.Region + "/elbname/" + kind + "/" + name
}

// ELBRequester is the requester of a load balancer's interfaces, as
// DescribeNetworkInterfaces shows it.
const ELBRequester = "amazon-elb"
