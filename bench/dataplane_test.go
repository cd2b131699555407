package bench

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"vpcd/internal/control"
	"vpcd/internal/ec2"
	"vpcd/internal/informer"
	"vpcd/internal/linux"
	"vpcd/internal/model"
	"vpcd/internal/plan"
	"vpcd/internal/store"
)

// The data plane's work after one change, among 100, 1,000 and 10,000 instances in the
// store, ten per VPC, each VPC of its own account:
//
//   - BenchmarkChangePlan: the informer applies the change's events and the planner
//     re-plans what it reaches (no root needed);
//   - BenchmarkChangeFullPlan: what the data plane did before, for each change: read the
//     whole network from the store and plan.Compute all of it;
//   - BenchmarkResyncPlan: the planning of a full resync, planner against plan.Compute;
//   - BenchmarkChangeApply (root): plan and reconcile the changed namespaces alone, against
//     a full plan and a full reconcile of every namespace, among 100 and 300 instances.
//
// The change is an instance launched in one VPC (and terminated after, untimed), or an
// ingress rule added to one VPC's security group; the VPC differs from one op to the next.
//
//	go test -run '^$' -bench 'Change' -benchtime 20x ./bench/
func BenchmarkChangePlan(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		w := newFleet(b, n)
		inf, p := w.follow(b)
		for _, change := range w.changes() {
			b.Run(fmt.Sprintf("%s/instances=%d", change.name, n), func(b *testing.B) {
				namespaces := 0
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					undo := change.do(b, i)
					b.StartTimer()
					u := follow(b, inf, p)
					namespaces += len(u.Changed) + len(u.Deleted)
					b.StopTimer()
					if undo != nil {
						undo()
						follow(b, inf, p)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(namespaces)/float64(b.N), "namespaces/op")
			})
		}
	}
}

func BenchmarkChangeFullPlan(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		w := newFleet(b, n)
		for _, change := range w.changes() {
			b.Run(fmt.Sprintf("%s/instances=%d", change.name, n), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					undo := change.do(b, i)
					b.StartTimer()
					net, _, err := w.svc.Network(w.ctx)
					if err != nil {
						b.Fatal(err)
					}
					plan.Compute(net, "vpcd-internet-bench")
					b.StopTimer()
					if undo != nil {
						undo()
					}
					b.StartTimer()
				}
			})
		}
	}
}

// BenchmarkResyncPlan is the planning of a full resync (every 5 s, and after a failure):
// the planner plans every VPC of the informer's model again, against plan.Compute of the
// same model.
func BenchmarkResyncPlan(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		w := newFleet(b, n)
		inf, p := w.follow(b)
		b.Run(fmt.Sprintf("planner/instances=%d", n), func(b *testing.B) {
			for b.Loop() {
				p.PlanAll(inf)
				p.State()
			}
		})
		b.Run(fmt.Sprintf("compute/instances=%d", n), func(b *testing.B) {
			for b.Loop() {
				plan.Compute(inf.Network(), "vpcd-internet-bench")
			}
		})
	}
}

