package control

import (
	"context"
	"testing"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

var (
	requesterCaller = Caller{Account: "111111111111", Region: "us-east-1"}
	accepterCaller  = Caller{Account: "222222222222", Region: "us-east-1"}
)

func vpcAs(t *testing.T, s *Service, c Caller, cidr string) string {
	t.Helper()
	out, err := s.CreateVpc(context.Background(), c, &ec2.CreateVpcRequest{CidrBlock: kit.Ptr(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Vpc.VpcId
}

func peeringState(t *testing.T, s *Service, c Caller, id string) string {
	t.Helper()
	out, err := s.DescribeVpcPeeringConnections(context.Background(), c, &ec2.DescribeVpcPeeringConnectionsRequest{VpcPeeringConnectionIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.VpcPeeringConnections[0].Status.Code
}

func TestPeeringLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	a := vpcAs(t, s, requesterCaller, "10.1.0.0/16")
	b := vpcAs(t, s, accepterCaller, "10.2.0.0/16")
	overlapping := vpcAs(t, s, accepterCaller, "10.1.128.0/17")
	create := func(peer string) (string, error) {
		out, err := s.CreateVpcPeeringConnection(ctx, requesterCaller, &ec2.CreateVpcPeeringConnectionRequest{VpcId: kit.Ptr(a), PeerVpcId: kit.Ptr(peer), PeerOwnerId: kit.Ptr(accepterCaller.Account)})
		if err != nil {
			return "", err
		}
		return *out.VpcPeeringConnection.VpcPeeringConnectionId, nil
	}
	pcx, err := create(b)
	wantCode(t, err, "")

	tests := []struct {
		name string
		run  func() error
		code string
	}{
		{"the accepter sees the request", func() error {
			if st := peeringState(t, s, accepterCaller, pcx); st != "pending-acceptance" {
				t.Errorf("accepter sees %s", st)
			}
			return nil
		}, ""},
		{"a third account does not", func() error {
			_, err := s.DescribeVpcPeeringConnections(ctx, testCaller, &ec2.DescribeVpcPeeringConnectionsRequest{VpcPeeringConnectionIds: []string{pcx}})
			return err
		}, "InvalidVpcPeeringConnectionID.NotFound"},
		{"the same pair again", func() error { _, err := create(b); return err }, "VpcPeeringConnectionAlreadyExists"},
		{"a malformed ID", func() error {
			_, err := s.AcceptVpcPeeringConnection(ctx, accepterCaller, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: kit.Ptr("pcx-zz")})
			return err
		}, "InvalidVpcPeeringConnectionId.Malformed"},
		{"a route before acceptance", func() error {
			rtb := storedVpc(t, s, requesterCaller, a).MainRouteTable
			_, err := s.CreateRoute(ctx, requesterCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("10.2.0.0/16"), VpcPeeringConnectionId: kit.Ptr(pcx)})
			return err
		}, "InvalidVpcPeeringConnectionID.NotFound"},
		{"the requester cannot accept", func() error {
			_, err := s.AcceptVpcPeeringConnection(ctx, requesterCaller, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: kit.Ptr(pcx)})
			return err
		}, "OperationNotPermitted"},
		{"the accepter accepts", func() error {
			_, err := s.AcceptVpcPeeringConnection(ctx, accepterCaller, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: kit.Ptr(pcx)})
			if st := peeringState(t, s, requesterCaller, pcx); err == nil && st != "active" {
				t.Errorf("requester sees %s after acceptance", st)
			}
			return err
		}, ""},
		{"accepting twice", func() error {
			_, err := s.AcceptVpcPeeringConnection(ctx, accepterCaller, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: kit.Ptr(pcx)})
			return err
		}, "InvalidStateTransition"},
		{"rejecting an active one", func() error {
			_, err := s.RejectVpcPeeringConnection(ctx, accepterCaller, &ec2.RejectVpcPeeringConnectionRequest{VpcPeeringConnectionId: kit.Ptr(pcx)})
			return err
		}, "InvalidStateTransition"},
		{"a route once active", func() error {
			rtb := storedVpc(t, s, requesterCaller, a).MainRouteTable
			_, err := s.CreateRoute(ctx, requesterCaller, &ec2.CreateRouteRequest{RouteTableId: kit.Ptr(rtb), DestinationCidrBlock: kit.Ptr("10.2.0.0/16"), VpcPeeringConnectionId: kit.Ptr(pcx)})
			return err
		}, ""},
		{"a rule naming the peer's group", func() error {
			peerGroup := storedVpc(t, s, accepterCaller, b).DefaultGroup
			mine := storedVpc(t, s, requesterCaller, a).DefaultGroup
			_, err := s.AuthorizeSecurityGroupIngress(ctx, requesterCaller, &ec2.AuthorizeSecurityGroupIngressRequest{GroupId: kit.Ptr(mine), IpPermissions: []ec2.IpPermission{{
				IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(80)), ToPort: kit.Ptr(int32(80)),
				UserIdGroupPairs: []ec2.UserIdGroupPair{{GroupId: kit.Ptr(peerGroup), UserId: kit.Ptr(accepterCaller.Account)}},
			}}})
			return err
		}, ""},
		{"the accepter deletes it", func() error {
			_, err := s.DeleteVpcPeeringConnection(ctx, accepterCaller, &ec2.DeleteVpcPeeringConnectionRequest{VpcPeeringConnectionId: kit.Ptr(pcx)})
			if st := peeringState(t, s, requesterCaller, pcx); err == nil && st != "deleted" {
				t.Errorf("requester sees %s after deletion", st)
			}
			return err
		}, ""},
		{"overlapping blocks fail", func() error {
			id, err := create(overlapping)
			if err == nil && peeringState(t, s, requesterCaller, id) != "failed" {
				t.Errorf("overlapping request is %s", peeringState(t, s, requesterCaller, id))
			}
			return err
		}, ""},
		{"a request expires after 7 days", func() error {
			id, err := create(b)
			if err != nil {
				return err
			}
			now := s.Now
			s.Now = func() time.Time { return now().Add(8 * 24 * time.Hour) }
			defer func() { s.Now = now }()
			if st := peeringState(t, s, accepterCaller, id); st != "expired" {
				t.Errorf("after 8 days the request is %s", st)
			}
			_, err = s.AcceptVpcPeeringConnection(ctx, accepterCaller, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: kit.Ptr(id)})
			return err
		}, "InvalidStateTransition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.run(), tt.code) })
	}
}

