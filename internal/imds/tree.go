package imds

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// node is a path of the tree: a value, or a directory of named nodes.
type node struct {
	value    string
	children []child // nil for a value
}

type child struct {
	name string
	// listed, when set, is how the directory's listing shows the child (public-keys
	// lists "0=name" for 0/), instead of its name with '/' after a directory's.
	listed string
	n      *node
}

func value(v string) *node { return &node{value: v} }

func lines[T fmt.Stringer](vs []T) *node {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return value(strings.Join(s, "\n"))
}

// dir is a directory of the children, in the order of their names.
func dir(children ...child) *node {
	slices.SortFunc(children, func(a, b child) int { return strings.Compare(a.name, b.name) })
	return &node{children: append([]child{}, children...)}
}

// entries is a child per name with a value.
func entries(m map[string]string) []child {
	var out []child
	for k, v := range m {
		out = append(out, child{name: k, n: value(v)})
	}
	return out
}

func (n *node) isDir() bool { return n.children != nil }

// listing is a directory as AWS lists it: a line per child, a directory's with '/' after.
func (n *node) listing() string {
	var b strings.Builder
	for i, c := range n.children {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case c.listed != "":
			b.WriteString(c.listed)
		case c.n.isDir():
			b.WriteString(c.name + "/")
		default:
			b.WriteString(c.name)
		}
	}
	return b.String()
}

// lookup walks the path's segments ("" segments are ignored: a directory reads the
// same with and without '/' after it).
func (n *node) lookup(path string) *node {
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		if !n.isDir() {
			return nil
		}
		i := slices.IndexFunc(n.children, func(c child) bool { return c.name == seg })
		if i < 0 {
			return nil
		}
		n = n.children[i].n
	}
	return n
}

// versions are the metadata versions AWS lists at /; each serves the same tree here.
var versions = []string{
	"1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15", "2008-02-01", "2008-09-01",
	"2009-04-04", "2011-01-01", "2011-05-01", "2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20", "2016-04-19",
	"2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17", "2018-09-24", "2019-10-01", "2020-10-27", "2021-01-03",
	"2021-03-23", "2021-07-15", "2022-09-24", "2023-11-09", "latest",
}

// tree is what the instance reads under /latest/.
func (in *Instance) tree() *node {
	children := []child{
		{name: "dynamic", listed: "dynamic", n: dir(child{name: "instance-identity", n: dir(
			child{name: "document", n: value(in.identityDocument())},
		)})},
		{name: "meta-data", listed: "meta-data", n: in.metaData()},
	}
	if len(in.UserData) > 0 {
		children = append(children, child{name: "user-data", n: value(string(in.UserData))})
	}
	return dir(children...)
}

func (in *Instance) metaData() *node {
	md := []child{
		{name: "ami-id", n: value(in.ImageID)},
		{name: "ami-launch-index", n: value(strconv.Itoa(in.LaunchIndex))},
		{name: "ami-manifest-path", n: value("(unknown)")},
		{name: "instance-action", n: value("none")},
		{name: "instance-id", n: value(in.ID)},
		{name: "instance-life-cycle", n: value("on-demand")},
		{name: "instance-type", n: value(in.InstanceType)},
		{name: "placement", n: dir(
			child{name: "availability-zone", n: value(in.AvailabilityZone)},
			child{name: "availability-zone-id", n: value(in.AvailabilityZoneID)},
			child{name: "region", n: value(in.Region)},
		)},
		{name: "reservation-id", n: value(in.ReservationID)},
		{name: "services", n: dir(
			child{name: "domain", n: value(servicesDomain(in.Region))},
			child{name: "partition", n: value(partition(in.Region))},
		)},
	}
	if len(in.Interfaces) > 0 {
		eni := &in.Interfaces[0]
		md = append(md,
			child{name: "hostname", n: value(eni.LocalHostname)},
			child{name: "local-hostname", n: value(eni.LocalHostname)},
			child{name: "mac", n: value(eni.MAC)},
			child{name: "security-groups", n: value(strings.Join(eni.GroupNames, "\n"))},
		)
		if len(eni.LocalIPv4s) > 0 {
			md = append(md, child{name: "local-ipv4", n: value(eni.LocalIPv4s[0].String())})
		}
		if len(eni.IPv6s) > 0 {
			md = append(md, child{name: "ipv6", n: value(eni.IPv6s[0].String())})
		}
		if len(eni.PublicIPv4s) > 0 {
			md = append(md, child{name: "public-ipv4", n: value(eni.PublicIPv4s[0].String())})
		}
		if eni.PublicHostname != "" {
			md = append(md, child{name: "public-hostname", n: value(eni.PublicHostname)})
		}
		var macs []child
		for i := range in.Interfaces {
			macs = append(macs, child{name: in.Interfaces[i].MAC, n: in.Interfaces[i].tree()})
		}
		md = append(md, child{name: "network", n: dir(child{name: "interfaces", n: dir(child{name: "macs", n: dir(macs...)})})})
	}
	if in.PublicKey != "" {
		md = append(md, child{name: "public-keys", n: dir(child{name: "0", listed: "0=" + in.KeyName, n: dir(
			child{name: "openssh-key", n: value(in.PublicKey)},
		)})})
	}
	if in.Options.Tags {
		md = append(md, child{name: "tags", n: dir(child{name: "instance", n: dir(entries(in.Tags)...)})})
	}
	return dir(md...)
}

