package control

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/hosts"
	"vpcd/internal/store"
)

// hostList is a fixed list of live hosts.
type hostList []hosts.Host

func (l hostList) Live() []hosts.Host { return l }

func newMultiHostService(t *testing.T, live ...hosts.Host) *Service {
	t.Helper()
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, Config{Hosts: hostList(live)})
}

func liveHost(id string, capacity int, zones ...string) hosts.Host {
	return hosts.Host{ID: id, Underlay: netip.MustParseAddr("192.0.2.1"), Zones: zones, CapacityVCPUs: capacity}
}

// placedOn returns the host of each instance, as stored.
func placedOn(t *testing.T, s *Service, res *ec2.Reservation) []string {
	t.Helper()
	var out []string
	err := s.View(context.Background(), func(tx *kit.Txn) error {
		for _, i := range res.Instances {
			rec, err := kit.Get[kit.InstanceRecord](tx, testCaller, "i", *i.InstanceId)
			if err != nil {
				return err
			}
			out = append(out, rec.Host)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlacementSpreadsOverTheZonesHosts checks that each instance goes to the least loaded
// live host of its subnet's zone, and that terminating one frees its room.
func TestPlacementSpreadsOverTheZonesHosts(t *testing.T) {
	s := newMultiHostService(t, liveHost("a1", 0, "us-east-1a"), liveHost("a2", 0, "us-east-1a"), liveHost("b1", 0, "us-east-1b"))
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	subA, subB := subnetIn(t, s, vpc, "10.0.1.0/24", "us-east-1a"), subnetIn(t, s, vpc, "10.0.2.0/24", "us-east-1b")
	res, err := run(s, subA, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := placedOn(t, s, res), []string{"a1", "a2", "a1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("first launch on %v, want %v", got, want)
	}
	res2, err := run(s, subA, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := placedOn(t, s, res2); !reflect.DeepEqual(got, []string{"a2"}) {
		t.Errorf("second launch on %v, want the less loaded a2", got)
	}
	if _, err := s.TerminateInstances(context.Background(), testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*res.Instances[0].InstanceId, *res.Instances[2].InstanceId}}); err != nil {
		t.Fatal(err)
	}
	res3, err := run(s, subA, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := placedOn(t, s, res3); !reflect.DeepEqual(got, []string{"a1"}) {
		t.Errorf("launch after a1's instances ended on %v, want a1", got)
	}
	resB, err := run(s, subB, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := placedOn(t, s, resB); !reflect.DeepEqual(got, []string{"b1", "b1"}) {
		t.Errorf("launch into us-east-1b on %v, want b1", got)
	}
}

// TestPlacementInsufficientInstanceCapacity checks AWS's answer when the subnet's zone
// has no live host, or none with room: InsufficientInstanceCapacity, a server error,
// naming the zones that have capacity; and a launch with a lower MinCount gets what fits.
func TestPlacementInsufficientInstanceCapacity(t *testing.T) {
	s := newMultiHostService(t, liveHost("a1", 2, "us-east-1a"), liveHost("b1", 0, "us-east-1b"), liveHost("w1", 0, "us-west-2a"))
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	subA, subC := subnetIn(t, s, vpc, "10.0.1.0/24", "us-east-1a"), subnetIn(t, s, vpc, "10.0.3.0/24", "us-east-1c")
	wantCapacity := func(err error, zone string) {
		t.Helper()
		var e *ec2.Error
		if !errors.As(err, &e) || e.Code != "InsufficientInstanceCapacity" || e.Status != 500 {
			t.Fatalf("error = %v, want InsufficientInstanceCapacity (500)", err)
		}
		want := "We currently do not have sufficient t2.micro capacity in the Availability Zone you requested (" + zone + ")."
		if !strings.HasPrefix(e.Message, want) {
			t.Errorf("message %q, want it to start %q", e.Message, want)
		}
	}
	_, err := run(s, subC, 1)
	wantCapacity(err, "us-east-1c")
	if e := err.(*ec2.Error); !strings.HasSuffix(e.Message, "choosing us-east-1a, us-east-1b.") {
		t.Errorf("message %q does not name the region's other zones with hosts", e.Message)
	}
	// a1 takes two t2.micro (1 vCPU each): three at once are refused, and nothing is
	// launched; at least one of up to three gets two.
	_, err = run(s, subA, 3)
	wantCapacity(err, "us-east-1a")
	res, err := run(s, subA, 3, func(in *ec2.RunInstancesRequest) { in.MinCount = kit.Ptr(int32(1)) })
	if err != nil {
		t.Fatal(err)
	}
	if got := placedOn(t, s, res); !reflect.DeepEqual(got, []string{"a1", "a1"}) {
		t.Errorf("launched on %v, want two on a1", got)
	}
	_, err = run(s, subA, 1)
	wantCapacity(err, "us-east-1a")
}

// TestSingleMachinePlacesNothing checks that without a host list every instance is on the
// one machine, as before hosts existed.
func TestSingleMachinePlacesNothing(t *testing.T) {
	s := newTestService(t)
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	res, err := run(s, subnetIn(t, s, vpc, "10.0.1.0/24", "us-east-1c"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := placedOn(t, s, res); !reflect.DeepEqual(got, []string{"", ""}) {
		t.Errorf("placed on %v, want no host", got)
	}
}

// TestStoppedInstanceLeavesItsHost checks that a stopped instance leaves its host, as on
// AWS: its room goes to others, and it starts on whichever host has room then, or gets
// InsufficientInstanceCapacity when none has.
func TestStoppedInstanceLeavesItsHost(t *testing.T) {
	s := newMultiHostService(t, liveHost("a1", 1, "us-east-1a"), liveHost("a2", 1, "us-east-1a"))
	ctx := context.Background()
	vpc := *createVpc(t, s, "10.0.0.0/16").VpcId
	sub := subnetIn(t, s, vpc, "10.0.1.0/24", "us-east-1a")
	res, err := run(s, sub, 2)
	if err != nil {
		t.Fatal(err)
	}
	first := res.Instances[0].InstanceId
	if _, err := s.StopInstances(ctx, testCaller, &ec2.StopInstancesRequest{InstanceIds: []string{*first}}); err != nil {
		t.Fatal(err)
	}
	if got := placedOn(t, s, &ec2.Reservation{Instances: res.Instances[:1]}); !reflect.DeepEqual(got, []string{""}) {
		t.Errorf("stopped instance on %v, want none", got)
	}
	other, err := run(s, sub, 1)
	if err != nil {
		t.Fatalf("the stopped instance's room was not freed: %v", err)
	}
	if got := placedOn(t, s, other); !reflect.DeepEqual(got, []string{"a1"}) {
		t.Errorf("new instance on %v, want a1", got)
	}
	_, err = s.StartInstances(ctx, testCaller, &ec2.StartInstancesRequest{InstanceIds: []string{*first}})
	var e *ec2.Error
	if !errors.As(err, &e) || e.Code != "InsufficientInstanceCapacity" {
		t.Fatalf("StartInstances with every host full = %v, want InsufficientInstanceCapacity", err)
	}
	if _, err := s.TerminateInstances(ctx, testCaller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*other.Instances[0].InstanceId}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartInstances(ctx, testCaller, &ec2.StartInstancesRequest{InstanceIds: []string{*first}}); err != nil {
		t.Fatal(err)
	}
	if got := placedOn(t, s, &ec2.Reservation{Instances: res.Instances[:1]}); !reflect.DeepEqual(got, []string{"a1"}) {
		t.Errorf("restarted instance on %v, want a1", got)
	}
}
