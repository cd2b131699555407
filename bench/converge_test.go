package bench

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"vpcd/internal/vpcdtest"
)

// BenchmarkConvergence measures how soon the network follows the API, on the vpcd binary
// with its data plane, with 10 and with 500 instances running on the host:
//
//   - launch: from RunInstances returning until the new instance answers TCP from
//     another instance of its group (a SYN to a closed port answered by a reset: the
//     namespace, its link, the router's routes and both security group gates exist);
//   - authorize: from AuthorizeSecurityGroupIngress returning until a new connection to
//     a listening server is let through;
//   - revoke: from RevokeSecurityGroupIngress returning until a new connection is
//     refused (its SYN dropped).
//
// Probes are non-blocking connects from inside the client's namespace, one every few
// milliseconds with a 5 ms wait each, so a figure is exact to about 5 ms. Root only:
//
//	go test -run '^$' -bench Convergence -benchtime 1x -timeout 60m -v ./bench/
func BenchmarkConvergence(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: the data plane makes network namespaces")
	}
	for _, running := range []int{10, 500} {
		b.Run(fmt.Sprintf("instances=%d", running), func(b *testing.B) {
			convergence(b, running)
		})
	}
}

// convergeSamples is how many times each figure is measured.
const convergeSamples = 40

func convergence(b *testing.B, running int) {
	ctx := context.Background()
	dir := b.TempDir()
	url, _ := vpcdtest.StartBinary(b, vpcdtest.BuildBinary(b), dir)
	c := vpcdtest.Client(url, "123456789012", "us-east-1")
	// The client is in another subnet of the default VPC than the instances it probes, so
	// that its packets go through the router (whose link to a new instance is new, with no
	// neighbour state) rather than ARP on-link for an address that does not exist yet:
	// Linux retries an unanswered ARP only after a second (retrans_time), which would be
	// measured instead of vpcd.
	subnets, err := c.DescribeSubnets(ctx, &ec2sdk.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		b.Fatalf("default subnets: %v (%d)", err, len(subnets.Subnets))
	}
	inSubnet := func(i int) func(*ec2sdk.RunInstancesInput) {
		return func(in *ec2sdk.RunInstancesInput) { in.SubnetId = subnets.Subnets[i].SubnetId }
	}
	group, client := launchOne(b, c, nil, inSubnet(1))
	// The instances that only make the host busy run in other accounts (20 each, AWS's
	// default running-instance quota), in their default VPCs.
	start := time.Now()
	var background []string
	var last []launched // the last account's instances
	for a := 0; len(background) < running-2; a++ {
		c := vpcdtest.Client(url, fmt.Sprintf("2000000000%02d", a), "us-east-1")
		count := int32(min(20, running-2-len(background)))
		out, err := c.RunInstances(ctx, &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"),
			InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(count), MaxCount: aws.Int32(count)})
		if err != nil {
			b.Fatalf("RunInstances for account %d: %v", a, err)
		}
		last = last[:0]
		for _, i := range out.Instances {
			background = append(background, *i.InstanceId)
			last = append(last, launched{id: *i.InstanceId, ip: netip.MustParseAddr(*i.PrivateIpAddress)})
		}
	}
	for _, id := range append(background, client.id) {
		waitNamespace(b, id, true, 10*time.Minute)
	}
	// A namespace exists from the start of the sync that makes it, which goes on with its
	// links and routes: the samples start once the last account's instances answer each
	// other, that is once the syncs of every launch are over (they run one after another).
	waitProbe(b, last[0].id, netip.AddrPortFrom(last[len(last)-1].ip, 22), probeAnswered, time.Now())
	b.Logf("%d instances running after %v", len(background)+1, time.Since(start).Round(time.Millisecond))

	var launch []time.Duration
	for range convergeSamples {
		_, inst := launchOne(b, c, []string{group}, inSubnet(0))
		t0 := time.Now()
		if os.Getenv("EXPERIMENT") != "" {
			waitNamespace(b, inst.id, true, time.Minute)
			fmt.Fprintf(os.Stderr, "EXP ns %s after %v at %s\n", inst.id, time.Since(t0), time.Now().UTC().Format("15:04:05.000"))
		}
		launch = append(launch, waitProbe(b, client.id, netip.AddrPortFrom(inst.ip, 22), probeAnswered, t0).Sub(t0))
		if os.Getenv("EXPERIMENT") != "" {
			fmt.Fprintf(os.Stderr, "EXP answered after %v at %s\n", time.Since(t0), time.Now().UTC().Format("15:04:05.000"))
		}
		if _, err := c.TerminateInstances(ctx, &ec2sdk.TerminateInstancesInput{InstanceIds: []string{inst.id}}); err != nil {
			b.Fatal(err)
		}
		// Gone means gone from the network too, so that the next sample cannot be
		// answered by this one.
		waitNamespace(b, inst.id, false, time.Minute)
		waitProbe(b, client.id, netip.AddrPortFrom(inst.ip, 22), probeDropped, time.Now())
	}
	b.Logf("launch    (%d running): %s", running, summary(launch))

	// A server in a group of its own that admits the client by address, or not.
	srvGroup, err := c.CreateSecurityGroup(ctx, &ec2sdk.CreateSecurityGroupInput{GroupName: aws.String("bench-server"), Description: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	_, server := launchOne(b, c, []string{*srvGroup.GroupId}, inSubnet(0), func(in *ec2sdk.RunInstancesInput) {
		in.UserData = aws.String("IyEvYmluL3NoCmV4ZWMgcHl0aG9uMyAtbSBodHRwLnNlcnZlciA4MAo=") // #!/bin/sh\nexec python3 -m http.server 80
	})
	perm := &ec2sdk.AuthorizeSecurityGroupIngressInput{GroupId: srvGroup.GroupId, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		IpRanges: []types.IpRange{{CidrIp: aws.String(client.ip.String() + "/32")}}}}}
	revoke := &ec2sdk.RevokeSecurityGroupIngressInput{GroupId: perm.GroupId, IpPermissions: perm.IpPermissions}
	to := netip.AddrPortFrom(server.ip, 80)
	var allow, deny []time.Duration
	for i := range convergeSamples + 1 {
		if _, err := c.AuthorizeSecurityGroupIngress(ctx, perm); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		at := waitProbe(b, client.id, to, probeConnected, t0)
		if i > 0 { // the first waits for the server's python to start
			allow = append(allow, at.Sub(t0))
		}
		if _, err := c.RevokeSecurityGroupIngress(ctx, revoke); err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		deny = append(deny, waitProbe(b, client.id, to, probeDropped, t0).Sub(t0))
	}
	b.Logf("authorize (%d running): %s", running, summary(allow))
	b.Logf("revoke    (%d running): %s", running, summary(deny))
}

