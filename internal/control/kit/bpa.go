package kit

import (
	"context"
	"time"

	"vpcd/internal/ec2"
)

// BPAOptionsRecord is an account's VPC Block Public Access mode in a region, kept at
// BPAOptionsKey. No record means AWS's default: off, never changed.
type BPAOptionsRecord struct {
	Meta              // ID "options", so that the cache keeps it as any record
	Mode    string    `json:"mode"`
	Updated time.Time `json:"updated"`
}

// BPAOptionsKey is where the caller's Block Public Access options live.
func BPAOptionsKey(c Caller) string { return c.Prefix("bpa") + "options" }

// BPAExclusionRecord excludes one VPC or one subnet from the account's Block Public
// Access.
type BPAExclusionRecord struct {
	Meta
	VpcID    string    `json:"vpcId,omitempty"`
	SubnetID string    `json:"subnetId,omitempty"`
	Mode     string    `json:"mode"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Updating bool      `json:"updating,omitempty"` // modified at least once
}

// EC2 shows the exclusion as AWS does; state is the one to report (the answer to a
// request shows the change in progress, a describe shows it complete).
func (e *BPAExclusionRecord) EC2(c Caller, state string) ec2.VpcBlockPublicAccessExclusion {
	resource := e.SubnetID
	if resource == "" {
		resource = e.VpcID
	}
	return ec2.VpcBlockPublicAccessExclusion{
		ExclusionId:                  Ptr(e.ID),
		InternetGatewayExclusionMode: Ptr(e.Mode),
		ResourceArn:                  Ptr(ARN(c.Region, e.Owner, resource)),
		State:                        Ptr(state),
		CreationTimestamp:            Ptr(e.Created),
		LastUpdateTimestamp:          Ptr(e.Updated),
		Tags:                         e.EC2Tags(),
	}
}

// BPAStates returns, for the caller's region, the Block Public Access mode that applies
// to a VPC or a subnet (subnet "" for the VPC itself), as DescribeVpcs and
// DescribeSubnets show it: the account's mode, "off" under an allow-bidirectional
// exclusion, and block-ingress under an allow-egress one in bidirectional mode. From the
// cache, like any describe.
func (s *Kit) BPAStates(ctx context.Context, c Caller) (func(vpc, subnet string) string, error) {
	opts, err := LoadKind[BPAOptionsRecord](ctx, s, c.Prefix("bpa"), nil)
	if err != nil {
		return nil, err
	}
	excls, err := LoadKind[BPAExclusionRecord](ctx, s, c.Prefix("vpcbpa"), nil)
	if err != nil {
		return nil, err
	}
	mode := "off"
	if r, ok := opts.Get("options"); ok {
		mode = r.(*BPAOptionsRecord).Mode
	}
	excluded := map[string]string{}
	for _, r := range excls.Query(nil, func(Record) bool { return true }) {
		e := r.(*BPAExclusionRecord)
		excluded[e.VpcID+e.SubnetID] = e.Mode
	}
	return func(vpc, subnet string) string {
		e, ok := excluded[subnet]
		if subnet == "" || !ok {
			e = excluded[vpc]
		}
		switch {
		case mode == "off" || e == "allow-bidirectional":
			return "off"
		case e == "allow-egress" && mode == "block-bidirectional":
			return "block-ingress"
		}
		return mode
	}, nil
}
