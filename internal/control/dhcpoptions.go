package control

import (
	"context"
	"net/netip"
	"slices"
	"strconv"

	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// dhcpOptionsRecord is a DHCP option set: option name → values ("domain-name",
// "domain-name-servers", "ntp-servers", ...).
type dhcpOptionsRecord struct {
	meta
	Options map[string][]string `json:"options"`
}

// noDhcpOptions is the DhcpOptionsId of a VPC that has no option set: its instances get
// no domain name and no name servers.
const noDhcpOptions = "default"

// defaultDhcpOptionsKey remembers the ID of the account's default option set in a region.
func defaultDhcpOptionsKey(c Caller) string {
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
func defaultDhcpOptions(t *txn, c Caller) (string, error) {
	var id string
	ok, err := t.get(defaultDhcpOptionsKey(c), &id)
	if err != nil {
		return "", err
	}
	if ok {
		if id == "" {
			return noDhcpOptions, nil
		}
		return id, nil
	}
	set := &dhcpOptionsRecord{
		meta: meta{ID: newID("dopt"), Owner: c.Account},
		Options: map[string][]string{
			"domain-name":         {defaultDomainName(c.Region)},
			"domain-name-servers": {"AmazonProvidedDNS"},
		},
	}
	if err := t.put(c.key(set.ID), set); err != nil {
		return "", err
	}
	return set.ID, t.put(defaultDhcpOptionsKey(c), set.ID)
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
		key := deref(conf.Key)
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
func (s *Service) CreateDhcpOptions(ctx context.Context, c Caller, in *ec2.CreateDhcpOptionsRequest) (*ec2.CreateDhcpOptionsResult, error) {
	opts, err := parseDhcpConfigurations(in.DhcpConfigurations)
	if err != nil {
		return nil, err
	}
	tags, err := tagsOnCreate(in.TagSpecifications, "dhcp-options")
	if err != nil {
		return nil, err
	}
	set := &dhcpOptionsRecord{meta: meta{ID: newID("dopt"), Owner: c.Account, Tags: tags}, Options: opts}
	if err := s.update(ctx, func(t *txn) error { return t.put(c.key(set.ID), set) }); err != nil {
		return nil, err
	}
	return &ec2.CreateDhcpOptionsResult{DhcpOptions: set.ec2()}, nil
}

// DeleteDhcpOptions deletes an option set that no VPC uses.
func (s *Service) DeleteDhcpOptions(ctx context.Context, c Caller, in *ec2.DeleteDhcpOptionsRequest) error {
	id := deref(in.DhcpOptionsId)
	if id == "" {
		return ec2.ErrMissingParameter("DhcpOptionsId")
	}
	return s.update(ctx, func(t *txn) error {
		set, err := get[dhcpOptionsRecord](t, c, "dopt", id)
		if err != nil {
			return err
		}
		vpcs, err := listAll[vpcRecord](t, c.prefix("vpc"))
		if err != nil {
			return err
		}
		for _, v := range vpcs {
			if v.DhcpOptionsID == set.ID {
				return ec2.ErrDependencyViolation("The dhcpOptions '%s' has dependencies and cannot be deleted.", set.ID)
			}
		}
		var def string
		if ok, err := t.get(defaultDhcpOptionsKey(c), &def); err != nil {
			return err
		} else if ok && def == set.ID {
			// The default set is gone for good: later VPCs get none.
			if err := t.put(defaultDhcpOptionsKey(c), ""); err != nil {
				return err
			}
		}
		t.del(c.key(set.ID))
		return nil
	})
}

// AssociateDhcpOptions gives a VPC an option set, or none with "default". Its running
// instances see the change at once (AWS: at their next lease renewal).
func (s *Service) AssociateDhcpOptions(ctx context.Context, c Caller, in *ec2.AssociateDhcpOptionsRequest) error {
	switch {
	case deref(in.DhcpOptionsId) == "":
		return ec2.ErrMissingParameter("DhcpOptionsId")
	case deref(in.VpcId) == "":
		return ec2.ErrMissingParameter("VpcId")
	}
	id := *in.DhcpOptionsId
	return s.update(ctx, func(t *txn) error {
		if id != noDhcpOptions {
			if _, err := get[dhcpOptionsRecord](t, c, "dopt", id); err != nil {
				return err
			}
		}
		vpc, err := getVpc(t, c, *in.VpcId)
		if err != nil {
			return err
		}
		vpc.DhcpOptionsID = id
		return t.put(c.key(vpc.ID), vpc)
	})
}

// dhcpOptionsFilters gives, for each filter DescribeDhcpOptions documents, the set's values.
var dhcpOptionsFilters = map[string]func(*dhcpOptionsRecord) []string{
	"dhcp-options-id": func(d *dhcpOptionsRecord) []string { return []string{d.ID} },
	"owner-id":        func(d *dhcpOptionsRecord) []string { return []string{d.Owner} },
	"key":             func(d *dhcpOptionsRecord) []string { return model.SortedKeys(d.Options) },
	"value": func(d *dhcpOptionsRecord) []string {
		var out []string
		for _, k := range model.SortedKeys(d.Options) {
			out = append(out, d.Options[k]...)
		}
		return out
	},
}

// DescribeDhcpOptions lists the caller's option sets, the default one included.
func (s *Service) DescribeDhcpOptions(ctx context.Context, c Caller, in *ec2.DescribeDhcpOptionsRequest) (*ec2.DescribeDhcpOptionsResult, error) {
	err := s.update(ctx, func(t *txn) error {
		_, err := defaultDhcpOptions(t, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	sets, next, err := describe(ctx, s, c, describeQuery{Kind: "dopt", IDs: in.DhcpOptionsIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken}, dhcpOptionsFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeDhcpOptionsResult{NextToken: next, DhcpOptions: []ec2.DhcpOptions{}}
	for _, d := range sets {
		out.DhcpOptions = append(out.DhcpOptions, *d.ec2())
	}
	return out, nil
}

// ec2 is the set as AWS shows it: one configuration per option, in name order.
func (d *dhcpOptionsRecord) ec2() *ec2.DhcpOptions {
	out := &ec2.DhcpOptions{DhcpOptionsId: ptr(d.ID), OwnerId: ptr(d.Owner), Tags: d.ec2Tags(), DhcpConfigurations: []ec2.DhcpConfiguration{}}
	for _, k := range model.SortedKeys(d.Options) {
		conf := ec2.DhcpConfiguration{Key: ptr(k)}
		for _, v := range d.Options[k] {
			conf.Values = append(conf.Values, ec2.AttributeValue{Value: ptr(v)})
		}
		out.DhcpConfigurations = append(out.DhcpConfigurations, conf)
	}
	return out
}
