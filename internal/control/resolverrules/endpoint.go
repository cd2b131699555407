package resolverrules

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	r53r "vpcd/internal/aws/route53resolver"
	"vpcd/internal/control/kit"
)

// endpointStatus and the messages AWS gives with them.
const (
	msgEndpointOperational = "This Resolver Endpoint is operational."
	msgAddressAttached     = "This IP address is operational."
)

func getEndpoint(t *kit.Txn, c kit.Caller, id string) (*kit.ResolverEndpointRecord, error) {
	if !kit.ValidID(id, "rslvr-in") && !kit.ValidID(id, "rslvr-out") {
		return nil, errNotFound(id)
	}
	e := new(kit.ResolverEndpointRecord)
	ok, err := t.Get(c.Key(id), e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotFound(id)
	}
	return e, nil
}

// listEndpoints and listRules read every endpoint or rule of the caller, in ID order.
func listEndpoints(t *kit.Txn, c kit.Caller) ([]*kit.ResolverEndpointRecord, error) {
	all, err := kit.ListAll[kit.ResolverEndpointRecord](t, c.Prefix("rslvr"))
	return slices.DeleteFunc(all, func(e *kit.ResolverEndpointRecord) bool {
		return !strings.HasPrefix(e.ID, "rslvr-in-") && !strings.HasPrefix(e.ID, "rslvr-out-")
	}), err
}

// CreateResolverEndpoint creates an endpoint with an interface for each address, in
// subnets of one VPC. A repeated CreatorRequestId answers the endpoint it created.
func (s *ResolverRules) CreateResolverEndpoint(ctx context.Context, c kit.Caller, in *r53r.CreateResolverEndpointRequest) (*r53r.CreateResolverEndpointResponse, error) {
	token, dir := kit.Deref(in.CreatorRequestId), kit.Deref(in.Direction)
	if err := checkLength(token, "creatorRequestId", 1, 255); err != nil {
		return nil, err
	}
	if err := checkLength(kit.Deref(in.Name), "name", 0, 64); err != nil {
		return nil, err
	}
	if dir != "INBOUND" && dir != "OUTBOUND" {
		return nil, validationError(dir, "direction", "Member must satisfy enum value set: [INBOUND, OUTBOUND]")
	}
	if len(in.SecurityGroupIds) < 1 || len(in.SecurityGroupIds) > 64 {
		return nil, errInvalidParameter("[RSLVR-00401] Resolver endpoint needs between 1 and 64 security groups.")
	}
	if len(in.IpAddresses) < 2 {
		return nil, errInvalidRequest("[RSLVR-00400] Resolver endpoint need to have at least 2 IP addresses.")
	}
	if len(in.IpAddresses) > maxAddresses {
		return nil, errLimitExceeded("[RSLVR-00402] Resolver endpoint can have at most %d IP addresses.", maxAddresses)
	}
	for _, p := range in.Protocols {
		if p != "Do53" {
			return nil, errInvalidParameter("[RSLVR-00411] Protocol %s is not supported by vpcd; only Do53 is.", p)
		}
	}
	if t := kit.Deref(in.ResolverEndpointType); t != "" && t != "IPV4" {
		return nil, errInvalidParameter("[RSLVR-00412] Resolver endpoint type %s is not supported by vpcd; only IPV4 is.", t)
	}
	tags, err := tagsOf(in.Tags)
	if err != nil {
		return nil, err
	}
	prefix := "rslvr-in"
	if dir == "OUTBOUND" {
		prefix = "rslvr-out"
	}
	now := s.Now()
	e := &kit.ResolverEndpointRecord{Meta: kit.Meta{ID: kit.NewID(prefix), Owner: c.Account, Tags: tags}, CreatorRequestID: token,
		Name: kit.Deref(in.Name), Direction: dir, SecurityGroupIDs: slices.Compact(slices.Sorted(slices.Values(in.SecurityGroupIds))),
		Protocols: []string{"Do53"}, EndpointType: "IPV4", Created: now, Modified: now}
	var existing *kit.ResolverEndpointRecord
	err = s.Update(ctx, func(t *kit.Txn) error {
		existing = nil
		all, err := listEndpoints(t, c)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.CreatorRequestID == token {
				if o.Direction != dir {
					return errExists("Resolver endpoint", token)
				}
				existing = o
				return nil
			}
		}
		if len(all) >= maxEndpoints {
			return errLimitExceeded("[RSLVR-00403] Account has reached the maximum number of Resolver endpoints: %d.", maxEndpoints)
		}
		if err := s.checkGroups(t, c, e); err != nil {
			return err
		}
		e.Addresses = nil
		for _, a := range in.IpAddresses {
			if err := s.addAddress(t, c, e, r53r.IpAddressUpdate{SubnetId: a.SubnetId, Ip: a.Ip, Ipv6: a.Ipv6}); err != nil {
				return err
			}
		}
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return &r53r.CreateResolverEndpointResponse{ResolverEndpoint: endpointShape(c, existing)}, nil
	}
	out := endpointShape(c, e)
	out.Status, out.StatusMessage = kit.Ptr("CREATING"), kit.Ptr("[Trace Id: "+traceID()+"] Creating the Resolver Endpoint")
	return &r53r.CreateResolverEndpointResponse{ResolverEndpoint: out}, nil
}

