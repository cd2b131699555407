package control

import (
	"context"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func TestRegionAbbreviation(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "use1", "us-west-2": "usw2", "eu-central-1": "euc1", "ap-southeast-1": "apse1",
		"ap-northeast-1": "apne1", "eu-west-1": "euw1", "sa-east-1": "sae1", "ca-central-1": "cac1",
		"eu-north-1": "eun1", "il-central-1": "ilc1", "mx-central-1": "mxc1", "ap-southeast-7": "apse7",
		"ca-west-1": "caw1", "me-south-1": "mes1", "af-south-1": "afs1",
	} {
		if got := kit.RegionAbbreviation(region); got != want {
			t.Errorf("regionAbbreviation(%s) = %s, want %s", region, got, want)
		}
	}
}

func TestDescribeRegions(t *testing.T) {
	ctx := context.Background()
	all := newTestService(t)
	narrow := New(all.Store, Config{Regions: []string{"us-east-1", "eu-west-1", "af-south-1"}})
	var every []string
	for _, r := range kit.CommercialRegions {
		status := "opt-in-not-required"
		if r.OptIn {
			status = "opted-in"
		}
		every = append(every, r.Name+"="+status)
	}
	for _, tc := range []struct {
		name string
		s    *Service
		in   ec2.DescribeRegionsRequest
		want []string // name=status
		code string
	}{
		{"every commercial region by default", all, ec2.DescribeRegionsRequest{}, every, ""},
		{"all regions adds none when every one is served", all, ec2.DescribeRegionsRequest{AllRegions: kit.Ptr(true)}, every, ""},
		{"narrowed: the served ones, the opt-in one opted in", narrow, ec2.DescribeRegionsRequest{},
			[]string{"af-south-1=opted-in", "eu-west-1=opt-in-not-required", "us-east-1=opt-in-not-required"}, ""},
		{"narrowed, all regions: the others not opted in", narrow, ec2.DescribeRegionsRequest{AllRegions: kit.Ptr(true), Filters: []ec2.Filter{{Name: kit.Ptr("region-name"), Values: []string{"eu-north-1", "me-south-1", "af-south-1"}}}},
			[]string{"af-south-1=opted-in", "eu-north-1=not-opted-in", "me-south-1=not-opted-in"}, ""},
		{"narrowed, named: a region not served is listed", narrow, ec2.DescribeRegionsRequest{RegionNames: []string{"eu-north-1", "us-east-1"}},
			[]string{"eu-north-1=not-opted-in", "us-east-1=opt-in-not-required"}, ""},
		{"by name", all, ec2.DescribeRegionsRequest{RegionNames: []string{"eu-west-1", "us-west-2"}}, []string{"eu-west-1=opt-in-not-required", "us-west-2=opt-in-not-required"}, ""},
		{"opt-in region opted in", all, ec2.DescribeRegionsRequest{RegionNames: []string{"me-south-1", "ap-southeast-3"}}, []string{"ap-southeast-3=opted-in", "me-south-1=opted-in"}, ""},
		{"unknown name", all, ec2.DescribeRegionsRequest{RegionNames: []string{"mars-north-1"}}, nil, "InvalidParameterValue"},
		{"region-name filter wildcard", all, ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("region-name"), Values: []string{"eu-*"}}}},
			[]string{"eu-central-1=opt-in-not-required", "eu-central-2=opted-in", "eu-north-1=opt-in-not-required", "eu-south-1=opted-in", "eu-south-2=opted-in", "eu-west-1=opt-in-not-required", "eu-west-2=opt-in-not-required", "eu-west-3=opt-in-not-required"}, ""},
		{"endpoint filter", all, ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("endpoint"), Values: []string{"ec2.us-east-2.amazonaws.com"}}}}, []string{"us-east-2=opt-in-not-required"}, ""},
		{"opt-in-status filter", narrow, ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("opt-in-status"), Values: []string{"opted-in"}}}}, []string{"af-south-1=opted-in"}, ""},
		{"unknown filter", all, ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("colour"), Values: []string{"x"}}}}, nil, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.s.DescribeRegions(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			var got []string
			for _, r := range out.Regions {
				got = append(got, *r.RegionName+"="+*r.OptInStatus)
				if *r.Endpoint != "ec2."+*r.RegionName+".amazonaws.com" {
					t.Errorf("region %+v", r)
				}
			}
			if !equalStrings(got, tc.want) {
				t.Errorf("regions = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCommercialRegions(t *testing.T) {
	if len(kit.CommercialRegions) != 34 || DefaultRegions[0] != "us-east-1" || len(DefaultRegions) != len(kit.CommercialRegions) {
		t.Fatalf("%d regions, default %v", len(kit.CommercialRegions), DefaultRegions)
	}
	seen := map[string]bool{}
	for _, r := range kit.CommercialRegions {
		zs := kit.ZonesOf(r.Name)
		if len(zs) < 2 {
			t.Errorf("%s has %d zones", r.Name, len(zs))
		}
		for _, z := range zs {
			if seen[z.ID] || !strings.HasPrefix(z.Name, r.Name) || len(z.Name) != len(r.Name)+1 || !strings.HasPrefix(z.ID, kit.RegionAbbreviation(r.Name)+"-az") {
				t.Errorf("%s: zone %+v", r.Name, z)
			}
			seen[z.ID] = true
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDescribeAvailabilityZones(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	west := Caller{Account: testCaller.Account, Region: "us-west-2"}
	for _, tc := range []struct {
		name   string
		caller Caller
		in     ec2.DescribeAvailabilityZonesRequest
		want   []string
		code   string
	}{
		{"us-east-1 has six zones", testCaller, ec2.DescribeAvailabilityZonesRequest{}, []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}, ""},
		{"us-west-2 has four", west, ec2.DescribeAvailabilityZonesRequest{}, []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"}, ""},
		{"eu-north-1 has three", Caller{Account: testCaller.Account, Region: "eu-north-1"}, ec2.DescribeAvailabilityZonesRequest{}, []string{"eu-north-1a", "eu-north-1b", "eu-north-1c"}, ""},
		{"ap-northeast-1 has no b", Caller{Account: testCaller.Account, Region: "ap-northeast-1"}, ec2.DescribeAvailabilityZonesRequest{}, []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}, ""},
		{"by name", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneNames: []string{"us-east-1c"}}, []string{"us-east-1c"}, ""},
		{"by id", west, ec2.DescribeAvailabilityZonesRequest{ZoneIds: []string{"usw2-az2"}}, []string{"us-west-2b"}, ""},
		{"unknown name", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneNames: []string{"us-east-1z"}}, nil, "InvalidParameterValue"},
		{"zone of another region", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneNames: []string{"us-west-2a"}}, nil, "InvalidParameterValue"},
		{"unknown id", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneIds: []string{"use1-az9"}}, nil, "InvalidParameterValue"},
		{"zone-name filter", testCaller, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("zone-name"), Values: []string{"us-east-1a", "us-east-1f"}}}}, []string{"us-east-1a", "us-east-1f"}, ""},
		{"zone-id filter", testCaller, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("zone-id"), Values: []string{"use1-az4"}}}}, []string{"us-east-1d"}, ""},
		{"state filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("state"), Values: []string{"available"}}}}, []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"}, ""},
		{"region-name filter of another region", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("region-name"), Values: []string{"us-east-1"}}}}, nil, ""},
		{"zone-type filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("zone-type"), Values: []string{"local-zone"}}}}, nil, ""},
		{"group-name filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("group-name"), Values: []string{"us-west-2-zg-1"}}}}, []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"}, ""},
		{"opt-in-status filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("opt-in-status"), Values: []string{"opt-in-not-required"}}}}, []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"}, ""},
		{"unknown filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("colour"), Values: []string{"x"}}}}, nil, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeAvailabilityZones(ctx, tc.caller, &tc.in)
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			var got []string
			for _, z := range out.AvailabilityZones {
				got = append(got, *z.ZoneName)
			}
			if !equalStrings(got, tc.want) {
				t.Errorf("zones = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAvailabilityZoneShape(t *testing.T) {
	s := newTestService(t)
	out, err := s.DescribeAvailabilityZones(context.Background(), Caller{Account: "1", Region: "eu-central-1"}, &ec2.DescribeAvailabilityZonesRequest{ZoneNames: []string{"eu-central-1b"}})
	if err != nil {
		t.Fatal(err)
	}
	z := out.AvailabilityZones[0]
	got := []string{*z.ZoneName, *z.ZoneId, *z.State, *z.RegionName, *z.ZoneType, *z.GroupName, *z.GroupLongName, *z.NetworkBorderGroup, *z.OptInStatus}
	want := []string{"eu-central-1b", "euc1-az2", "available", "eu-central-1", "availability-zone", "eu-central-1-zg-1", "Europe (Frankfurt) 1", "eu-central-1", "opt-in-not-required"}
	if !equalStrings(got, want) || z.Messages == nil || len(z.Messages) != 0 {
		t.Errorf("zone = %v, messages %v; want %v", got, z.Messages, want)
	}
}

func TestZoneByNameOrID(t *testing.T) {
	for _, tc := range []struct {
		name, region, zoneName, zoneID string
		wantName, wantID               string
		code                           string
	}{
		{"by name", "ap-northeast-1", "ap-northeast-1c", "", "ap-northeast-1c", "apne1-az1", ""},
		{"opt-in region by id", "af-south-1", "", "afs1-az3", "af-south-1c", "afs1-az3", ""},
		{"a zone ID AWS does not offer", "us-west-1", "", "usw1-az2", "", "", "InvalidParameterValue"},
		{"by id", "eu-west-1", "", "euw1-az1", "eu-west-1a", "euw1-az1", ""},
		{"unknown name", "us-east-1", "us-east-1z", "", "", "", "InvalidParameterValue"},
		{"us-east-1f exists", "us-east-1", "us-east-1f", "", "us-east-1f", "use1-az6", ""},
		{"us-west-2e does not", "us-west-2", "us-west-2e", "", "", "", "InvalidParameterValue"},
		{"nothing given", "us-east-1", "", "", "", "", "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, id, err := kit.ZoneByNameOrID(tc.region, tc.zoneName, tc.zoneID)
			wantCode(t, err, tc.code)
			if n != tc.wantName || id != tc.wantID {
				t.Errorf("got %s %s, want %s %s", n, id, tc.wantName, tc.wantID)
			}
		})
	}
	_, _, err := kit.ZoneByNameOrID("us-east-1", "us-east-1z", "")
	if err.Error() != "InvalidParameterValue: Invalid availability zone: [us-east-1z]" {
		t.Errorf("message = %q", err.Error())
	}
}

func TestDescribeAccountAttributes(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	attrs := func(in *ec2.DescribeAccountAttributesRequest) map[string][]string {
		t.Helper()
		out, err := s.DescribeAccountAttributes(ctx, testCaller, in)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string][]string{}
		for _, a := range out.AccountAttributes {
			for _, v := range a.AttributeValues {
				m[*a.AttributeName] = append(m[*a.AttributeName], *v.AttributeValue)
			}
		}
		return m
	}
	all := attrs(&ec2.DescribeAccountAttributesRequest{})
	want := map[string]string{"supported-platforms": "VPC", "default-vpc": "none", "max-instances": "20", "vpc-max-security-groups-per-interface": "5", "max-elastic-ips": "5", "vpc-max-elastic-ips": "5"}
	if len(all) != len(want) {
		t.Errorf("attributes = %v", all)
	}
	for k, v := range want {
		if !equalStrings(all[k], []string{v}) {
			t.Errorf("%s = %v, want %s", k, all[k], v)
		}
	}
	if err := s.EnsureDefaultVpc(ctx, testCaller); err != nil {
		t.Fatal(err)
	}
	got := attrs(&ec2.DescribeAccountAttributesRequest{AttributeNames: []string{"default-vpc"}})
	if len(got) != 1 || len(got["default-vpc"]) != 1 || !kit.ValidID(got["default-vpc"][0], "vpc") {
		t.Errorf("default-vpc after EnsureDefaultVpc = %v", got)
	}
	_, err := s.DescribeAccountAttributes(ctx, testCaller, &ec2.DescribeAccountAttributesRequest{AttributeNames: []string{"colour"}})
	wantCode(t, err, "InvalidParameterValue")
}
