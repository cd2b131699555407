package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// An instance takes its hostname options from its subnet at launch, RunInstances'
// PrivateDnsNameOptions override them, DescribeInstances shows them and the model carries
// them with the VPC's DNS attributes.
func TestPrivateDNSNameOptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpcID, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	on := &ec2.AttributeBooleanValue{Value: kit.Ptr(true)}
	for _, in := range []ec2.ModifySubnetAttributeRequest{
		{SubnetId: &subnetID, PrivateDnsHostnameTypeOnLaunch: kit.Ptr("resource-name")},
		{SubnetId: &subnetID, EnableResourceNameDnsARecordOnLaunch: on},
	} {
		if err := s.ModifySubnetAttribute(ctx, testCaller, &in); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ModifyVpcAttribute(ctx, testCaller, &ec2.ModifyVpcAttributeRequest{VpcId: &vpcID, EnableDnsHostnames: on}); err != nil {
		t.Fatal(err)
	}
	fromSubnet := mustRun(t, s, subnetID)
	overridden := mustRun(t, s, subnetID, func(in *ec2.RunInstancesRequest) {
		in.PrivateDnsNameOptions = &ec2.PrivateDnsNameOptionsRequest{HostnameType: kit.Ptr("ip-name"), EnableResourceNameDnsAAAARecord: kit.Ptr(true)}
	})
	_, err := run(s, subnetID, 1, func(in *ec2.RunInstancesRequest) {
		in.PrivateDnsNameOptions = &ec2.PrivateDnsNameOptionsRequest{HostnameType: kit.Ptr("dns-name")}
	})
	wantCode(t, err, "InvalidParameterValue")

	want := map[string]model.PrivateDNSNameOptions{
		*fromSubnet.InstanceId: {HostnameType: "resource-name", ResourceNameDNSA: true},
		*overridden.InstanceId: {HostnameType: "ip-name", ResourceNameDNSA: true, ResourceNameDNSAAAA: true},
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, w := range want {
		o := describeInstance(t, s, id).PrivateDnsNameOptions
		got := model.PrivateDNSNameOptions{HostnameType: *o.HostnameType, ResourceNameDNSA: *o.EnableResourceNameDnsARecord, ResourceNameDNSAAAA: *o.EnableResourceNameDnsAAAARecord}
		if got != w {
			t.Errorf("%s: described %+v, want %+v", id, got, w)
		}
		if m := n.Instances[id].PrivateDNSNameOptions; m != w {
			t.Errorf("%s: model %+v, want %+v", id, m, w)
		}
	}
	for filter, want := range map[string]string{
		"private-dns-name-options.enable-resource-name-dns-aaaa-record": *overridden.InstanceId,
		"private-dns-name-options.hostname-type":                        *fromSubnet.InstanceId,
	} {
		value := "true"
		if filter == "private-dns-name-options.hostname-type" {
			value = "resource-name"
		}
		out, err := s.DescribeInstances(ctx, testCaller, &ec2.DescribeInstancesRequest{Filters: []ec2.Filter{{Name: kit.Ptr(filter), Values: []string{value}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Reservations) != 1 || *out.Reservations[0].Instances[0].InstanceId != want {
			t.Errorf("filter %s=%s: %d reservations, want %s alone", filter, value, len(out.Reservations), want)
		}
	}
	if v := n.VPCs[vpcID]; !v.EnableDnsSupport || !v.EnableDnsHostnames {
		t.Errorf("model VPC DNS attributes = %v %v, want both on", v.EnableDnsSupport, v.EnableDnsHostnames)
	}
}

// Each side's AllowDnsResolutionFromRemoteVpc reaches the model's peering as that side's.
func TestPeeringDNSOptionInModel(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	a := vpcAs(t, s, requesterCaller, "10.1.0.0/16")
	b := vpcAs(t, s, accepterCaller, "10.2.0.0/16")
	out, err := s.CreateVpcPeeringConnection(ctx, requesterCaller, &ec2.CreateVpcPeeringConnectionRequest{VpcId: &a, PeerVpcId: &b, PeerOwnerId: kit.Ptr(accepterCaller.Account)})
	if err != nil {
		t.Fatal(err)
	}
	pcx := out.VpcPeeringConnection.VpcPeeringConnectionId
	if _, err := s.AcceptVpcPeeringConnection(ctx, accepterCaller, &ec2.AcceptVpcPeeringConnectionRequest{VpcPeeringConnectionId: pcx}); err != nil {
		t.Fatal(err)
	}
	allow := &ec2.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: kit.Ptr(true)}
	if _, err := s.ModifyVpcPeeringConnectionOptions(ctx, accepterCaller, &ec2.ModifyVpcPeeringConnectionOptionsRequest{VpcPeeringConnectionId: pcx, AccepterPeeringConnectionOptions: allow}); err != nil {
		t.Fatal(err)
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := n.Peerings[*pcx]
	if p == nil || p.PrivateDNSFrom(a) || !p.PrivateDNSFrom(b) {
		t.Fatalf("peering %+v: want the accepter's names private from the requester, not the other way", p)
	}
}

// ModifyPrivateDnsNameOptions changes the options it is given, and the model follows.
func TestModifyPrivateDNSNameOptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, subnetID := vpcWithSubnet(t, s, "10.0.1.0/24")
	id := mustRun(t, s, subnetID).InstanceId
	for _, tc := range []struct {
		name string
		in   ec2.ModifyPrivateDnsNameOptionsRequest
		code string
		want model.PrivateDNSNameOptions
	}{
		{"instance required", ec2.ModifyPrivateDnsNameOptionsRequest{PrivateDnsHostnameType: kit.Ptr("resource-name")}, "MissingParameter", model.PrivateDNSNameOptions{HostnameType: "ip-name"}},
		{"bad hostname type", ec2.ModifyPrivateDnsNameOptionsRequest{InstanceId: id, PrivateDnsHostnameType: kit.Ptr("dns-name")}, "InvalidParameterValue", model.PrivateDNSNameOptions{HostnameType: "ip-name"}},
		{"unknown instance", ec2.ModifyPrivateDnsNameOptionsRequest{InstanceId: kit.Ptr("i-0123456789abcdef0"), EnableResourceNameDnsARecord: kit.Ptr(true)}, "InvalidInstanceID.NotFound", model.PrivateDNSNameOptions{HostnameType: "ip-name"}},
		{"hostname type", ec2.ModifyPrivateDnsNameOptionsRequest{InstanceId: id, PrivateDnsHostnameType: kit.Ptr("resource-name")}, "", model.PrivateDNSNameOptions{HostnameType: "resource-name"}},
		{"A and AAAA", ec2.ModifyPrivateDnsNameOptionsRequest{InstanceId: id, EnableResourceNameDnsARecord: kit.Ptr(true), EnableResourceNameDnsAAAARecord: kit.Ptr(true)}, "", model.PrivateDNSNameOptions{HostnameType: "resource-name", ResourceNameDNSA: true, ResourceNameDNSAAAA: true}},
		{"AAAA off, the rest stays", ec2.ModifyPrivateDnsNameOptionsRequest{InstanceId: id, EnableResourceNameDnsAAAARecord: kit.Ptr(false)}, "", model.PrivateDNSNameOptions{HostnameType: "resource-name", ResourceNameDNSA: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ModifyPrivateDnsNameOptions(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			n, _, err := s.Network(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Instances[*id].PrivateDNSNameOptions; got != tc.want {
				t.Errorf("options %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*id}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.ModifyPrivateDnsNameOptions(ctx, testCaller, &ec2.ModifyPrivateDnsNameOptionsRequest{InstanceId: id, EnableResourceNameDnsARecord: kit.Ptr(false)})
	wantCode(t, err, "IncorrectInstanceState")
}