// storedVpc reads a VPC's record as c.
func storedVpc(t *testing.T, s *Service, c Caller, vpc string) kit.VpcRecord {
	t.Helper()
	var rec kit.VpcRecord
	err := s.View(context.Background(), func(tx *kit.Txn) error { _, err := tx.Get(c.Key(vpc), &rec); return err })
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestPeeringAcrossRegions: a peering to a VPC of another region is accepted in that
// region, each side sees it in its own, and the data plane's model links the two VPCs.
func TestPeeringAcrossRegions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	east, west := testCaller, Caller{Account: testCaller.Account, Region: "eu-west-1"}
	a, b := vpcAs(t, s, east, "10.1.0.0/16"), vpcAs(t, s, west, "10.2.0.0/16")
	_, err := s.CreateVpcPeeringConnection(ctx, east, &ec2.CreateVpcPeeringConnectionRequest{VpcId: &a, PeerVpcId: &b, PeerRegion: kit.Ptr("xx-nowhere-1")})
	wantCode(t, err, "InvalidRegion")
	_, err = s.CreateVpcPeeringConnection(ctx, east, &ec2.CreateVpcPeeringConnectionRequest{VpcId: &a, PeerVpcId: &b})
	wantCode(t, err, "InvalidVpcID.NotFound") // without PeerRegion, the peer is looked for here
	out, err := s.CreateVpcPeeringConnection(ctx, east, &ec2.CreateVpcPeeringConnectionRequest{VpcId: &a, PeerVpcId: &b, PeerRegion: kit.Ptr("eu-west-1")})
	wantCode(t, err, "")
	pcx := *out.VpcPeeringConnection.VpcPeeringConnectionId
	if r := *out.VpcPeeringConnection.AccepterVpcInfo.Region; r != "eu-west-1" {
		t.Errorf("accepter region %s", r)
	}
	_, err = s.AcceptVpcPeeringConnection(ctx, east, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: &pcx})
	wantCode(t, err, "OperationNotPermitted")
	_, err = s.AcceptVpcPeeringConnection(ctx, west, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: &pcx})
	wantCode(t, err, "")
	for _, c := range []Caller{east, west} {
		if st := peeringState(t, s, c, pcx); st != "active" {
			t.Errorf("%s sees %s %s", c.Region, pcx, st)
		}
	}
	n, _, err := s.Network(ctx)
	wantCode(t, err, "")
	if p := n.Peerings[pcx]; p == nil || p.Requester != a || p.Accepter != b {
		t.Errorf("the model's peering: %+v", p)
	}
}
