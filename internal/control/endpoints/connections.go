package endpoints

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// Connections of interface endpoints to endpoint services: the consumer's CreateVpcEndpoint
// makes one (pending acceptance when the service requires it), the provider accepts or
// rejects it, and the provider's connection notifications name an SNS topic and events.
// vpcd stores notifications but sends nothing: it has no SNS.

func errInvalidEndpointState(id, state string) error {
	return ec2.Errorf("InvalidState", "The VPC endpoint %s is in the state %s.", id, state)
}

// endpointServiceTarget is CreateVpcEndpoint's target for an endpoint service that the
// caller may see.
func (s *Endpoints) endpointServiceTarget(ctx context.Context, c kit.Caller, name string) (interfaceTarget, error) {
	var r *kit.EndpointServiceRecord
	err := s.View(ctx, func(t *kit.Txn) (err error) {
		r, _, err = findEndpointService(t, c, name)
		return err
	})
	if err != nil {
		return interfaceTarget{}, err
	}
	target := interfaceTarget{name: name, baseDNS: endpointServiceBaseDNS(c.Region, r.ID), noPolicy: true}
	if r.PrivateDNSName != "" && r.PrivateDNSState == "verified" {
		target.privateDNS = r.PrivateDNSName
	}
	target.connect = func(t *kit.Txn, e *kit.VpcEndpointRecord) error { return connect(t, c, name, e) }
	return target, nil
}

// connect checks, in CreateVpcEndpoint's transaction, that the caller may still connect
// to the service and in the endpoint's zones, and records the connection.
func connect(t *kit.Txn, c kit.Caller, name string, e *kit.VpcEndpointRecord) error {
	r, owner, err := findEndpointService(t, c, name)
	if err != nil {
		return err
	}
	if err := inZones(t, owner, r, e); err != nil {
		return err
	}
	e.ServiceID, e.ServiceOwner, e.State = r.ID, r.Owner, "available"
	if r.AcceptanceRequired {
		e.State = "pendingAcceptance"
	}
	return t.Put(kit.EndpointConnectionKey(owner, r.ID, e.ID), &kit.EndpointConnectionRecord{
		ServiceID: r.ID, EndpointID: e.ID, EndpointOwner: c.Account, VpcID: e.VpcID, State: e.State,
		IPAddressType: e.IPAddressType, Created: e.Created,
	})
}

// inZones: each of the endpoint's interfaces is in a zone of the service's load balancers.
func inZones(t *kit.Txn, owner kit.Caller, r *kit.EndpointServiceRecord, e *kit.VpcEndpointRecord) error {
	zones, err := serviceZones(t, owner, r)
	if err != nil {
		return err
	}
	for _, i := range e.Interfaces {
		if !slices.Contains(zones, i.Zone) {
			return ec2.ErrInvalidParameter("The VPC endpoint service %s does not support the availability zone of the subnet: %s.", r.Name, i.SubnetID)
		}
	}
	return nil
}

// checkServiceZones applies inZones to an endpoint to an endpoint service whose subnets
// ModifyVpcEndpoint changed; a service gone from under the endpoint takes any zone.
func checkServiceZones(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord) error {
	if e.ServiceID == "" {
		return nil
	}
	owner := kit.Caller{Account: e.ServiceOwner, Region: c.Region}
	r := new(kit.EndpointServiceRecord)
	if ok, err := t.Get(owner.Key(e.ServiceID), r); err != nil || !ok {
		return err
	}
	return inZones(t, owner, r, e)
}

// disconnect takes an endpoint's connection away with it.
func disconnect(t *kit.Txn, c kit.Caller, e *kit.VpcEndpointRecord) {
	if e.ServiceID == "" {
		return
	}
	owner := kit.Caller{Account: e.ServiceOwner, Region: c.Region}
	t.Del(kit.EndpointConnectionKey(owner, e.ServiceID, e.ID))
}

