package vpc

import (
	"context"
	"net/netip"
	"slices"
	"strconv"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// noDhcpOptions is the DhcpOptionsId of a VPC that has no option set: its instances get
// no domain name and no name servers.
const noDhcpOptions = "default"

// defaultDhcpOptionsKey remembers the ID of the account's default option set in a region.
func defaultDhcpOptionsKey(c kit.Caller) string {
	return c.Account + "/" + c.Region + "/account/default-dhcp-options"
}

// defaultDomainName is the domain AWS's default option set gives instances of a region.
func defaultDomainName(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// defaultDhcpOptions returns the ID of the caller's default DHCP option set, creating it
// the first time, as every AWS account has one per region (AmazonProvidedDNS and the
// region's domain). Once the account deleted it, new VPCs get no options ("default").
func defaultDhcpOptions(t *kit.Txn, c kit.Caller) (string, error) {
	var id string
	ok, err := t.Get(defaultDhcpOptionsKey(c), &id)
	if err != nil {
		return "", err
	}
	if ok {
		if id == "" {
			return noDhcpOptions, nil
		}
		return id, nil
	}
	set := &kit.DhcpOptionsRecord{
		Meta: kit.Meta{ID: kit.NewID("dopt"), Owner: c.Account},
		Options: map[string][]string{
			"domain-name":         {defaultDomainName(c.Region)},
			"domain-name-servers": {"AmazonProvidedDNS"},
		},
	}
	if err := t.Put(c.Key(set.ID), set); err != nil {
		return "", err
	}
	return set.ID, t.Put(defaultDhcpOptionsKey(c), set.ID)
}

// maxDhcpServers is AWS's limit of addresses per server option.
const maxDhcpServers = 4

func errDhcpValue(value, param, why string) error {
	return ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. %s", value, param, why)
}

// parseDhcpConfigurations checks the options of a new set as AWS does: known names,
// each once, with values of the option's form.
func parseDhcpConfigurations(confs []ec2.NewDhcpConfiguration) (map[string][]string, error) {
	if len(confs) == 0 {
		return nil, ec2.ErrMissingParameter("DhcpConfiguration")
	}
	out := map[string][]string{}
	for _, conf := range confs {
		key := kit.Deref(conf.Key)
		if key == "" {
			return nil, ec2.ErrMissingParameter("DhcpConfiguration.Key")
		}
		if _, dup := out[key]; dup {
			return nil, errDhcpValue(key, "name", "Duplicate DHCP option name.")
		}
		if len(conf.Values) == 0 {
			return nil, ec2.ErrMissingParameter("DhcpConfiguration.Value")
		}
		if err := checkDhcpOption(key, conf.Values); err != nil {
			return nil, err
		}
		out[key] = slices.Clone(conf.Values)
	}
	return out, nil
}

func checkDhcpOption(key string, values []string) error {
	switch key {
	case "domain-name":
		for _, v := range values {
			if v == "" || len(v) > 255 {
				return errDhcpValue(v, "domain-name", "Invalid domain name.")
			}
		}
	case "domain-name-servers", "ntp-servers", "netbios-name-servers":
		if len(values) > maxDhcpServers {
			return errDhcpValue(values[maxDhcpServers], key, "Up to 4 addresses may be specified.")
		}
		for _, v := range values {
			if key == "domain-name-servers" && v == "AmazonProvidedDNS" {
				continue
			}
			a, err := netip.ParseAddr(v)
			if err != nil || a.Zone() != "" || (key == "netbios-name-servers" && !a.Is4()) {
				return errDhcpValue(v, key, "Invalid IP address.")
			}
		}
	case "netbios-node-type":
		if len(values) != 1 || !slices.Contains([]string{"1", "2", "4", "8"}, values[0]) {
			return errDhcpValue(values[0], "netbios-node-type", "Valid values are 1, 2, 4 and 8.")
		}
	case "ipv6-address-preferred-lease-time":
		n, err := strconv.ParseInt(values[0], 10, 64)
		if len(values) != 1 || err != nil || n < 140 || n > 2147483647 {
			return errDhcpValue(values[0], "ipv6-address-preferred-lease-time", "Valid values are from 140 to 2147483647 seconds.")
		}
	default:
		return errDhcpValue(key, "name", "Unknown DHCP option name.")
	}
	return nil
}

// CreateDhcpOptions creates a DHCP option set.
func (s *VPC) CreateDhcpOptions(ctx context.Context, c kit.Caller, in *ec2.CreateDhcpOptionsRequest) (*ec2.CreateDhcpOptionsResult, error) {
	opts, err := parseDhcpConfigurations(in.DhcpConfigurations)
	if err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "dhcp-options")
	if err != nil {
		return nil, err
	}
	set := &kit.DhcpOptionsRecord{Meta: kit.Meta{ID: kit.NewID("dopt"), Owner: c.Account, Tags: tags}, Options: opts}
	if err := s.Update(ctx, func(t *kit.Txn) error { return t.Put(c.Key(set.ID), set) }); err != nil {
		return nil, err
	}
	return &ec2.CreateDhcpOptionsResult{DhcpOptions: set.EC2()}, nil
}

// DeleteDhcpOptions deletes an option set that no VPC uses.
func (s *VPC) DeleteDhcpOptions(ctx context.Context, c kit.Caller, in *ec2.DeleteDhcpOptionsRequest) error {
	id := kit.Deref(in.DhcpOptionsId)
	if id == "" {
		return ec2.ErrMissingParameter("DhcpOptionsId")
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		set, err := kit.Get[kit.DhcpOptionsRecord](t, c, "dopt", id)
		if err != nil {
			return err
		}
		vpcs, err := kit.ListAll[kit.VpcRecord](t, c.Prefix("vpc"))
		if err != nil {
			return err
		}
		for _, v := range vpcs {
			if v.DhcpOptionsID == set.ID {
				return ec2.ErrDependencyViolation("The dhcpOptions '%s' has dependencies and cannot be deleted.", set.ID)
			}
		}
		var def string
		if ok, err := t.Get(defaultDhcpOptionsKey(c), &def); err != nil {
			return err
		} else if ok && def == set.ID {
			// The default set is gone for good: later VPCs get none.
			if err := t.Put(defaultDhcpOptionsKey(c), ""); err != nil {
				return err
			}
		}
		t.Del(c.Key(set.ID))
		return nil
	})
}

