package hosts

import (
	"context"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"vpcd/internal/store"
	"vpcd/internal/store/etcdtest"
)

func openEtcd(t *testing.T, endpoint string) *store.Etcd {
	t.Helper()
	s, err := store.OpenEtcd(context.Background(), store.EtcdConfig{Endpoints: []string{endpoint}, Namespace: "vpcd/"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func host(id string, zones ...string) Host {
	return Host{ID: id, Underlay: netip.MustParseAddr("192.0.2.1"), Zones: zones}
}

// waitLive waits until the registry's live hosts are the IDs given.
func waitLive(t *testing.T, r *Registry, within time.Duration, ids ...string) {
	t.Helper()
	deadline := time.After(within)
	for {
		changed := r.Changed()
		var got []string
		for _, h := range r.Live() {
			got = append(got, h.ID)
		}
		if reflect.DeepEqual(got, ids) {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("live hosts %v, want %v within %v", got, ids, within)
		}
	}
}

// TestRegistry checks that a host registers, shows in another process's registry, goes
// at once when its agent stops cleanly, and a TTL after its agent dies.
func TestRegistry(t *testing.T) {
	endpoint := etcdtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reader := openEtcd(t, endpoint)
	r := Follow(ctx, reader, nil)
	if err := r.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	waitLive(t, r, time.Second)

	// Agent a stops cleanly: its record goes with its revoked lease.
	actx, stopA := context.WithCancel(ctx)
	a := openEtcd(t, endpoint)
	regA, err := Register(actx, a, host("a", "us-east-1a"), 2*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Agent b dies: its client goes without a word, and its lease expires.
	b := openEtcd(t, endpoint)
	if _, err := Register(ctx, b, host("b", "us-east-1b"), 2*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	waitLive(t, r, 5*time.Second, "a", "b")
	if h, ok := r.Get("b"); !ok || !reflect.DeepEqual(h, host("b", "us-east-1b")) {
		t.Errorf("Get(b) = %+v, %v", h, ok)
	}

	// A second agent with a's ID is refused while a lives.
	if _, err := Register(ctx, openEtcd(t, endpoint), host("a", "us-east-1a"), 2*time.Second, nil); err == nil {
		t.Error("a second live agent registered host a")
	}

	stopA()
	<-regA.Done()
	waitLive(t, r, time.Second, "b")

	started := time.Now()
	b.Close()
	waitLive(t, r, 10*time.Second)
	if took := time.Since(started); took < time.Second {
		t.Errorf("b's record went after %v, before its lease could expire", took)
	}
}

// TestRegisterAgain checks that an agent whose lease is lost behind its back registers
// its host again.
func TestRegisterAgain(t *testing.T) {
	endpoint := etcdtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openEtcd(t, endpoint)
	r := Follow(ctx, st, nil)
	if _, err := Register(ctx, st, host("a", "us-east-1a"), 2*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	waitLive(t, r, 5*time.Second, "a")
	// Someone deletes the record: it comes back only when the lease is lost, so revoke
	// every lease as an etcd restore would.
	admin := openEtcd(t, endpoint)
	revokeAll(t, admin)
	waitLive(t, r, 5*time.Second)
	waitLive(t, r, 10*time.Second, "a")
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Host
		ok   bool
	}{
		{"valid", host("host-1", "us-east-1a"), true},
		{"no ID", host("", "us-east-1a"), false},
		{"ID with a slash", host("a/b", "us-east-1a"), false},
		{"no zone", host("h"), false},
		{"no underlay", Host{ID: "h", Zones: []string{"us-east-1a"}}, false},
		{"negative capacity", Host{ID: "h", Underlay: netip.MustParseAddr("192.0.2.1"), Zones: []string{"z"}, CapacityVCPUs: -1}, false},
	} {
		if err := tc.h.Check(); (err == nil) != tc.ok {
			t.Errorf("%s: Check = %v", tc.name, err)
		}
	}
}

func TestPlace(t *testing.T) {
	a, b, c := host("a", "z1"), host("b", "z1", "z2"), host("c", "z2")
	small := host("small", "z3")
	small.CapacityVCPUs = 2
	all := []Host{a, b, c, small}
	for _, tc := range []struct {
		name  string
		used  map[string]Usage
		zone  string
		vcpus int
		n     int
		want  []string
	}{
		{"spread over the zone's hosts", nil, "z1", 1, 4, []string{"a", "b", "a", "b"}},
		{"the least loaded first", map[string]Usage{"a": {Instances: 2, VCPUs: 2}}, "z1", 1, 3, []string{"b", "b", "a"}},
		{"vCPUs before instance counts", map[string]Usage{"a": {Instances: 1, VCPUs: 4}, "b": {Instances: 3, VCPUs: 3}}, "z1", 2, 1, []string{"b"}},
		{"only the zone's hosts", nil, "z2", 1, 2, []string{"b", "c"}},
		{"a zone without hosts", nil, "z9", 1, 2, nil},
		{"a full host takes no more", map[string]Usage{"small": {Instances: 1, VCPUs: 1}}, "z3", 1, 3, []string{"small"}},
		{"too large for any host", nil, "z3", 4, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			used := map[string]Usage{}
			for k, v := range tc.used {
				used[k] = v
			}
			if got := Place(all, used, tc.zone, tc.vcpus, tc.n); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Place = %v, want %v", got, tc.want)
			}
		})
	}
	if got := Zones(all); !reflect.DeepEqual(got, []string{"z1", "z2", "z3"}) {
		t.Errorf("Zones = %v", got)
	}
}

// revokeAll revokes every lease of the etcd, as if it were restored from a backup that
// had none.
func revokeAll(t *testing.T, s *store.Etcd) {
	t.Helper()
	ctx := context.Background()
	cli := s.Client()
	leases, err := cli.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leases.Leases {
		if _, err := cli.Revoke(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
	}
}