type launched struct {
	id string
	ip netip.Addr
}

// launchOne runs one instance in the account's default VPC, in groups (its default group
// when nil), and returns the group it got.
func launchOne(b *testing.B, c *ec2sdk.Client, groups []string, opts ...func(*ec2sdk.RunInstancesInput)) (string, launched) {
	in := &ec2sdk.RunInstancesInput{ImageId: aws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SecurityGroupIds: groups}
	for _, o := range opts {
		o(in)
	}
	out, err := c.RunInstances(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	i := out.Instances[0]
	return *i.SecurityGroups[0].GroupId, launched{id: *i.InstanceId, ip: netip.MustParseAddr(*i.PrivateIpAddress)}
}

// waitNamespace waits until the namespace named id exists (or is gone).
func waitNamespace(b *testing.B, id string, exists bool, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		_, err := os.Stat("/run/netns/" + id)
		if (err == nil) == exists {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("namespace %s: exists=%v not reached within %v", id, exists, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type probeResult int

const (
	probeConnected probeResult = iota // the handshake completed
	probeRefused                      // a reset came back: the host answers, no listener
	probeDropped                      // nothing came back within the wait
)

// probeAnswered accepts any answer: connected or refused.
const probeAnswered probeResult = -1

// waitProbe probes from inside namespace ns until the result is want, for at most a minute
// after t0, and returns when the result began. A connection made or refused is proof, but
// one unanswered probe may only be a busy machine: dropped counts after three in a row,
// from the first of them.
func waitProbe(b *testing.B, ns string, to netip.AddrPort, want probeResult, t0 time.Time) time.Time {
	var since time.Time
	drops := 0
	for {
		at := time.Now()
		got, err := probe(ns, to, 5*time.Millisecond)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			b.Fatalf("probe from %s to %v: %v", ns, to, err)
		}
		switch {
		case err != nil:
		case want == probeDropped && got == probeDropped:
			if drops == 0 {
				since = at
			}
			if drops++; drops == 3 {
				return since
			}
		case got == want || want == probeAnswered && got != probeDropped:
			return time.Now()
		default:
			drops = 0
		}
		if time.Since(t0) > time.Minute {
			b.Fatalf("probe from %s to %v: still %v after a minute", ns, to, got)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// probe makes one non-blocking TCP connect from inside namespace ns and closes it with a
// reset, so that no TIME_WAIT piles up on either side.
func probe(ns string, to netip.AddrPort, wait time.Duration) (probeResult, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		return 0, err
	}
	defer orig.Close()
	h, err := netns.GetFromName(ns)
	if err != nil {
		return 0, err
	}
	defer h.Close()
	if err := netns.Set(h); err != nil {
		return 0, err
	}
	defer netns.Set(orig)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: int(to.Port()), Addr: to.Addr().As4()}); err != nil && err != unix.EINPROGRESS {
		if err == unix.ECONNREFUSED {
			return probeRefused, nil
		}
		return probeDropped, nil // unreachable: no route yet
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(fds, int(wait.Milliseconds()))
	if err != nil || n == 0 {
		return probeDropped, nil
	}
	switch soErr, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); unix.Errno(soErr) {
	case 0:
		return probeConnected, nil
	case unix.ECONNREFUSED:
		return probeRefused, nil
	default:
		return probeDropped, nil
	}
}

// summary is the median, p90, p99 and maximum of ds.
func summary(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		return s[min(len(s)-1, int(q*float64(len(s))))].Round(100 * time.Microsecond)
	}
	return fmt.Sprintf("n=%d p50=%v p90=%v p99=%v max=%v", len(s), at(0.5), at(0.9), at(0.99), s[len(s)-1].Round(100*time.Microsecond))
}
