package e2e

// DHCP option sets and managed prefix lists end to end: what an instance reads in its
// /etc/resolv.conf through `vpcd exec`, and security group rules that name a prefix list
// admitting exactly the list's addresses, also after the list changes.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// resolvConf is the instance's /etc/resolv.conf as a process inside it sees it.
func (p *plane) resolvConf(id string) string {
	out, err := exec.Command(p.bin, "exec", id, "--", "cat", "/etc/resolv.conf").Output()
	if err != nil {
		return "error: " + err.Error()
	}
	return string(out)
}

func (p *plane) resolvConfIs(id, what string, want func(string) bool) {
	p.t.Helper()
	var last string
	p.eventually(what, func() bool {
		last = p.resolvConf(id)
		return want(last)
	})
	p.t.Logf("%s:\n%s", what, last)
}

func TestDhcpOptionsResolvConf(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	inst := p.launch(p.subnet(vpc, "10.0.1.0/24"), nil)

	// A new VPC has the account's default set: the region's domain and AmazonProvidedDNS,
	// the VPC's base address + 2.
	p.resolvConfIs(inst.ID, "the default options", func(s string) bool {
		return strings.Contains(s, "search ec2.internal\n") && strings.Contains(s, "nameserver 10.0.0.2\n")
	})

	set, err := p.ec2.CreateDhcpOptions(p.ctx, &ec2sdk.CreateDhcpOptionsInput{DhcpConfigurations: []types.NewDhcpConfiguration{
		{Key: aws.String("domain-name"), Values: []string{"corp.example"}},
		{Key: aws.String("domain-name-servers"), Values: []string{"192.0.2.53", "AmazonProvidedDNS"}},
	}})
	p.check("CreateDhcpOptions", err)
	_, err = p.ec2.AssociateDhcpOptions(p.ctx, &ec2sdk.AssociateDhcpOptionsInput{DhcpOptionsId: set.DhcpOptions.DhcpOptionsId, VpcId: aws.String(vpc)})
	p.check("AssociateDhcpOptions", err)
	p.resolvConfIs(inst.ID, "the associated options", func(s string) bool {
		return strings.Contains(s, "search corp.example\nnameserver 192.0.2.53\nnameserver 10.0.0.2\n")
	})

	_, err = p.ec2.AssociateDhcpOptions(p.ctx, &ec2sdk.AssociateDhcpOptionsInput{DhcpOptionsId: aws.String("default"), VpcId: aws.String(vpc)})
	p.check("AssociateDhcpOptions default", err)
	p.resolvConfIs(inst.ID, "no options", func(s string) bool { return s == "" })

	_, err = p.ec2.TerminateInstances(p.ctx, &ec2sdk.TerminateInstancesInput{InstanceIds: []string{inst.ID}})
	p.check("TerminateInstances", err)
	p.eventually("the terminated instance's /etc/netns removed", func() bool {
		_, err := os.Stat(filepath.Join("/etc/netns", inst.ID))
		return os.IsNotExist(err)
	})
}

func TestPrefixListSecurityGroup(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	client := p.group(vpc, "client")
	web := p.group(vpc, "web")
	server := p.launch(sub, []string{web}, withIP("10.0.1.20"))
	a := p.launch(sub, []string{client}, withIP("10.0.1.10"))
	b := p.launch(sub, []string{client}, withIP("10.0.1.11"))

	pl, err := p.ec2.CreateManagedPrefixList(p.ctx, &ec2sdk.CreateManagedPrefixListInput{
		PrefixListName: aws.String("clients"), MaxEntries: aws.Int32(5), AddressFamily: aws.String("IPv4"),
		Entries: []types.AddPrefixListEntry{{Cidr: aws.String(a.IP + "/32"), Description: aws.String("a")}},
	})
	p.check("CreateManagedPrefixList", err)
	plID := pl.PrefixList.PrefixListId
	p.allowIn(web, types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8000), ToPort: aws.Int32(8000),
		PrefixListIds: []types.PrefixListId{{PrefixListId: plID}}})
	p.serve(server.ID, "tcp-serve", 8000)

	if got := p.passes(tcp(a.ID, server.IP, 8000)); got != a.IP {
		t.Errorf("server saw %q, want %s", got, a.IP)
	}
	p.dropped(tcp(b.ID, server.IP, 8000))

	_, err = p.ec2.ModifyManagedPrefixList(p.ctx, &ec2sdk.ModifyManagedPrefixListInput{PrefixListId: plID, CurrentVersion: aws.Int64(1),
		AddEntries: []types.AddPrefixListEntry{{Cidr: aws.String(b.IP + "/32")}}})
	p.check("ModifyManagedPrefixList", err)
	if got := p.passes(tcp(b.ID, server.IP, 8000)); got != b.IP {
		t.Errorf("server saw %q, want %s", got, b.IP)
	}

	_, err = p.ec2.ModifyManagedPrefixList(p.ctx, &ec2sdk.ModifyManagedPrefixListInput{PrefixListId: plID, CurrentVersion: aws.Int64(2),
		RemoveEntries: []types.RemovePrefixListEntry{{Cidr: aws.String(a.IP + "/32")}}})
	p.check("ModifyManagedPrefixList remove", err)
	p.becomesDropped(tcp(a.ID, server.IP, 8000))
}
