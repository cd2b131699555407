package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"

	"vpcd/internal/vpcdtest"
)

// TestTerraformRoute53PrivateZone applies a private hosted zone with its VPC, A, CNAME,
// TXT and alias records and a second VPC's association, checks that a second plan is
// empty and what Route 53 holds, then destroys it all. The provider waits 10-30 s after
// each change before it asks GetChange, so the test takes minutes.
func TestTerraformRoute53PrivateZone(t *testing.T) {
	mirror := requireTerraform(t)
	url, _ := vpcdtest.StartBinary(t, vpcdtest.BuildBinary(t), t.TempDir(), "--data-plane", "off")
	out, destroy := terraformApply(t, mirror, "testdata/terraform-route53", url)
	str := func(name string) string {
		s, _ := out[name].(string)
		return s
	}
	ns, _ := out["name_servers"].([]any)
	if len(ns) != 4 || str("db_fqdn") != "db.corp.internal" {
		t.Errorf("outputs: name servers %v, db fqdn %q", ns, str("db_fqdn"))
	}

	ctx := context.Background()
	c := r53.New(r53.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.NewStaticCredentialsProvider("123456789012", "test", "")})
	zone, err := c.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(str("zone_id"))})
	if err != nil {
		t.Fatal(err)
	}
	var vpcs []string
	for _, v := range zone.VPCs {
		vpcs = append(vpcs, aws.ToString(v.VPCId))
	}
	slices.Sort(vpcs)
	want := []string{str("app_vpc"), str("ops_vpc")}
	slices.Sort(want)
	if !slices.Equal(vpcs, want) || !zone.HostedZone.Config.PrivateZone {
		t.Errorf("zone VPCs %v, want %v (private %v)", vpcs, want, zone.HostedZone.Config.PrivateZone)
	}
	sets, err := c.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(str("zone_id"))})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rs := range sets.ResourceRecordSets {
		var values []string
		for _, r := range rs.ResourceRecords {
			values = append(values, aws.ToString(r.Value))
		}
		if rs.AliasTarget != nil {
			values = append(values, "alias:"+aws.ToString(rs.AliasTarget.DNSName))
		}
		got = append(got, aws.ToString(rs.Name)+" "+string(rs.Type)+" "+strings.Join(values, ","))
	}
	for _, w := range []string{
		"corp.internal. TXT \"owner=net\",\"v=spf1 -all\"", "api.corp.internal. CNAME db.corp.internal",
		"db.corp.internal. A 10.60.1.10,10.60.1.11", "primary.corp.internal. A alias:db.corp.internal.",
	} {
		if !slices.ContainsFunc(got, func(g string) bool { return sameRecord(g, w) }) {
			t.Errorf("record sets %q lack %q", got, w)
		}
	}
	destroy()
	zones, err := c.ListHostedZones(ctx, &r53.ListHostedZonesInput{})
	if err != nil || len(zones.HostedZones) != 0 {
		t.Errorf("after destroy: %+v, %v", zones, err)
	}
}

// sameRecord compares "name type v1,v2" lines with the values in any order.
func sameRecord(a, b string) bool {
	fa, fb := strings.SplitN(a, " ", 3), strings.SplitN(b, " ", 3)
	if len(fa) != 3 || len(fb) != 3 || fa[0] != fb[0] || fa[1] != fb[1] {
		return false
	}
	va, vb := strings.Split(fa[2], ","), strings.Split(fb[2], ",")
	slices.Sort(va)
	slices.Sort(vb)
	return slices.Equal(va, vb)
}