func BenchmarkChangeApply(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: creates network namespaces")
	}
	for _, n := range []int{100, 300} {
		w := newFleet(b, n)
		inf, p := w.follow(b)
		k := w.kernel(b, inf)
		ctx, cancel := context.WithTimeout(w.ctx, 10*time.Minute)
		if _, err := k.Apply(ctx, p.State()); err != nil {
			b.Fatal(err)
		}
		cancel()
		for _, change := range w.changes() {
			b.Run(fmt.Sprintf("partial/%s/instances=%d", change.name, n), func(b *testing.B) {
				apply := func() {
					u := follow(b, inf, p)
					if _, err := k.ApplyNamespaces(w.ctx, p.Namespaces(u.Changed), append(u.Changed, u.Deleted...)); err != nil {
						b.Fatal(err)
					}
				}
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					undo := change.do(b, i)
					b.StartTimer()
					apply()
					b.StopTimer()
					if undo != nil {
						undo()
						apply()
					}
					b.StartTimer()
				}
			})
			b.Run(fmt.Sprintf("full/%s/instances=%d", change.name, n), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					undo := change.do(b, 1000+i) // not the partial runs' rules again
					follow(b, inf, p)            // for the realizer's ownership test
					b.StartTimer()
					net, _, err := w.svc.Network(w.ctx)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := k.Apply(w.ctx, plan.Compute(net, "vpcd-internet-bench")); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if undo != nil {
						undo()
					}
					b.StartTimer()
				}
				follow(b, inf, p)
				// Leave the kernel as the planner has it.
				if _, err := k.Apply(w.ctx, p.State()); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// follow starts an informer of the fleet's store and plans all of it.
func (w *fleet) follow(b *testing.B) (*informer.Informer, *plan.Planner) {
	inf := informer.New(w.st)
	if err := inf.List(w.ctx); err != nil {
		b.Fatal(err)
	}
	p := plan.NewPlanner(plan.Host{Internet: "vpcd-internet-bench"})
	p.PlanAll(inf)
	return inf, p
}

// follow applies the events of the writes done so far (the store has sent them all when
// a write returns) and plans what they changed.
func follow(b *testing.B, inf *informer.Informer, p *plan.Planner) plan.Update {
	var c informer.Changes
	for len(inf.Events()) > 0 {
		if err := inf.Apply(<-inf.Events(), &c); err != nil {
			b.Fatal(err)
		}
	}
	return p.Plan(inf, model.SortedKeys(c.VPCs), model.SortedKeys(c.Groups))
}

// fleet is a store of VPCs of ten running instances each, one VPC per account.
type fleet struct {
	ctx  context.Context
	st   store.Store
	svc  *control.Service
	vpcs []fleetVPC
}

type fleetVPC struct {
	caller        control.Caller
	subnet, group string
}

// idPattern matches resource IDs of 17 hex digits; account is the template's account.
var idPattern = regexp.MustCompile(`\b([a-z]+(?:-[a-z]+)*)-([0-9a-f]{17})\b`)

const templateAccount = "100000000000"

// newFleet makes one VPC of ten instances through the API, then stores copies of its
// records under new IDs and accounts until the store holds n instances: the records are
// real ones, and the store fills in seconds.
func newFleet(b *testing.B, n int) *fleet {
	b.Helper()
	ctx := context.Background()
	st, err := store.OpenEmbedded(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	w := &fleet{ctx: ctx, st: st, svc: control.New(st, control.Config{})}
	c := control.Caller{Account: templateAccount, Region: "us-east-1"}
	vpc, err := w.svc.CreateVpc(ctx, c, &ec2.CreateVpcRequest{CidrBlock: ptr("10.0.0.0/16")})
	if err != nil {
		b.Fatal(err)
	}
	sn, err := w.svc.CreateSubnet(ctx, c, &ec2.CreateSubnetRequest{VpcId: vpc.Vpc.VpcId, CidrBlock: ptr("10.0.1.0/24")})
	if err != nil {
		b.Fatal(err)
	}
	run, err := w.svc.RunInstances(ctx, c, &ec2.RunInstancesRequest{ImageId: ptr("ami-12345678"), InstanceType: ptr("t2.micro"),
		MinCount: ptr(int32(10)), MaxCount: ptr(int32(10)), SubnetId: sn.Subnet.SubnetId})
	if err != nil {
		b.Fatal(err)
	}
	template, _, err := st.List(ctx, templateAccount+"/")
	if err != nil {
		b.Fatal(err)
	}
	first := fleetVPC{caller: c, subnet: *sn.Subnet.SubnetId, group: *run.Instances[0].SecurityGroups[0].GroupId}
	w.vpcs = append(w.vpcs, first)
	var ops []store.Op
	flush := func() {
		if _, err := st.Commit(ctx, nil, ops); err != nil {
			b.Fatal(err)
		}
		ops = ops[:0]
	}
	for k := 1; k < n/10; k++ {
		account := fmt.Sprintf("%012d", 200000000000+k)
		rename := func(s string) string {
			s = strings.ReplaceAll(s, templateAccount, account)
			return idPattern.ReplaceAllStringFunc(s, func(id string) string {
				cut := len(id) - 17
				return id[:cut] + fmt.Sprintf("%05x", k) + id[cut+5:]
			})
		}
		for _, kv := range template {
			ops = append(ops, store.Op{Key: rename(kv.Key), Value: []byte(rename(string(kv.Value)))})
		}
		w.vpcs = append(w.vpcs, fleetVPC{caller: control.Caller{Account: account, Region: "us-east-1"}, subnet: rename(first.subnet), group: rename(first.group)})
		if len(ops) > 5000 {
			flush()
		}
	}
	if len(ops) > 0 {
		flush()
	}
	return w
}

func ptr[T any](v T) *T { return &v }

// fleetChange is one change the benchmarks time: do makes it in the i-th op and returns
// how to undo it (untimed), or nil.
type fleetChange struct {
	name string
	do   func(b *testing.B, i int) (undo func())
}

func (w *fleet) changes() []fleetChange {
	pick := func(i int) fleetVPC { return w.vpcs[(i*7919+len(w.vpcs)/2)%len(w.vpcs)] }
	return []fleetChange{
		{"launch", func(b *testing.B, i int) func() {
			v := pick(i)
			run, err := w.svc.RunInstances(w.ctx, v.caller, &ec2.RunInstancesRequest{ImageId: ptr("ami-12345678"), InstanceType: ptr("t2.micro"),
				MinCount: ptr(int32(1)), MaxCount: ptr(int32(1)), SubnetId: ptr(v.subnet)})
			if err != nil {
				b.Fatal(err)
			}
			return func() {
				if _, err := w.svc.TerminateInstances(w.ctx, v.caller, &ec2.TerminateInstancesRequest{InstanceIds: []string{*run.Instances[0].InstanceId}}); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"rule", func(b *testing.B, i int) func() {
			v := pick(i)
			_, err := w.svc.AuthorizeSecurityGroupIngress(w.ctx, v.caller, &ec2.AuthorizeSecurityGroupIngressRequest{GroupId: ptr(v.group),
				IpPermissions: []ec2.IpPermission{{IpProtocol: ptr("tcp"), FromPort: ptr(int32(1000 + i)), ToPort: ptr(int32(1000 + i)),
					IpRanges: []ec2.IpRange{{CidrIp: ptr("192.0.2.0/24")}}}}})
			if err != nil {
				b.Fatal(err)
			}
			return nil
		}},
	}
}

// kernel is a realizer that owns the namespaces of the instances and VPCs of the fleet's
// store, as the informer knows them (other namespaces of the machine stay untouched), and
// removes them when the benchmark ends.
func (w *fleet) kernel(b *testing.B, inf *informer.Informer) *linux.Kernel {
	owned := func(ns string) bool {
		n := inf.Network()
		return n.Instances[ns] != nil || strings.HasPrefix(ns, "vpcd-vpc-") && n.VPCs[strings.TrimPrefix(ns, "vpcd-")] != nil
	}
	k := linux.New(linux.Config{Owned: owned})
	b.Cleanup(func() {
		n := inf.Network()
		var names []string
		for id := range n.Instances {
			names = append(names, id)
		}
		for id := range n.VPCs {
			names = append(names, plan.RouterNamespace(id))
		}
		if err := k.Destroy(context.Background(), names...); err != nil {
			b.Errorf("cleanup: %v", err)
		}
	})
	return k
}