// AssociateDhcpOptions gives a VPC an option set, or none with "default". Its running
// instances see the change at once (AWS: at their next lease renewal).
func (s *VPC) AssociateDhcpOptions(ctx context.Context, c kit.Caller, in *ec2.AssociateDhcpOptionsRequest) error {
	switch {
	case kit.Deref(in.DhcpOptionsId) == "":
		return ec2.ErrMissingParameter("DhcpOptionsId")
	case kit.Deref(in.VpcId) == "":
		return ec2.ErrMissingParameter("VpcId")
	}
	id := *in.DhcpOptionsId
	return s.Update(ctx, func(t *kit.Txn) error {
		if id != noDhcpOptions {
			if _, err := kit.Get[kit.DhcpOptionsRecord](t, c, "dopt", id); err != nil {
				return err
			}
		}
		vpc, err := kit.GetVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		vpc.DhcpOptionsID = id
		return t.Put(c.Key(vpc.ID), vpc)
	})
}

// dhcpOptionsFilters gives, for each filter DescribeDhcpOptions documents, the set's values.
var dhcpOptionsFilters = map[string]func(*kit.DhcpOptionsRecord) []string{
	"dhcp-options-id": func(d *kit.DhcpOptionsRecord) []string { return []string{d.ID} },
	"owner-id":        func(d *kit.DhcpOptionsRecord) []string { return []string{d.Owner} },
	"key":             func(d *kit.DhcpOptionsRecord) []string { return model.SortedKeys(d.Options) },
	"value": func(d *kit.DhcpOptionsRecord) []string {
		var out []string
		for _, k := range model.SortedKeys(d.Options) {
			out = append(out, d.Options[k]...)
		}
		return out
	},
}

// DescribeDhcpOptions lists the caller's option sets, the default one included.
func (s *VPC) DescribeDhcpOptions(ctx context.Context, c kit.Caller, in *ec2.DescribeDhcpOptionsRequest) (*ec2.DescribeDhcpOptionsResult, error) {
	err := s.Update(ctx, func(t *kit.Txn) error {
		_, err := defaultDhcpOptions(t, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	sets, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "dopt", IDs: in.DhcpOptionsIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken}, dhcpOptionsFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeDhcpOptionsResult{NextToken: next, DhcpOptions: []ec2.DhcpOptions{}}
	for _, d := range sets {
		out.DhcpOptions = append(out.DhcpOptions, *d.EC2())
	}
	return out, nil
}
