package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestTerraformTwoTier applies the classic two-tier layout with Terraform: public and
// private subnets in two zones, a NAT gateway per zone, a custom ACL on the private
// subnets and a peered second VPC. A second plan must be empty. Then real traffic: each
// private instance leaves through its own zone's NAT gateway, nothing from the internet
// gets in except to the public web server, the ACL's deny wins over its allows, the peer
// VPC reaches the private tier over the peering but never the internet through it.
// Destroy leaves no NAT gateway, address, VPC or namespace behind.
func TestTerraformTwoTier(t *testing.T) {
	requireDataplane(t)
	mirror := requireTerraform(t)
	p := startPlane(t)
	dir := copyDir(t, "testdata/terraform-twotier")
	vars := []string{"-var", "endpoint=" + p.url, "-var", "probe=" + p.probe}
	terraform(t, dir, mirror, "init", "-input=false", "-no-color")
	start := time.Now()
	if out, err := tryTerraform(dir, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars...)...); err != nil {
		if m := unsupported.FindString(out); m != "" {
			t.Skipf("blocked by: the provider's apply calls an action vpcd does not serve: %s", m)
		}
		t.Fatalf("terraform apply: %v\n%s", err, out)
	}
	t.Logf("apply took %v", time.Since(start).Round(time.Second))
	// -detailed-exitcode exits 2 when there are changes, which terraform() reports.
	plan := terraform(t, dir, mirror, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, vars...)...)
	if !strings.Contains(plan, "No changes.") {
		t.Fatalf("second plan is not empty:\n%s", plan)
	}

	var raw map[string]struct{ Value json.RawMessage }
	if err := json.Unmarshal([]byte(terraform(t, dir, mirror, "output", "-json")), &raw); err != nil {
		t.Fatal(err)
	}
	str := func(name string) string {
		var s string
		if err := json.Unmarshal(raw[name].Value, &s); err != nil {
			t.Fatalf("output %s: %v (%s)", name, err, raw[name].Value)
		}
		return s
	}
	byZone := func(name string) map[string]string {
		var m map[string]string
		if err := json.Unmarshal(raw[name].Value, &m); err != nil || len(m) != 2 {
			t.Fatalf("output %s: %v (%s), want one value per zone", name, err, raw[name].Value)
		}
		return m
	}
	web, webPublic := str("web_id"), str("web_public_ip")
	peer, peerIP := str("peer_id"), str("peer_private_ip")
	apps, appIPs, appPublic := byZone("app_ids"), byZone("app_private_ips"), byZone("app_public_ips")
	nats, natIPs := byZone("nat_ids"), byZone("nat_public_ips")
	zones := []string{"a", "b"}
	if webPublic == "" {
		t.Fatal("web has no public address")
	}
	for _, z := range zones {
		if appPublic[z] != "" || natIPs[z] == "" {
			t.Fatalf("zone %s: app public address %q (want none), NAT gateway address %q (want one)", z, appPublic[z], natIPs[z])
		}
	}
	if natIPs["a"] == natIPs["b"] {
		t.Fatalf("both NAT gateways have the address %s", natIPs["a"])
	}
	p.serve("internet", "tcp-serve", 80)

	t.Run("each zone leaves through its own NAT gateway", func(t *testing.T) {
		for _, z := range zones {
			if got := p.passes(tcp(apps[z], internetHost, 80)); got != natIPs[z] {
				t.Errorf("app-%s: the internet saw %q, want zone %s's NAT gateway %s (the other zone's is %s)", z, got, z, natIPs[z], natIPs[other(z)])
			}
		}
	})
	t.Run("web is reachable from the internet", func(t *testing.T) {
		if got := p.passes(tcp("internet", webPublic, 80)); !strings.HasSuffix(got, " web") {
			t.Errorf("answer %q, want web's tag", got)
		}
	})
	t.Run("nothing from the internet gets to the private tier", func(t *testing.T) {
		p.passes(tcp("internet", webPublic, 80)) // the internet's probes run
		for _, z := range zones {
			// No route to a private address from the internet at all.
			if ans, err := p.try(tcp("internet", appIPs[z], 8080)); err == nil {
				t.Errorf("the internet reached app-%s at %s: %q", z, appIPs[z], ans)
			}
			// A NAT gateway's Elastic IP admits only replies.
			p.dropped(tcp("internet", natIPs[z], 8080))
		}
	})
	t.Run("the ACL's deny comes before its allows", func(t *testing.T) {
		for _, z := range zones {
			if got := p.passes(tcp(web, appIPs[z], 8080)); !strings.HasSuffix(got, " app-"+z) {
				t.Errorf("web to app-%s on 8080: answer %q", z, got)
			}
			p.dropped(tcp(web, appIPs[z], 8081))
		}
	})
	t.Run("the peer VPC reaches the private tier over the peering", func(t *testing.T) {
		for _, z := range zones {
			if got := p.passes(tcp(peer, appIPs[z], 8080)); got != peerIP+" app-"+z {
				t.Errorf("peer to app-%s on 8080: answer %q, want %q (no translation over a peering)", z, got, peerIP+" app-"+z)
			}
			p.dropped(tcp(peer, appIPs[z], 8081))
		}
	})
	t.Run("no transit from the peer VPC to the internet", func(t *testing.T) {
		p.passes(tcp(peer, appIPs["a"], 8080)) // the peer's probes run
		if ans, err := p.try(tcp(peer, internetHost, 80)); err == nil {
			t.Errorf("the peer VPC, with no route to the internet, reached it: %q", ans)
		} else {
			t.Logf("without a route: %v", err)
		}
		// Even routed to the peering, the internet is not reached through the main VPC's
		// NAT gateways: a peering carries only traffic between the two VPCs' addresses.
		rtb, pcx := str("peer_route_table_id"), str("peering_id")
		_, err := p.ec2.CreateRoute(p.ctx, &ec2sdk.CreateRouteInput{RouteTableId: aws.String(rtb),
			DestinationCidrBlock: aws.String("0.0.0.0/0"), VpcPeeringConnectionId: aws.String(pcx)})
		p.check("CreateRoute 0.0.0.0/0 to the peering", err)
		defer func() {
			_, err := p.ec2.DeleteRoute(p.ctx, &ec2sdk.DeleteRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("0.0.0.0/0")})
			p.check("DeleteRoute", err)
		}()
		// Wait until the peer VPC's router sends everything to the peering link.
		router, link := routerNamespace(str("peer_vpc_id")), peeringLinkName(pcx)
		p.eventually("the default route to the peering in "+router, func() bool {
			for _, line := range strings.Split(ip(t, router, "-4", "route", "show", "table", "all"), "\n") {
				if strings.HasPrefix(line, "default ") && strings.Contains(line, " dev "+link+" ") {
					return true
				}
			}
			return false
		})
		p.passes(tcp(peer, appIPs["b"], 8080))
		p.dropped(tcp(peer, internetHost, 80))
		p.dropped(tcp(peer, internetHost, 80))
	})

	start = time.Now()
	terraform(t, dir, mirror, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
	t.Logf("destroy took %v", time.Since(start).Round(time.Second))

	gws, err := p.ec2.DescribeNatGateways(p.ctx, &ec2sdk.DescribeNatGatewaysInput{})
	p.check("DescribeNatGateways", err)
	for _, g := range gws.NatGateways {
		if g.State != types.NatGatewayStateDeleted {
			t.Errorf("after destroy, NAT gateway %s is %s", aws.ToString(g.NatGatewayId), g.State)
		}
	}
	addrs, err := p.ec2.DescribeAddresses(p.ctx, &ec2sdk.DescribeAddressesInput{})
	p.check("DescribeAddresses", err)
	for _, a := range addrs.Addresses {
		t.Errorf("after destroy, Elastic IP %s (%s) is still allocated", aws.ToString(a.PublicIp), aws.ToString(a.AllocationId))
	}
	vpcs, err := p.ec2.DescribeVpcs(p.ctx, &ec2sdk.DescribeVpcsInput{})
	p.check("DescribeVpcs", err)
	for _, v := range vpcs.Vpcs {
		if !aws.ToBool(v.IsDefault) {
			t.Errorf("after destroy, VPC %s (%s) is left", aws.ToString(v.VpcId), aws.ToString(v.CidrBlock))
		}
	}
	// Namespaces are this vpcd's own, by name: other vpcd instances may run beside it.
	gone := []string{web, peer, routerNamespace(str("main_vpc_id")), routerNamespace(str("peer_vpc_id"))}
	for _, z := range zones {
		gone = append(gone, apps[z], "vpcd-"+nats[z])
	}
	p.eventually("namespaces of the instances, NAT gateways and VPC routers gone after destroy", func() bool {
		for _, ns := range gone {
			if hasNamespace(t, ns) {
				return false
			}
		}
		return true
	})
}

// peeringLinkName is the link a peering has in each of its VPCs' routers (plan's name).
func peeringLinkName(pcx string) string { return "p" + pcx[len(pcx)-14:] }

func other(zone string) string {
	if zone == "a" {
		return "b"
	}
	return "a"
}
