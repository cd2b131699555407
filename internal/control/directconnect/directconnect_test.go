package directconnect

import (
	"net/netip"
	"testing"
)

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"dxcon-fgq2ib6j": true, "dxcon-ffabc123xyz": true, newID("dxcon"): true,
		"dxcon-FGQ2IB6J": false, "dxcon-abc": false, "dxvif-fgq2ib6j": false, "dxcon-fgq2-b6j": false, "": false,
	} {
		if got := validID(id, "dxcon"); got != want {
			t.Errorf("validID(%q) = %v, want %v", id, got, want)
		}
	}
}

// linkPair gives the two usable addresses of a /30 of 169.254.0.0/16, never its first
// /30 (169.254.0.0/30).
func TestLinkPair(t *testing.T) {
	link := netip.MustParsePrefix("169.254.0.0/16")
	for range 1000 {
		a, c := linkPair()
		if a.Bits() != 30 || c.Bits() != 30 || a.Masked() != c.Masked() || !link.Contains(a.Addr()) ||
			a.Addr() != a.Masked().Addr().Next() || c.Addr() != a.Addr().Next() || a.Masked().Addr() == link.Addr() {
			t.Fatalf("linkPair() = %s, %s", a, c)
		}
	}
}

func TestLocationsIn(t *testing.T) {
	for region, want := range map[string]string{"us-east-1": "EqDC2", "ap-southeast-5": "VPCDAS5", "me-central-1": "VPCDMC1"} {
		if got := locationsIn(region)[0].code; got != want {
			t.Errorf("first location of %s = %s, want %s", region, got, want)
		}
	}
}

func TestPage(t *testing.T) {
	items := []int{1, 2, 3, 4, 5}
	two := int32(2)
	var got []int
	var token *string
	for {
		pg, next, err := page(items, &two, token)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pg...)
		if token = next; token == nil {
			break
		}
	}
	if len(got) != 5 || got[4] != 5 {
		t.Errorf("pages gave %v", got)
	}
	if all, next, _ := page(items, nil, nil); len(all) != 5 || next != nil {
		t.Errorf("without maxResults: %v %v", all, next)
	}
	bad := "bm9wZQ"
	if _, _, err := page(items, &two, &bad); err == nil {
		t.Error("a token of another's making is accepted")
	}
}
