package control

import (
	"context"
	"testing"

	"vpcd/internal/ec2"
)

func TestRegionAbbreviation(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "use1", "us-west-2": "usw2", "eu-central-1": "euc1", "ap-southeast-1": "apse1",
		"ap-northeast-1": "apne1", "eu-west-1": "euw1", "sa-east-1": "sae1", "ca-central-1": "cac1",
	} {
		if got := regionAbbreviation(region); got != want {
			t.Errorf("regionAbbreviation(%s) = %s, want %s", region, got, want)
		}
	}
}

func TestDescribeRegions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   ec2.DescribeRegionsRequest
		want []string
		code string
	}{
		{"all configured regions", ec2.DescribeRegionsRequest{}, DefaultRegions, ""},
		{"all regions adds no opt-in region", ec2.DescribeRegionsRequest{AllRegions: ptr(true)}, DefaultRegions, ""},
		{"by name", ec2.DescribeRegionsRequest{RegionNames: []string{"eu-west-1", "us-west-2"}}, []string{"us-west-2", "eu-west-1"}, ""},
		{"unknown name", ec2.DescribeRegionsRequest{RegionNames: []string{"mars-north-1"}}, nil, "InvalidParameterValue"},
		{"region-name filter wildcard", ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: ptr("region-name"), Values: []string{"eu-*"}}}}, []string{"eu-west-1", "eu-central-1"}, ""},
		{"endpoint filter", ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: ptr("endpoint"), Values: []string{"ec2.us-east-2.amazonaws.com"}}}}, []string{"us-east-2"}, ""},
		{"opt-in-status filter", ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: ptr("opt-in-status"), Values: []string{"not-opted-in"}}}}, nil, ""},
		{"unknown filter", ec2.DescribeRegionsRequest{Filters: []ec2.Filter{{Name: ptr("colour"), Values: []string{"x"}}}}, nil, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DescribeRegions(ctx, testCaller, &tc.in)
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			var got []string
			for _, r := range out.Regions {
				got = append(got, *r.RegionName)
				if *r.Endpoint != "ec2."+*r.RegionName+".amazonaws.com" || *r.OptInStatus != "opt-in-not-required" {
					t.Errorf("region %+v", r)
				}
			}
			if !equalStrings(got, tc.want) {
				t.Errorf("regions = %v, want %v", got, tc.want)
			}
		})
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
		{"other regions have three", west, ec2.DescribeAvailabilityZonesRequest{}, []string{"us-west-2a", "us-west-2b", "us-west-2c"}, ""},
		{"by name", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneNames: []string{"us-east-1c"}}, []string{"us-east-1c"}, ""},
		{"by id", west, ec2.DescribeAvailabilityZonesRequest{ZoneIds: []string{"usw2-az2"}}, []string{"us-west-2b"}, ""},
		{"unknown name", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneNames: []string{"us-east-1z"}}, nil, "InvalidParameterValue"},
		{"zone of another region", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneNames: []string{"us-west-2a"}}, nil, "InvalidParameterValue"},
		{"unknown id", testCaller, ec2.DescribeAvailabilityZonesRequest{ZoneIds: []string{"use1-az9"}}, nil, "InvalidParameterValue"},
		{"zone-name filter", testCaller, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("zone-name"), Values: []string{"us-east-1a", "us-east-1f"}}}}, []string{"us-east-1a", "us-east-1f"}, ""},
		{"zone-id filter", testCaller, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("zone-id"), Values: []string{"use1-az4"}}}}, []string{"us-east-1d"}, ""},
		{"state filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("state"), Values: []string{"available"}}}}, []string{"us-west-2a", "us-west-2b", "us-west-2c"}, ""},
		{"region-name filter of another region", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("region-name"), Values: []string{"us-east-1"}}}}, nil, ""},
		{"zone-type filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("zone-type"), Values: []string{"local-zone"}}}}, nil, ""},
		{"group-name filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("group-name"), Values: []string{"us-west-2"}}}}, []string{"us-west-2a", "us-west-2b", "us-west-2c"}, ""},
		{"opt-in-status filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("opt-in-status"), Values: []string{"opt-in-not-required"}}}}, []string{"us-west-2a", "us-west-2b", "us-west-2c"}, ""},
		{"unknown filter", west, ec2.DescribeAvailabilityZonesRequest{Filters: []ec2.Filter{{Name: ptr("colour"), Values: []string{"x"}}}}, nil, "InvalidParameterValue"},
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
	got := []string{*z.ZoneName, *z.ZoneId, *z.State, *z.RegionName, *z.ZoneType, *z.GroupName, *z.NetworkBorderGroup, *z.OptInStatus}
	want := []string{"eu-central-1b", "euc1-az2", "available", "eu-central-1", "availability-zone", "eu-central-1", "eu-central-1", "opt-in-not-required"}
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
		{"by name", "ap-northeast-1", "ap-northeast-1c", "", "ap-northeast-1c", "apne1-az3", ""},
		{"by id", "eu-west-1", "", "euw1-az1", "eu-west-1a", "euw1-az1", ""},
		{"unknown name", "us-east-1", "us-east-1z", "", "", "", "InvalidParameterValue"},
		{"us-east-1f exists", "us-east-1", "us-east-1f", "", "us-east-1f", "use1-az6", ""},
		{"us-west-2d does not", "us-west-2", "us-west-2d", "", "", "", "InvalidParameterValue"},
		{"nothing given", "us-east-1", "", "", "", "", "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, id, err := zoneByNameOrID(tc.region, tc.zoneName, tc.zoneID)
			wantCode(t, err, tc.code)
			if n != tc.wantName || id != tc.wantID {
				t.Errorf("got %s %s, want %s %s", n, id, tc.wantName, tc.wantID)
			}
		})
	}
	_, _, err := zoneByNameOrID("us-east-1", "us-east-1z", "")
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
	if len(got) != 1 || len(got["default-vpc"]) != 1 || !validID(got["default-vpc"][0], "vpc") {
		t.Errorf("default-vpc after EnsureDefaultVpc = %v", got)
	}
	_, err := s.DescribeAccountAttributes(ctx, testCaller, &ec2.DescribeAccountAttributesRequest{AttributeNames: []string{"colour"}})
	wantCode(t, err, "InvalidParameterValue")
}