// checkGroups: the security groups exist and are of one VPC, which becomes the
// endpoint's.
func (s *ResolverRules) checkGroups(t *kit.Txn, c kit.Caller, e *kit.ResolverEndpointRecord) error {
	for _, id := range e.SecurityGroupIDs {
		g, ok, err := lookup[kit.SecurityGroupRecord](t, c, id, "sg")
		if err != nil {
			return err
		}
		if !ok {
			return errInvalidParameter("[RSLVR-00408] Security group %s does not exist.", id)
		}
		if e.VpcID == "" {
			e.VpcID = g.VpcID
		}
		if g.VpcID != e.VpcID {
			return errInvalidRequest("[RSLVR-00409] Security groups must all be in the same VPC.")
		}
	}
	return nil
}

// addAddress gives the endpoint an interface in the subnet, with the named address or
// the subnet's lowest free one.
func (s *ResolverRules) addAddress(t *kit.Txn, c kit.Caller, e *kit.ResolverEndpointRecord, a r53r.IpAddressUpdate) error {
	subnet := kit.Deref(a.SubnetId)
	if a.Ipv6 != nil {
		return errInvalidParameter("[RSLVR-00410] IPv6 addresses are not supported by vpcd.")
	}
	sn, ok, err := lookup[kit.SubnetRecord](t, c, subnet, "subnet")
	if err != nil {
		return err
	}
	if !ok {
		return errInvalidParameter("[RSLVR-00405] Subnet %s does not exist.", subnet)
	}
	if sn.VpcID != e.VpcID {
		return errInvalidRequest("[RSLVR-00406] Subnet %s is not in the VPC %s of the Resolver endpoint's security groups.", subnet, e.VpcID)
	}
	alloc, err := kit.NewSubnetAllocator(t, c, &sn)
	if err != nil {
		return err
	}
	var addr = alloc.Next
	if a.Ip != nil {
		addr = func() (netip.Addr, error) { return alloc.Take(*a.Ip) }
	}
	ip, err := addr()
	if err != nil {
		return fromEC2(err)
	}
	now := s.Now()
	rni := kit.NewID("rni")
	eni := &kit.NetworkInterfaceRecord{
		Meta:     kit.Meta{ID: kit.NewID("eni"), Owner: c.Account},
		SubnetID: sn.ID, VpcID: sn.VpcID, AvailabilityZone: sn.AvailabilityZone, AvailabilityZoneID: sn.AvailabilityZoneID,
		Groups: e.SecurityGroupIDs, MacAddress: kit.NewMacAddress(), PrivateIPs: []kit.PrivateIP{{Addr: ip, Primary: true}},
		Description: kit.ResolverInterfaceDescription(e.ID, rni), SourceDestCheck: true, InterfaceType: "interface",
		RequesterManaged: true, RequesterID: kit.ResolverRequester,
	}
	if err := t.Put(c.Key(eni.ID), eni); err != nil {
		return err
	}
	e.Addresses = append(e.Addresses, kit.ResolverEndpointAddress{IPID: rni, SubnetID: sn.ID, ENI: eni.ID, Addr: ip, Created: now, Modified: now})
	return kit.RecountSubnet(t, c, sn.ID)
}