// tree is what network/interfaces/macs/MAC/ holds.
func (eni *Interface) tree() *node {
	c := []child{
		{name: "device-number", n: value(strconv.Itoa(eni.DeviceNumber))},
		{name: "interface-id", n: value(eni.ID)},
		{name: "local-hostname", n: value(eni.LocalHostname)},
		{name: "local-ipv4s", n: lines(eni.LocalIPv4s)},
		{name: "mac", n: value(eni.MAC)},
		{name: "network-card", n: value("0")},
		{name: "owner-id", n: value(eni.OwnerID)},
		{name: "security-group-ids", n: value(strings.Join(eni.GroupIDs, "\n"))},
		{name: "security-groups", n: value(strings.Join(eni.GroupNames, "\n"))},
		{name: "subnet-id", n: value(eni.SubnetID)},
		{name: "vpc-id", n: value(eni.VPCID)},
	}
	if eni.SubnetIPv4.IsValid() {
		c = append(c, child{name: "subnet-ipv4-cidr-block", n: value(eni.SubnetIPv4.String())})
	}
	if len(eni.VPCIPv4) > 0 {
		c = append(c, child{name: "vpc-ipv4-cidr-block", n: value(eni.VPCIPv4[0].String())},
			child{name: "vpc-ipv4-cidr-blocks", n: lines(eni.VPCIPv4)})
	}
	if len(eni.PublicIPv4s) > 0 {
		assoc := map[string]string{}
		for _, a := range eni.IPv4Associations {
			assoc[a[0].String()] = a[1].String()
		}
		c = append(c, child{name: "public-ipv4s", n: lines(eni.PublicIPv4s)}, child{name: "ipv4-associations", n: dir(entries(assoc)...)})
	}
	if eni.PublicHostname != "" {
		c = append(c, child{name: "public-hostname", n: value(eni.PublicHostname)})
	}
	if len(eni.IPv6s) > 0 {
		c = append(c, child{name: "ipv6s", n: lines(eni.IPv6s)})
	}
	if eni.SubnetIPv6.IsValid() {
		c = append(c, child{name: "subnet-ipv6-cidr-blocks", n: value(eni.SubnetIPv6.String())})
	}
	if len(eni.VPCIPv6) > 0 {
		c = append(c, child{name: "vpc-ipv6-cidr-blocks", n: lines(eni.VPCIPv6)})
	}
	return dir(c...)
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func servicesDomain(region string) string {
	if partition(region) == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// identityDocument is /latest/dynamic/instance-identity/document: JSON laid out as AWS
// lays it out (two-space indent, " : " between a key and its value).
func (in *Instance) identityDocument() string {
	var privateIP any
	if len(in.Interfaces) > 0 && len(in.Interfaces[0].LocalIPv4s) > 0 {
		privateIP = in.Interfaces[0].LocalIPv4s[0].String()
	}
	fields := []struct {
		k string
		v any
	}{
		{"accountId", in.AccountID},
		{"architecture", in.Architecture},
		{"availabilityZone", in.AvailabilityZone},
		{"billingProducts", nil},
		{"devpayProductCodes", nil},
		{"marketplaceProductCodes", nil},
		{"imageId", in.ImageID},
		{"instanceId", in.ID},
		{"instanceType", in.InstanceType},
		{"kernelId", nil},
		{"pendingTime", in.LaunchTime.UTC().Format("2006-01-02T15:04:05Z")},
		{"privateIp", privateIP},
		{"ramdiskId", nil},
		{"region", in.Region},
		{"version", "2017-09-30"},
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i, f := range fields {
		v, _ := json.Marshal(f.v)
		fmt.Fprintf(&b, "  %q : %s", f.k, v)
		if i < len(fields)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.String()
}
