package compute

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// listInstances reads the caller's visible instances with the IDs (all when none), with
// AWS's errors for IDs that name none.
func (s *Compute) listInstances(ctx context.Context, t *kit.Txn, c kit.Caller, ids []string) ([]*kit.InstanceRecord, error) {
	now := s.Now()
	if len(ids) == 0 {
		k, err := kit.LoadKind[kit.InstanceRecord](ctx, s.Kit, c.Prefix("i"), map[string]func(*kit.InstanceRecord) []string{})
		if err != nil {
			return nil, err
		}
		var out []*kit.InstanceRecord
		for _, r := range k.Query(nil, func(r kit.Record) bool { return r.(*kit.InstanceRecord).Visible(now) }) {
			out = append(out, r.(*kit.InstanceRecord))
		}
		return out, nil
	}
	var out []*kit.InstanceRecord
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := kit.CheckID(id, "i"); err != nil {
			return nil, err
		}
		inst := new(kit.InstanceRecord)
		found, err := t.Get(c.Key(id), inst)
		if err != nil {
			return nil, err
		}
		if !found || !inst.Visible(now) {
			missing = append(missing, id)
			continue
		}
		out = append(out, inst)
	}
	if len(missing) == 1 {
		return nil, kit.NotFound(missing[0])
	}
	if len(missing) > 1 {
		return nil, ec2.ErrInvalidInstanceIDNotFound("The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
	slices.SortFunc(out, func(a, b *kit.InstanceRecord) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// instanceFilters gives, for each filter DescribeInstances documents that vpcd has, the
// instance's values; the network-interface.* filters are those of its interfaces.
func instanceFilters(rd *kit.Renderer) map[string]func(*kit.InstanceRecord) []string {
	one := func(f func(*kit.InstanceRecord) string) func(*kit.InstanceRecord) []string {
		return func(inst *kit.InstanceRecord) []string {
			if v := f(inst); v != "" {
				return []string{v}
			}
			return nil
		}
	}
	primary := func(inst *kit.InstanceRecord) *kit.NetworkInterfaceRecord {
		for _, e := range rd.Interfaces(inst) {
			if e.Attachment != nil && e.Attachment.DeviceIndex == 0 {
				return e
			}
		}
		return nil
	}
	publicIP := func(inst *kit.InstanceRecord) *kit.IpAssociation {
		if e := primary(inst); e != nil {
			if p := e.PrimaryIP(); p != nil {
				return p.Association
			}
		}
		return nil
	}
	groups := func(name bool) func(*kit.InstanceRecord) []string {
		return func(inst *kit.InstanceRecord) []string {
			e := primary(inst)
			if e == nil {
				return nil
			}
			if !name {
				return e.Groups
			}
			return kit.Collect(e.Groups, rd.GroupName)
		}
	}
	m := map[string]func(*kit.InstanceRecord) []string{
		"affinity":                     func(*kit.InstanceRecord) []string { return nil },
		"ami-launch-index":             one(func(i *kit.InstanceRecord) string { return strconv.Itoa(int(i.AmiLaunchIndex)) }),
		"architecture":                 one(func(i *kit.InstanceRecord) string { return kit.InstanceTypes[i.InstanceType].Architecture }),
		"availability-zone":            one(func(i *kit.InstanceRecord) string { return i.AvailabilityZone }),
		"availability-zone-id":         one(func(i *kit.InstanceRecord) string { return i.AvailabilityZoneID }),
		"client-token":                 one(func(i *kit.InstanceRecord) string { return i.ClientToken }),
		"dns-name":                     one(func(i *kit.InstanceRecord) string { return rd.PublicDNS(i.VpcID, publicIP(i)) }),
		"hypervisor":                   one(func(*kit.InstanceRecord) string { return "xen" }),
		"image-id":                     one(func(i *kit.InstanceRecord) string { return i.ImageID }),
		"instance-id":                  one(func(i *kit.InstanceRecord) string { return i.ID }),
		"instance-state-code":          one(func(i *kit.InstanceRecord) string { return strconv.Itoa(int(kit.InstanceStateCodes[i.State])) }),
		"instance-state-name":          one(func(i *kit.InstanceRecord) string { return i.State }),
		"instance-type":                one(func(i *kit.InstanceRecord) string { return i.InstanceType }),
		"instance.group-id":            groups(false),
		"instance.group-name":          groups(true),
		"group-id":                     groups(false),
		"group-name":                   groups(true),
		"ip-address":                   one(func(i *kit.InstanceRecord) string { return addrString(publicIP(i)) }),
		"key-name":                     one(func(i *kit.InstanceRecord) string { return i.KeyName }),
		"launch-index":                 one(func(i *kit.InstanceRecord) string { return strconv.Itoa(int(i.AmiLaunchIndex)) }),
		"launch-time":                  one(func(i *kit.InstanceRecord) string { return i.LaunchTime.UTC().Format("2006-01-02T15:04:05.000Z") }),
		"metadata-options.http-tokens": one(func(i *kit.InstanceRecord) string { return i.HTTPTokens }),
		"metadata-options.http-put-response-hop-limit": one(func(i *kit.InstanceRecord) string {
			return strconv.Itoa(int(i.HTTPPutResponseHopLimit))
		}),
		"metadata-options.http-endpoint":          one(func(i *kit.InstanceRecord) string { return *i.MetadataOptions().HttpEndpoint }),
		"metadata-options.http-protocol-ipv4":     one(func(i *kit.InstanceRecord) string { return "enabled" }),
		"metadata-options.http-protocol-ipv6":     one(func(i *kit.InstanceRecord) string { return *i.MetadataOptions().HttpProtocolIpv6 }),
		"metadata-options.instance-metadata-tags": one(func(i *kit.InstanceRecord) string { return *i.MetadataOptions().InstanceMetadataTags }),
		"monitoring-state": one(func(i *kit.InstanceRecord) string {
			return map[bool]string{false: "disabled", true: "enabled"}[i.Monitoring]
		}),
		"owner-id":                               one(func(i *kit.InstanceRecord) string { return i.Owner }),
		"placement-group-name":                   func(*kit.InstanceRecord) []string { return nil },
		"platform-details":                       one(func(*kit.InstanceRecord) string { return "Linux/UNIX" }),
		"private-dns-name":                       one(func(i *kit.InstanceRecord) string { return kit.InstancePrivateDNS(rd.C.Region, i) }),
		"private-dns-name-options.hostname-type": one(func(i *kit.InstanceRecord) string { return i.HostnameType }),
		"private-dns-name-options.enable-resource-name-dns-a-record": one(func(i *kit.InstanceRecord) string {
			return kit.BoolString(i.ResourceNameDnsA)
		}),
		"private-dns-name-options.enable-resource-name-dns-aaaa-record": one(func(i *kit.InstanceRecord) string {
			return kit.BoolString(i.ResourceNameDnsAAAA)
		}),
		"private-ip-address": one(func(i *kit.InstanceRecord) string { return addrOrEmpty(i.PrivateIP) }),
		"reason":             one(func(i *kit.InstanceRecord) string { return i.StateTransitionReason }),
		"reservation-id":     one(func(i *kit.InstanceRecord) string { return i.ReservationID }),
		"root-device-name":   one(func(i *kit.InstanceRecord) string { return i.RootDevice() }),
		"root-device-type":   one(func(*kit.InstanceRecord) string { return "ebs" }),
		"source-dest-check": one(func(i *kit.InstanceRecord) string {
			if e := primary(i); e != nil {
				return kit.BoolString(e.SourceDestCheck)
			}
			return ""
		}),
		"state-reason-code":   one(func(i *kit.InstanceRecord) string { return i.StateReason }),
		"subnet-id":           one(func(i *kit.InstanceRecord) string { return i.SubnetID }),
		"tenancy":             one(func(i *kit.InstanceRecord) string { return i.Tenancy }),
		"usage-operation":     one(func(*kit.InstanceRecord) string { return "RunInstances" }),
		"virtualization-type": one(func(*kit.InstanceRecord) string { return "hvm" }),
		"vpc-id":              one(func(i *kit.InstanceRecord) string { return i.VpcID }),
	}
	for name, f := range interfaceFilters(rd.C.Region, rd.GroupName) {
		m["network-interface."+name] = func(inst *kit.InstanceRecord) []string {
			var out []string
			for _, e := range rd.Interfaces(inst) {
				out = append(out, f(e)...)
			}
			return out
		}
	}
	m["network-interface.addresses.association.ip-owner-id"] = m["network-interface.addresses.association.owner-id"]
	for name, f := range blockDeviceFilters {
		m["block-device-mapping."+name] = func(inst *kit.InstanceRecord) []string {
			var out []string
			for _, b := range rd.BlockDevices(inst) {
				out = append(out, f(b))
			}
			return out
		}
	}
	return m
}

func addrOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func addrString(as *kit.IpAssociation) string {
	if as == nil {
		return ""
	}
	return as.PublicIP.String()
}

// DescribeInstances lists the caller's instances, grouped by the reservation they were
// launched in.
func (s *Compute) DescribeInstances(ctx context.Context, c kit.Caller, in *ec2.DescribeInstancesRequest) (*ec2.DescribeInstancesResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	if len(in.InstanceIds) > 0 && in.MaxResults != nil {
		return nil, ec2.ErrInvalidParameterCombination("The parameter instancesSet cannot be used with the parameter maxResults")
	}
	out := &ec2.DescribeInstancesResult{Reservations: []ec2.Reservation{}}
	err := s.View(ctx, func(t *kit.Txn) error {
		rd := newRenderer(t, c)
		filters := instanceFilters(rd)
		match, err := kit.CompileFilters(in.Filters, func(name string) bool { return filters[name] != nil })
		if err != nil {
			return err
		}
		all, err := s.listInstances(ctx, t, c, in.InstanceIds)
		if err != nil {
			return err
		}
		var kept []*kit.InstanceRecord
		for _, inst := range all {
			if match(func(name string) []string { return filters[name](inst) }, inst.Tags) {
				kept = append(kept, inst)
			}
		}
		page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(i *kit.InstanceRecord) string { return i.ID })
		if err != nil {
			return err
		}
		out.NextToken = next
		index := map[string]int{}
		for _, inst := range page {
			i, ok := index[inst.ReservationID]
			if !ok {
				i = len(out.Reservations)
				index[inst.ReservationID] = i
				out.Reservations = append(out.Reservations, ec2.Reservation{
					ReservationId: kit.Ptr(inst.ReservationID),
					OwnerId:       kit.Ptr(inst.Owner),
					Groups:        []ec2.GroupIdentifier{},
				})
			}
			out.Reservations[i].Instances = append(out.Reservations[i].Instances, rd.Instance(inst))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