// AcceptVpcEndpointConnections accepts endpoints pending acceptance (or rejected) to a
// service of the caller; each endpoint it cannot accept is answered in Unsuccessful.
func (s *Endpoints) AcceptVpcEndpointConnections(ctx context.Context, c kit.Caller, in *ec2.AcceptVpcEndpointConnectionsRequest) (*ec2.AcceptVpcEndpointConnectionsResult, error) {
	bad, err := s.decide(ctx, c, in.ServiceId, in.VpcEndpointIds, "available", "pendingAcceptance", "rejected")
	if err != nil {
		return nil, err
	}
	return &ec2.AcceptVpcEndpointConnectionsResult{Unsuccessful: bad}, nil
}

// RejectVpcEndpointConnections rejects endpoints pending acceptance or available.
func (s *Endpoints) RejectVpcEndpointConnections(ctx context.Context, c kit.Caller, in *ec2.RejectVpcEndpointConnectionsRequest) (*ec2.RejectVpcEndpointConnectionsResult, error) {
	bad, err := s.decide(ctx, c, in.ServiceId, in.VpcEndpointIds, "rejected", "pendingAcceptance", "available")
	if err != nil {
		return nil, err
	}
	return &ec2.RejectVpcEndpointConnectionsResult{Unsuccessful: bad}, nil
}

// decide moves the connections of the endpoints, in a state of from, to state to, and the
// consumers' endpoints with them.
func (s *Endpoints) decide(ctx context.Context, c kit.Caller, serviceID *string, ids []string, to string, from ...string) ([]ec2.UnsuccessfulItem, error) {
	id := kit.Deref(serviceID)
	if id == "" {
		return nil, ec2.ErrMissingParameter("ServiceId")
	}
	if len(ids) == 0 {
		return nil, ec2.ErrMissingParameter("VpcEndpointId")
	}
	var bad []ec2.UnsuccessfulItem
	err := s.Update(ctx, func(t *kit.Txn) error {
		bad = []ec2.UnsuccessfulItem{}
		fail := func(id string, err error) {
			e := err.(*ec2.Error)
			bad = append(bad, kit.UnsuccessfulItem(id, e.Code, e.Message))
		}
		if _, err := kit.Get[kit.EndpointServiceRecord](t, c, "vpce-svc", id); err != nil {
			return err
		}
		for _, eid := range slices.Compact(slices.Sorted(slices.Values(ids))) {
			conn := new(kit.EndpointConnectionRecord)
			ok, err := t.Get(kit.EndpointConnectionKey(c, id, eid), conn)
			if err != nil {
				return err
			}
			if !ok {
				fail(eid, kit.NotFound(eid))
				continue
			}
			if !slices.Contains(from, conn.State) {
				fail(eid, errInvalidEndpointState(eid, conn.State))
				continue
			}
			consumer := kit.Caller{Account: conn.EndpointOwner, Region: c.Region}
			e := new(kit.VpcEndpointRecord)
			if ok, err := t.Get(consumer.Key(eid), e); err != nil || !ok {
				if err == nil {
					fail(eid, kit.NotFound(eid))
				}
				return err
			}
			conn.State, e.State = to, to
			if err := t.Put(kit.EndpointConnectionKey(c, id, eid), conn); err != nil {
				return err
			}
			if err := t.Put(consumer.Key(eid), e); err != nil {
				return err
			}
		}
		return nil
	})
	return bad, err
}

// connectionFilters are DescribeVpcEndpointConnections' filters.
var connectionFilters = map[string]func(*kit.EndpointConnectionRecord, string) []string{
	"ip-address-type":     func(x *kit.EndpointConnectionRecord, _ string) []string { return []string{x.IPAddressType} },
	"service-id":          func(x *kit.EndpointConnectionRecord, _ string) []string { return []string{x.ServiceID} },
	"vpc-endpoint-owner":  func(x *kit.EndpointConnectionRecord, _ string) []string { return []string{x.EndpointOwner} },
	"vpc-endpoint-region": func(_ *kit.EndpointConnectionRecord, region string) []string { return []string{region} },
	"vpc-endpoint-state":  func(x *kit.EndpointConnectionRecord, _ string) []string { return []string{x.State} },
	"vpc-endpoint-id":     func(x *kit.EndpointConnectionRecord, _ string) []string { return []string{x.EndpointID} },
}

