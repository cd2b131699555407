package kit

import (
	"time"

	"vpcd/internal/ec2"
)

// BPAOptionsRecord is an account's VPC Block Public Access mode in a region, kept at
// BPAOptionsKey. No record means AWS's default: off, never changed.
type BPAOptionsRecord struct {
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
		Tags:                         e.Ec2Tags(),
	}
}
