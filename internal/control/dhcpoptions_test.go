package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func dhcpConf(kv ...any) []ec2.NewDhcpConfiguration {
	var out []ec2.NewDhcpConfiguration
	for i := 0; i < len(kv); i += 2 {
		out = append(out, ec2.NewDhcpConfiguration{Key: kit.Ptr(kv[i].(string)), Values: kv[i+1].([]string)})
	}
	return out
}

func createDhcpOptions(t *testing.T, s *Service, confs []ec2.NewDhcpConfiguration) string {
	t.Helper()
	out, err := s.CreateDhcpOptions(context.Background(), testCaller, &ec2.CreateDhcpOptionsRequest{DhcpConfigurations: confs})
	if err != nil {
		t.Fatal(err)
	}
	return *out.DhcpOptions.DhcpOptionsId
}

func TestCreateDhcpOptionsValidation(t *testing.T) {
	s := newTestService(t)
	for _, tc := range []struct {
		name  string
		confs []ec2.NewDhcpConfiguration
		code  string
	}{
		{"no options", nil, "MissingParameter"},
		{"unknown option", dhcpConf("routers", []string{"10.0.0.1"}), "InvalidParameterValue"},
		{"option given twice", dhcpConf("domain-name", []string{"a.example"}, "domain-name", []string{"b.example"}), "InvalidParameterValue"},
		{"five name servers", dhcpConf("domain-name-servers", []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}), "InvalidParameterValue"},
		{"name server not an address", dhcpConf("domain-name-servers", []string{"ns1.example"}), "InvalidParameterValue"},
		{"ntp server not an address", dhcpConf("ntp-servers", []string{"pool.ntp.org"}), "InvalidParameterValue"},
		{"netbios node type 3", dhcpConf("netbios-node-type", []string{"3"}), "InvalidParameterValue"},
		{"lease time too short", dhcpConf("ipv6-address-preferred-lease-time", []string{"139"}), "InvalidParameterValue"},
		{"four name servers", dhcpConf("domain-name-servers", []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}), ""},
		{"AmazonProvidedDNS", dhcpConf("domain-name-servers", []string{"AmazonProvidedDNS"}, "domain-name", []string{"corp.example"}), ""},
		{"every option", dhcpConf("domain-name", []string{"corp.example"}, "ntp-servers", []string{"169.254.169.123"}, "netbios-name-servers", []string{"10.0.0.9"}, "netbios-node-type", []string{"2"}, "ipv6-address-preferred-lease-time", []string{"140"}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateDhcpOptions(context.Background(), testCaller, &ec2.CreateDhcpOptionsRequest{DhcpConfigurations: tc.confs})
			wantCode(t, err, tc.code)
		})
	}
}

func TestDescribeDhcpOptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	all, err := s.DescribeDhcpOptions(ctx, testCaller, &ec2.DescribeDhcpOptionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.DhcpOptions) != 1 || *all.DhcpOptions[0].DhcpConfigurations[0].Key != "domain-name" || *all.DhcpOptions[0].DhcpConfigurations[0].Values[0].Value != "ec2.internal" {
		t.Fatalf("the default set is not described: %+v", all.DhcpOptions)
	}
	def := *all.DhcpOptions[0].DhcpOptionsId
	if vpc := createVpc(t, s, "10.0.0.0/16"); *vpc.DhcpOptionsId != def {
		t.Fatalf("new VPC has %s, want the default %s", *vpc.DhcpOptionsId, def)
	}
	id := createDhcpOptions(t, s, dhcpConf("domain-name", []string{"corp.example"}, "domain-name-servers", []string{"10.0.0.10"}))
	for _, tc := range []struct {
		name    string
		filters []ec2.Filter
		want    int
	}{
		{"by key", []ec2.Filter{{Name: kit.Ptr("key"), Values: []string{"domain-name-servers"}}}, 2},
		{"by value", []ec2.Filter{{Name: kit.Ptr("value"), Values: []string{"10.0.0.10"}}}, 1},
		{"by id", []ec2.Filter{{Name: kit.Ptr("dhcp-options-id"), Values: []string{id}}}, 1},
		{"by owner", []ec2.Filter{{Name: kit.Ptr("owner-id"), Values: []string{testCaller.Account}}}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeDhcpOptions(ctx, testCaller, &ec2.DescribeDhcpOptionsRequest{Filters: tc.filters})
			if err != nil || len(out.DhcpOptions) != tc.want {
				t.Fatalf("got %v, %v; want %d sets", out, err, tc.want)
			}
		})
	}
	_, err = s.DescribeDhcpOptions(ctx, testCaller, &ec2.DescribeDhcpOptionsRequest{DhcpOptionsIds: []string{"dopt-0123456789abcdef0"}})
	wantCode(t, err, "InvalidDhcpOptionID.NotFound")
}

func TestAssociateAndDeleteDhcpOptions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	id := createDhcpOptions(t, s, dhcpConf("domain-name", []string{"corp.example"}))
	assoc := func(dopt string) error {
		return s.AssociateDhcpOptions(ctx, testCaller, &ec2.AssociateDhcpOptionsRequest{DhcpOptionsId: kit.Ptr(dopt), VpcId: kit.Ptr(vpc)})
	}
	del := func(dopt string) error {
		return s.DeleteDhcpOptions(ctx, testCaller, &ec2.DeleteDhcpOptionsRequest{DhcpOptionsId: kit.Ptr(dopt)})
	}
	wantCode(t, assoc("dopt-0123456789abcdef0"), "InvalidDhcpOptionID.NotFound")
	wantCode(t, assoc(id), "")
	vpcs, _ := s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{VpcIds: []string{vpc}})
	if got := *vpcs.Vpcs[0].DhcpOptionsId; got != id {
		t.Fatalf("VPC has %s after associating %s", got, id)
	}
	wantCode(t, del(id), "DependencyViolation")
	wantCode(t, assoc("default"), "")
	vpcs, _ = s.DescribeVpcs(ctx, testCaller, &ec2.DescribeVpcsRequest{VpcIds: []string{vpc}})
	if got := *vpcs.Vpcs[0].DhcpOptionsId; got != "default" {
		t.Fatalf("VPC has %s after associating default", got)
	}
	wantCode(t, del(id), "")
	wantCode(t, del(id), "InvalidDhcpOptionID.NotFound")
}
