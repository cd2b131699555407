package kit

import (
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// DhcpOptionsRecord is a DHCP option set: option name → values ("domain-name",
// "domain-name-servers", "ntp-servers", ...).
type DhcpOptionsRecord struct {
	Meta
	Options map[string][]string `json:"options"`
}

// EC2 is the set as AWS shows it: one configuration per option, in name order.
func (d *DhcpOptionsRecord) EC2() *ec2.DhcpOptions {
	out := &ec2.DhcpOptions{DhcpOptionsId: Ptr(d.ID), OwnerId: Ptr(d.Owner), Tags: d.EC2Tags(), DhcpConfigurations: []ec2.DhcpConfiguration{}}
	for _, k := range model.SortedKeys(d.Options) {
		conf := ec2.DhcpConfiguration{Key: Ptr(k)}
		for _, v := range d.Options[k] {
			conf.Values = append(conf.Values, ec2.AttributeValue{Value: Ptr(v)})
		}
		out.DhcpConfigurations = append(out.DhcpConfigurations, conf)
	}
	return out
}