// connectionID is the ID AWS gives a connection, made from its endpoint's (a guess at
// the form: vpce-con- and 17 hex digits).
func connectionID(endpointID string) string {
	sum := sha256.Sum256([]byte("connection/" + endpointID))
	return "vpce-con-" + hex.EncodeToString(sum[:9])[:17]
}

// DescribeVpcEndpointConnections lists the endpoints connected to the caller's services.
func (s *Endpoints) DescribeVpcEndpointConnections(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcEndpointConnectionsRequest) (*ec2.DescribeVpcEndpointConnectionsResult, error) {
	if err := kit.CheckMaxResults(in.MaxResults, 5, 1000); err != nil {
		return nil, err
	}
	match, err := kit.CompileFilters(in.Filters, func(name string) bool { return connectionFilters[name] != nil })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointConnectionsResult{}
	err = s.View(ctx, func(t *kit.Txn) error {
		all, err := kit.ListAll[kit.EndpointConnectionRecord](t, kit.EndpointConnectionPrefix(c, ""))
		if err != nil {
			return err
		}
		var kept []*kit.EndpointConnectionRecord
		for _, x := range all {
			if match(func(name string) []string { return connectionFilters[name](x, c.Region) }, nil) {
				kept = append(kept, x)
			}
		}
		page, next, err := kit.Paginate(kept, in.MaxResults, in.NextToken, func(x *kit.EndpointConnectionRecord) string { return x.ServiceID + "/" + x.EndpointID })
		if err != nil {
			return err
		}
		out.NextToken, out.VpcEndpointConnections = next, []ec2.VpcEndpointConnection{}
		for _, x := range page {
			v, err := connectionShape(t, c, x)
			if err != nil {
				return err
			}
			out.VpcEndpointConnections = append(out.VpcEndpointConnections, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// connectionShape is a connection as its provider sees it, with the endpoint's DNS names.
func connectionShape(t *kit.Txn, c kit.Caller, x *kit.EndpointConnectionRecord) (ec2.VpcEndpointConnection, error) {
	out := ec2.VpcEndpointConnection{
		ServiceId: kit.Ptr(x.ServiceID), VpcEndpointId: kit.Ptr(x.EndpointID), VpcEndpointOwner: kit.Ptr(x.EndpointOwner),
		VpcEndpointState: kit.Ptr(x.State), VpcEndpointRegion: kit.Ptr(c.Region), CreationTimestamp: kit.Ptr(x.Created),
		IpAddressType: kit.Ptr(x.IPAddressType), VpcEndpointConnectionId: kit.Ptr(connectionID(x.EndpointID)),
		DnsEntries: []ec2.DnsEntry{}, GatewayLoadBalancerArns: []string{}, NetworkLoadBalancerArns: []string{}, Tags: []ec2.Tag{},
	}
	r := new(kit.EndpointServiceRecord)
	if ok, err := t.Get(c.Key(x.ServiceID), r); err != nil {
		return out, err
	} else if ok {
		out.NetworkLoadBalancerArns = slices.Clone(r.LoadBalancers)
	}
	e := new(kit.VpcEndpointRecord)
	if ok, err := t.Get(kit.Caller{Account: x.EndpointOwner, Region: c.Region}.Key(x.EndpointID), e); err != nil {
		return out, err
	} else if ok {
		zone := vpceHostedZone(c.Region)
		out.DnsEntries = append(out.DnsEntries, ec2.DnsEntry{DnsName: kit.Ptr(e.RegionalDNSName()), HostedZoneId: kit.Ptr(zone)})
		for _, i := range e.Interfaces {
			out.DnsEntries = append(out.DnsEntries, ec2.DnsEntry{DnsName: kit.Ptr(e.ZonalDNSName(i.Zone)), HostedZoneId: kit.Ptr(zone)})
		}
	}
	return out, nil
}

// Connection notifications.

var connectionEvents = []string{"Accept", "Connect", "Delete", "Reject"}

// snsTopicRE is an SNS topic ARN.
var snsTopicRE = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$`)

func checkNotification(arn *string, events []string) error {
	if arn != nil && !snsTopicRE.MatchString(*arn) {
		return ec2.ErrInvalidParameterValue("The connection notification ARN '%s' is not a valid SNS topic ARN.", *arn)
	}
	for _, ev := range events {
		if !slices.Contains(connectionEvents, ev) {
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter ConnectionEvents is invalid. Valid values: %s", ev, strings.Join(connectionEvents, ", "))
		}
	}
	return nil
}

func notificationShape(c kit.Caller, n *kit.ConnectionNotificationRecord) ec2.ConnectionNotification {
	out := ec2.ConnectionNotification{
		ConnectionNotificationId: kit.Ptr(n.ID), ConnectionNotificationArn: kit.Ptr(n.ARN), ConnectionEvents: slices.Clone(n.Events),
		ConnectionNotificationState: kit.Ptr(n.State), ConnectionNotificationType: kit.Ptr("Topic"), ServiceRegion: kit.Ptr(c.Region),
	}
	if n.ServiceID != "" {
		out.ServiceId = kit.Ptr(n.ServiceID)
	}
	if n.EndpointID != "" {
		out.VpcEndpointId = kit.Ptr(n.EndpointID)
	}
	return out
}

// CreateVpcEndpointConnectionNotification stores a notification of a service or an
// endpoint of the caller: its SNS topic and the events it is for.
func (s *Endpoints) CreateVpcEndpointConnectionNotification(ctx context.Context, c kit.Caller, in *ec2.CreateVpcEndpointConnectionNotificationRequest) (*ec2.CreateVpcEndpointConnectionNotificationResult, error) {
	if kit.Deref(in.ConnectionNotificationArn) == "" {
		return nil, ec2.ErrMissingParameter("ConnectionNotificationArn")
	}
	if len(in.ConnectionEvents) == 0 {
		return nil, ec2.ErrMissingParameter("ConnectionEvents")
	}
	svc, ep := kit.Deref(in.ServiceId), kit.Deref(in.VpcEndpointId)
	if (svc == "") == (ep == "") {
		return nil, ec2.ErrInvalidParameterCombination("Exactly one of ServiceId and VpcEndpointId must be specified.")
	}
	if err := checkNotification(in.ConnectionNotificationArn, in.ConnectionEvents); err != nil {
		return nil, err
	}
	n := &kit.ConnectionNotificationRecord{Meta: kit.Meta{ID: kit.NewID("vpce-nfn"), Owner: c.Account}, ServiceID: svc, EndpointID: ep,
		ARN: *in.ConnectionNotificationArn, Events: slices.Compact(slices.Sorted(slices.Values(in.ConnectionEvents))), State: "Enabled",
		ClientToken: kit.Deref(in.ClientToken)}
	var out *kit.ConnectionNotificationRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		out = n
		if svc != "" {
			if _, err := kit.Get[kit.EndpointServiceRecord](t, c, "vpce-svc", svc); err != nil {
				return err
			}
		} else if _, err := kit.Get[kit.VpcEndpointRecord](t, c, "vpce", ep); err != nil {
			return err
		}
		if n.ClientToken != "" {
			all, err := kit.ListAll[kit.ConnectionNotificationRecord](t, c.Prefix("vpce-nfn"))
			if err != nil {
				return err
			}
			for _, o := range all {
				if o.ClientToken == n.ClientToken {
					out = o
					return nil
				}
			}
		}
		return t.Put(c.Key(n.ID), n)
	})
	if err != nil {
		return nil, err
	}
	shape := notificationShape(c, out)
	return &ec2.CreateVpcEndpointConnectionNotificationResult{ConnectionNotification: &shape, ClientToken: in.ClientToken}, nil
}

// notificationFilters are DescribeVpcEndpointConnectionNotifications' filters.
var notificationFilters = map[string]func(*kit.ConnectionNotificationRecord) []string{
	"connection-notification-arn":   func(n *kit.ConnectionNotificationRecord) []string { return []string{n.ARN} },
	"connection-notification-id":    func(n *kit.ConnectionNotificationRecord) []string { return []string{n.ID} },
	"connection-notification-state": func(n *kit.ConnectionNotificationRecord) []string { return []string{n.State} },
	"connection-notification-type":  func(*kit.ConnectionNotificationRecord) []string { return []string{"Topic"} },
	"service-id":                    func(n *kit.ConnectionNotificationRecord) []string { return []string{n.ServiceID} },
	"vpc-endpoint-id":               func(n *kit.ConnectionNotificationRecord) []string { return []string{n.EndpointID} },
}

// DescribeVpcEndpointConnectionNotifications lists the caller's notifications.
func (s *Endpoints) DescribeVpcEndpointConnectionNotifications(ctx context.Context, c kit.Caller, in *ec2.DescribeVpcEndpointConnectionNotificationsRequest) (*ec2.DescribeVpcEndpointConnectionNotificationsResult, error) {
	var ids []string
	if id := kit.Deref(in.ConnectionNotificationId); id != "" {
		ids = []string{id}
	}
	recs, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "vpce-nfn", IDs: ids, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1}, notificationFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcEndpointConnectionNotificationsResult{NextToken: next, ConnectionNotificationSet: []ec2.ConnectionNotification{}}
	for _, n := range recs {
		out.ConnectionNotificationSet = append(out.ConnectionNotificationSet, notificationShape(c, n))
	}
	return out, nil
}

// ModifyVpcEndpointConnectionNotification changes a notification's topic and events.
func (s *Endpoints) ModifyVpcEndpointConnectionNotification(ctx context.Context, c kit.Caller, in *ec2.ModifyVpcEndpointConnectionNotificationRequest) (*ec2.ModifyVpcEndpointConnectionNotificationResult, error) {
	id := kit.Deref(in.ConnectionNotificationId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("ConnectionNotificationId")
	}
	if err := checkNotification(in.ConnectionNotificationArn, in.ConnectionEvents); err != nil {
		return nil, err
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		n, err := kit.Get[kit.ConnectionNotificationRecord](t, c, "vpce-nfn", id)
		if err != nil {
			return err
		}
		if in.ConnectionNotificationArn != nil {
			n.ARN = *in.ConnectionNotificationArn
		}
		if len(in.ConnectionEvents) > 0 {
			n.Events = slices.Compact(slices.Sorted(slices.Values(in.ConnectionEvents)))
		}
		return t.Put(c.Key(n.ID), n)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.ModifyVpcEndpointConnectionNotificationResult{ReturnValue: kit.Ptr(true)}, nil
}

// DeleteVpcEndpointConnectionNotifications deletes notifications; one that does not
// exist is answered in Unsuccessful.
func (s *Endpoints) DeleteVpcEndpointConnectionNotifications(ctx context.Context, c kit.Caller, in *ec2.DeleteVpcEndpointConnectionNotificationsRequest) (*ec2.DeleteVpcEndpointConnectionNotificationsResult, error) {
	if len(in.ConnectionNotificationIds) == 0 {
		return nil, ec2.ErrMissingParameter("ConnectionNotificationId")
	}
	out := &ec2.DeleteVpcEndpointConnectionNotificationsResult{}
	err := s.Update(ctx, func(t *kit.Txn) error {
		out.Unsuccessful = []ec2.UnsuccessfulItem{}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(in.ConnectionNotificationIds))) {
			_, err := kit.Get[kit.ConnectionNotificationRecord](t, c, "vpce-nfn", id)
			if e, ok := err.(*ec2.Error); ok {
				out.Unsuccessful = append(out.Unsuccessful, kit.UnsuccessfulItem(id, e.Code, e.Message))
				continue
			}
			if err != nil {
				return err
			}
			t.Del(c.Key(id))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteNotifications deletes the caller's notifications that match.
func deleteNotifications(t *kit.Txn, c kit.Caller, match func(*kit.ConnectionNotificationRecord) bool) error {
	all, err := kit.ListAll[kit.ConnectionNotificationRecord](t, c.Prefix("vpce-nfn"))
	if err != nil {
		return err
	}
	for _, n := range all {
		if match(n) {
			t.Del(c.Key(n.ID))
		}
	}
	return nil
}
