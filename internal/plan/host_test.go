package plan

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"vpcd/internal/model"
)

// hostWorld is two peered VPCs with a gateway each, instance 1 and 2 in the first, 3 in
// the second, placed on hosts h1 (1) and h2 (2 and 3).
func hostWorld() *model.Network {
	w := world{vpcs: []worldVPC{
		{instances: []int{1, 2}, gateway: true, refers: -1, port: 22},
		{instances: []int{3}, gateway: true, refers: 0, port: 80},
	}, peerings: [][2]int{{0, 1}}}
	n := w.generate()
	n.Instances[instanceID(1)].Host = "h1"
	n.Instances[instanceID(2)].Host = "h2"
	n.Instances[instanceID(3)].Host = "h2"
	return n
}

func planned(p *Planner) []string {
	var names []string
	for _, ns := range p.State().Namespaces {
		names = append(names, ns.Name)
	}
	return names
}

func namespaceOf(t *testing.T, p *Planner, name string) Namespace {
	t.Helper()
	for _, ns := range p.State().Namespaces {
		if ns.Name == name {
			return ns
		}
	}
	t.Fatalf("%s is not planned", name)
	return Namespace{}
}

// TestHostPlansItsOwnShare checks what each host plans when vpcd spans several: its own
// instances and the routers of their VPCs, without links to what is elsewhere; the local
// host (one machine) plans everything, as Compute does.
func TestHostPlansItsOwnShare(t *testing.T) {
	n := hostWorld()
	vpc0, vpc1 := RouterNamespace(vpcID(0)), RouterNamespace(vpcID(1))
	for _, tc := range []struct {
		host string
		want []string
	}{
		{"h1", []string{instanceID(1), Internet, ServicesNamespace(Internet), vpc0}},
		{"h2", []string{instanceID(2), instanceID(3), Internet, ServicesNamespace(Internet), vpc0, vpc1}},
		{"h3", nil},
	} {
		t.Run(tc.host, func(t *testing.T) {
			p := NewPlanner(Host{ID: tc.host})
			p.PlanAll(Index(n))
			if got := planned(p); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("planned %v, want %v", got, tc.want)
			}
			for _, ns := range p.State().Namespaces {
				for _, l := range ns.Links {
					if l.Peer.Namespace != "" && !slices.Contains(tc.want, l.Peer.Namespace) {
						t.Errorf("%s links to %s, which is not planned", ns.Name, l.Peer.Namespace)
					}
				}
			}
		})
	}
	// h1's router of the first VPC has nothing of instance 2 (on h2) nor of the peered
	// VPC's router (h1 carries none of its instances).
	p := NewPlanner(Host{ID: "h1"})
	p.PlanAll(Index(n))
	router := namespaceOf(t, p, vpc0)
	gone := []string{eniLink("eni-" + instanceID(2)[2:]), vpc1}
	text := State{Namespaces: []Namespace{router}}.String()
	for _, g := range gone {
		if strings.Contains(text, g) {
			t.Errorf("h1's router still names %s:\n%s", g, text)
		}
	}
	if len(router.Firewall.Interfaces) != 1 {
		t.Errorf("h1's router gates %d interfaces, want instance 1's alone", len(router.Firewall.Interfaces))
	}

	local := NewPlanner(Host{})
	local.PlanAll(Index(n))
	if got, want := local.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Errorf("the local host's plan differs from Compute's")
	}
}

// TestHostReplansWhenAnInstanceMoves checks that a partial plan follows the placement:
// an instance placed on another host leaves this one's plan, and its router with it when
// it was the VPC's last here.
func TestHostReplansWhenAnInstanceMoves(t *testing.T) {
	n := hostWorld()
	p := NewPlanner(Host{ID: "h1"})
	p.PlanAll(Index(n))
	moved := hostWorld()
	moved.Instances[instanceID(1)].Host = "h2"
	u := p.Plan(Index(moved), []string{vpcID(0)}, nil)
	if want := []string{instanceID(1), Internet, ServicesNamespace(Internet), RouterNamespace(vpcID(0))}; !reflect.DeepEqual(u.Deleted, want) {
		t.Errorf("deleted %v, want %v", u.Deleted, want)
	}
	if got := planned(p); len(got) != 0 {
		t.Errorf("h1 still plans %v", got)
	}
}