// delAddress takes an address's interface away.
func delAddress(t *kit.Txn, c kit.Caller, a kit.ResolverEndpointAddress) error {
	t.Del(c.Key(a.ENI))
	return kit.RecountSubnet(t, c, a.SubnetID)
}

func endpointShape(c kit.Caller, e *kit.ResolverEndpointRecord) *r53r.ResolverEndpoint {
	out := &r53r.ResolverEndpoint{
		Id: kit.Ptr(e.ID), Arn: kit.Ptr(arn(c, "resolver-endpoint", e.ID)), CreatorRequestId: kit.Ptr(e.CreatorRequestID),
		Direction: kit.Ptr(e.Direction), HostVPCId: kit.Ptr(e.VpcID), IpAddressCount: kit.Ptr(int32(len(e.Addresses))),
		SecurityGroupIds: e.SecurityGroupIDs, Status: kit.Ptr("OPERATIONAL"), StatusMessage: kit.Ptr(msgEndpointOperational),
		CreationTime: timestamp(e.Created), ModificationTime: timestamp(e.Modified), Protocols: e.Protocols,
		ResolverEndpointType: kit.Ptr(e.EndpointType),
	}
	if e.Name != "" {
		out.Name = kit.Ptr(e.Name)
	}
	return out
}

// GetResolverEndpoint answers one endpoint.
func (s *ResolverRules) GetResolverEndpoint(ctx context.Context, c kit.Caller, in *r53r.GetResolverEndpointRequest) (*r53r.GetResolverEndpointResponse, error) {
	var e *kit.ResolverEndpointRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		e, err = getEndpoint(t, c, kit.Deref(in.ResolverEndpointId))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r53r.GetResolverEndpointResponse{ResolverEndpoint: endpointShape(c, e)}, nil
}

var endpointFilters = map[string]bool{"CreatorRequestId": true, "Direction": true, "HostVPCId": true, "IpAddressCount": true,
	"Name": true, "SecurityGroupIds": true, "Status": true}

