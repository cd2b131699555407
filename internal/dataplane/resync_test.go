package dataplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"vpcd/internal/informer"
	"vpcd/internal/linux"
	"vpcd/internal/plan"
	"vpcd/internal/store"
	"vpcd/internal/vpcdtest"
)

// resyncBed is a data plane over an in-process vpcd, driven by hand: the test decides
// when each step of a full sync and each partial sync runs.
type resyncBed struct {
	t       *testing.T
	ctx     context.Context
	d       *Dataplane
	st      store.Store
	ec2     *ec2sdk.Client
	subnet  string
	pending informer.Changes
}

func newResyncBed(t *testing.T) *resyncBed {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the data plane makes network namespaces")
	}
	st, err := store.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := vpcdtest.StartOn(t, st)
	d, err := New(srv.Service, st, Config{DataDir: t.TempDir(), InternetNamespace: plan.Internet + "-" + randomHex(t, 4), Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	b := &resyncBed{t: t, ctx: context.Background(), d: d, st: st, ec2: srv.EC2(t, "123456789012")}
	t.Cleanup(func() {
		names := d.registry.list()
		if err := d.Cleanup(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		for _, name := range names {
			if linux.HasNamespace(name) {
				t.Errorf("namespace %s left behind", name)
			}
		}
	})
	vpc, err := b.ec2.CreateVpc(b.ctx, &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := b.ec2.CreateSubnet(b.ctx, &ec2sdk.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.9.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	b.subnet = *sn.Subnet.SubnetId
	if err := d.informer.List(b.ctx); err != nil {
		t.Fatal(err)
	}
	return b
}

func randomHex(t *testing.T, bytes int) string {
	b := make([]byte, bytes)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// launch runs count instances in the bed's subnet and waits until the data plane's model
// has them; the change waits in pending for a partial sync.
func (b *resyncBed) launch(count int32) []string {
	b.t.Helper()
	out, err := b.ec2.RunInstances(b.ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"),
		InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(count), MaxCount: aws.Int32(count), SubnetId: aws.String(b.subnet)})
	if err != nil {
		b.t.Fatal(err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, *i.InstanceId)
	}
	b.follow()
	return ids
}

// follow applies the store's changes to the data plane's model, up to the store's
// revision now; they wait in pending for a partial sync.
func (b *resyncBed) follow() {
	b.t.Helper()
	_, rev, err := b.st.List(b.ctx, "none/")
	if err != nil {
		b.t.Fatal(err)
	}
	r := &runner{}
	deadline := time.After(10 * time.Second)
	// The events of one commit share its revision and come together.
	for b.d.informer.Revision() < rev || len(b.d.informer.Events()) > 0 {
		select {
		case ev := <-b.d.informer.Events():
			b.d.apply(ev, &b.pending, r)
		case <-deadline:
			b.t.Fatalf("the model is at revision %d after 10 s, the store at %d", b.d.informer.Revision(), rev)
		}
	}
}

// partial runs a partial sync of what is pending.
func (b *resyncBed) partial() {
	b.t.Helper()
	if err := b.d.syncChanges(b.ctx, b.pending); err != nil {
		b.t.Fatalf("partial sync: %v", err)
	}
	b.pending = informer.Changes{}
}

// full runs the steps of rs that are left (a new full sync when nil) and its end.
func (b *resyncBed) full(rs *resync) {
	b.t.Helper()
	if rs == nil {
		rs = b.d.startResync()
	}
	for !b.d.resyncStep(b.ctx, rs) {
	}
	if err := b.d.finishResync(b.ctx, rs); err != nil {
		b.t.Fatalf("full sync: %v", err)
	}
}

// settled checks that the kernel is the plan: a reconcile of everything changes nothing.
func (b *resyncBed) settled(when string) {
	b.t.Helper()
	if n, err := b.d.kernel.Apply(b.ctx, b.d.planner.State()); err != nil || n != 0 {
		b.t.Errorf("%s: a reconcile of everything made %d changes (%v)", when, n, err)
	}
}

// TestPartialSyncBetweenResyncSteps runs a partial sync between two steps of a full sync,
// as the data plane does when a change falls due while a full sync is under way: the
// partial sync is in the kernel at once, and the full sync's later steps, among them the
// router's, which the change reaches, do not undo it.
func TestPartialSyncBetweenResyncSteps(t *testing.T) {
	b := newResyncBed(t)
	first := b.launch(3)
	b.full(nil) // its first step makes everything: nothing exists yet
	for _, id := range first {
		if !linux.HasNamespace(id) {
			t.Fatalf("namespace %s missing after the first full sync", id)
		}
	}
	b.settled("after the first full sync")

	rs := b.d.startResync()
	b.d.resyncStep(b.ctx, rs) // an instance's: theirs sort before the router's
	if !strings.HasPrefix(rs.names[len(rs.names)-1], "vpcd-vpc-") {
		t.Fatalf("the router is not among the steps left: %v", rs.names)
	}
	late := b.launch(1)[0]
	b.partial()
	if !linux.HasNamespace(late) {
		t.Fatalf("the partial sync between two steps did not make %s", late)
	}
	b.full(rs)
	if !linux.HasNamespace(late) {
		t.Fatalf("the full sync's later steps deleted %s", late)
	}
	b.settled("after the full sync")
}

// TestResyncRepairsDrift breaks the kernel behind the data plane's back, as the periodic
// full sync must repair it although it reconciles one namespace at a time: routes, a
// whole namespace, and an owned namespace that the plan does not have. (A ruleset changed
// by hand: TestFirewallDriftAfterCheck in internal/linux.)
func TestResyncRepairsDrift(t *testing.T) {
	b := newResyncBed(t)
	ids := b.launch(2)
	b.full(nil)
	router := ""
	for _, ns := range b.d.planner.State().Namespaces {
		if strings.HasPrefix(ns.Name, "vpcd-vpc-") {
			router = ns.Name
		}
	}
	stray := "i-" + randomHex(t, 9)[:17]
	if err := b.d.registry.add(stray); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-n", ids[0], "route", "del", "default"},
		{"-n", router, "route", "flush", "table", "100"},
		{"netns", "del", ids[1]},
		{"netns", "add", stray},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	b.full(nil)
	b.settled("after the full sync")
	if !linux.HasNamespace(ids[1]) {
		t.Errorf("namespace %s not made again", ids[1])
	}
	if linux.HasNamespace(stray) {
		t.Errorf("namespace %s, owned and not planned, left", stray)
	}
	if names := b.d.registry.list(); strings.Contains(strings.Join(names, " "), stray) {
		t.Errorf("registry still claims %s: %v", stray, names)
	}
}