// ListResolverEndpoints lists the caller's endpoints that match the filters.
func (s *ResolverRules) ListResolverEndpoints(ctx context.Context, c kit.Caller, in *r53r.ListResolverEndpointsRequest) (*r53r.ListResolverEndpointsResponse, error) {
	filters, err := parseFilters(in.Filters, endpointFilters)
	if err != nil {
		return nil, err
	}
	var all []*kit.ResolverEndpointRecord
	err = s.View(ctx, func(t *kit.Txn) error {
		all, err = listEndpoints(t, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	kept := []r53r.ResolverEndpoint{}
	for _, e := range all {
		values := func(name string) []string {
			switch name {
			case "CreatorRequestId":
				return []string{e.CreatorRequestID}
			case "Direction":
				return []string{e.Direction}
			case "HostVPCId":
				return []string{e.VpcID}
			case "IpAddressCount":
				return []string{strconv.Itoa(len(e.Addresses))}
			case "Name":
				return []string{e.Name}
			case "SecurityGroupIds":
				return e.SecurityGroupIDs
			}
			return []string{"OPERATIONAL"}
		}
		if matches(filters, values) {
			kept = append(kept, *endpointShape(c, e))
		}
	}
	pg, next, limit, err := page(kept, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &r53r.ListResolverEndpointsResponse{ResolverEndpoints: pg, NextToken: next, MaxResults: limit}, nil
}

// UpdateResolverEndpoint renames an endpoint.
func (s *ResolverRules) UpdateResolverEndpoint(ctx context.Context, c kit.Caller, in *r53r.UpdateResolverEndpointRequest) (*r53r.UpdateResolverEndpointResponse, error) {
	if err := checkLength(kit.Deref(in.Name), "name", 0, 64); err != nil {
		return nil, err
	}
	if len(in.UpdateIpAddresses) > 0 || in.Dns64Enabled != nil || in.Ipv6InternetAccessEnabled != nil {
		return nil, errInvalidParameter("[RSLVR-00412] Only IPV4 Resolver endpoints are supported by vpcd.")
	}
	if t := kit.Deref(in.ResolverEndpointType); t != "" && t != "IPV4" {
		return nil, errInvalidParameter("[RSLVR-00412] Resolver endpoint type %s is not supported by vpcd; only IPV4 is.", t)
	}
	for _, p := range in.Protocols {
		if p != "Do53" {
			return nil, errInvalidParameter("[RSLVR-00411] Protocol %s is not supported by vpcd; only Do53 is.", p)
		}
	}
	var e *kit.ResolverEndpointRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if e, err = getEndpoint(t, c, kit.Deref(in.ResolverEndpointId)); err != nil {
			return err
		}
		if in.Name != nil {
			e.Name = *in.Name
		}
		e.Modified = s.Now()
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	return &r53r.UpdateResolverEndpointResponse{ResolverEndpoint: endpointShape(c, e)}, nil
}

// DeleteResolverEndpoint deletes an endpoint and its interfaces; an outbound endpoint
// that rules still use is refused.
func (s *ResolverRules) DeleteResolverEndpoint(ctx context.Context, c kit.Caller, in *r53r.DeleteResolverEndpointRequest) (*r53r.DeleteResolverEndpointResponse, error) {
	var e *kit.ResolverEndpointRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if e, err = getEndpoint(t, c, kit.Deref(in.ResolverEndpointId)); err != nil {
			return err
		}
		rules, err := listRules(t, c)
		if err != nil {
			return err
		}
		var using []string
		for _, r := range rules {
			if r.EndpointID == e.ID {
				using = append(using, `"`+r.ID+`"`)
			}
		}
		if len(using) > 0 {
			return errInvalidRequest("[RSLVR-00600] Cannot delete resolver endpoint unless its related resolver rules are deleted. The following rules still exist for this resolver endpoint: %s", strings.Join(using, ", "))
		}
		for _, a := range e.Addresses {
			if err := delAddress(t, c, a); err != nil {
				return err
			}
		}
		t.Del(c.Key(e.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := endpointShape(c, e)
	out.Status, out.StatusMessage = kit.Ptr("DELETING"), kit.Ptr("[Trace Id: "+traceID()+"] Deleting the Resolver Endpoint")
	return &r53r.DeleteResolverEndpointResponse{ResolverEndpoint: out}, nil
}

func addressShape(a kit.ResolverEndpointAddress) r53r.IpAddressResponse {
	return r53r.IpAddressResponse{IpId: kit.Ptr(a.IPID), SubnetId: kit.Ptr(a.SubnetID), Ip: kit.Ptr(a.Addr.String()),
		Status: kit.Ptr("ATTACHED"), StatusMessage: kit.Ptr(msgAddressAttached), CreationTime: timestamp(a.Created), ModificationTime: timestamp(a.Modified)}
}

// ListResolverEndpointIpAddresses lists an endpoint's addresses.
func (s *ResolverRules) ListResolverEndpointIpAddresses(ctx context.Context, c kit.Caller, in *r53r.ListResolverEndpointIpAddressesRequest) (*r53r.ListResolverEndpointIpAddressesResponse, error) {
	var e *kit.ResolverEndpointRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		e, err = getEndpoint(t, c, kit.Deref(in.ResolverEndpointId))
		return err
	})
	if err != nil {
		return nil, err
	}
	all := []r53r.IpAddressResponse{}
	for _, a := range e.Addresses {
		all = append(all, addressShape(a))
	}
	pg, next, limit, err := page(all, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &r53r.ListResolverEndpointIpAddressesResponse{IpAddresses: pg, NextToken: next, MaxResults: limit}, nil
}

// AssociateResolverEndpointIpAddress adds an address (an interface) to an endpoint.
func (s *ResolverRules) AssociateResolverEndpointIpAddress(ctx context.Context, c kit.Caller, in *r53r.AssociateResolverEndpointIpAddressRequest) (*r53r.AssociateResolverEndpointIpAddressResponse, error) {
	if in.IpAddress == nil || in.IpAddress.SubnetId == nil {
		return nil, errInvalidParameter("[RSLVR-00404] SubnetId is required to associate an IP address.")
	}
	return s.changeAddresses(ctx, c, kit.Deref(in.ResolverEndpointId), func(t *kit.Txn, e *kit.ResolverEndpointRecord) error {
		if len(e.Addresses) >= maxAddresses {
			return errLimitExceeded("[RSLVR-00402] Resolver endpoint can have at most %d IP addresses.", maxAddresses)
		}
		return s.addAddress(t, c, e, *in.IpAddress)
	})
}

// DisassociateResolverEndpointIpAddress takes an address (by IpId, or subnet and
// address) from an endpoint, which keeps at least two.
func (s *ResolverRules) DisassociateResolverEndpointIpAddress(ctx context.Context, c kit.Caller, in *r53r.DisassociateResolverEndpointIpAddressRequest) (*r53r.DisassociateResolverEndpointIpAddressResponse, error) {
	if in.IpAddress == nil {
		return nil, errInvalidParameter("[RSLVR-00404] IpAddress is required.")
	}
	a := in.IpAddress
	out, err := s.changeAddresses(ctx, c, kit.Deref(in.ResolverEndpointId), func(t *kit.Txn, e *kit.ResolverEndpointRecord) error {
		i := slices.IndexFunc(e.Addresses, func(x kit.ResolverEndpointAddress) bool {
			if a.IpId != nil {
				return x.IPID == *a.IpId
			}
			return x.SubnetID == kit.Deref(a.SubnetId) && x.Addr.String() == kit.Deref(a.Ip)
		})
		if i < 0 {
			return errInvalidRequest("[RSLVR-00407] The IP address is not associated with Resolver endpoint %s.", e.ID)
		}
		if len(e.Addresses) <= 2 {
			return errInvalidRequest("[RSLVR-00400] Resolver endpoint need to have at least 2 IP addresses.")
		}
		if err := delAddress(t, c, e.Addresses[i]); err != nil {
			return err
		}
		e.Addresses = slices.Delete(e.Addresses, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r53r.DisassociateResolverEndpointIpAddressResponse{ResolverEndpoint: out.ResolverEndpoint}, nil
}

// changeAddresses changes an endpoint's addresses with fn: the rules that forward
// through it leave from its interfaces, whichever they are.
func (s *ResolverRules) changeAddresses(ctx context.Context, c kit.Caller, id string, fn func(*kit.Txn, *kit.ResolverEndpointRecord) error) (*r53r.AssociateResolverEndpointIpAddressResponse, error) {
	var e *kit.ResolverEndpointRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if e, err = getEndpoint(t, c, id); err != nil {
			return err
		}
		if err := fn(t, e); err != nil {
			return err
		}
		e.Modified = s.Now()
		return t.Put(c.Key(e.ID), e)
	})
	if err != nil {
		return nil, err
	}
	out := endpointShape(c, e)
	out.Status, out.StatusMessage = kit.Ptr("UPDATING"), kit.Ptr("[Trace Id: "+traceID()+"] Updating the Resolver Endpoint")
	return &r53r.AssociateResolverEndpointIpAddressResponse{ResolverEndpoint: out}, nil
}

// lookup reads the EC2 record of id, which must have the kind's prefix; ok is false when
// the ID is malformed or names nothing, which Route 53 Resolver answers with its own codes.
func lookup[T any](t *kit.Txn, c kit.Caller, id, prefix string) (rec T, ok bool, err error) {
	if !kit.ValidID(id, prefix) {
		return rec, false, nil
	}
	ok, err = t.Get(c.Key(id), &rec)
	return rec, ok, err
}
