package analyze_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vpcd/internal/analyze"
	"vpcd/internal/linux"
	"vpcd/internal/model"
	"vpcd/internal/nat64"
	"vpcd/internal/plan"
	"vpcd/internal/vpcdtest"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

var (
	diffSeed      = flag.Uint64("diff.seed", 0, "seed of the differential test's first network (0: 1, or the clock with -diff.duration)")
	diffNetworks  = flag.Int("diff.networks", 12, "networks the differential test builds")
	diffQuestions = flag.Int("diff.questions", 40, "questions asked of each network")
	diffDuration  = flag.Duration("diff.duration", 0, "run the differential test for this long instead of -diff.networks")
)

// servicePorts are the ports every instance and the internet host answer on, TCP and UDP.
var servicePorts = []int{22, 80, 443, 5432}

// nat64Questions are the questions of NAT64 asked of each network that has an instance
// with an IPv6 address, besides -diff.questions.
const nat64Questions = 6

// TestDifferential builds random networks (VPCs, subnets, route tables, internet and NAT
// gateways, peerings, security groups, ACLs, instances, IPv6 and NAT64 behind some NAT
// gateways, regional NAT gateways), lays each out in the kernel with
// plan and linux, sends a real probe for many random questions and checks that the
// analyzer's verdict is what the kernel did, and, when a flow gets through, that the
// server saw the source address the analyzer says it sees. A disagreement prints the seed
// that rebuilds the network (-diff.seed) and becomes a regression case.
//
//	go test ./internal/analyze -run Differential -diff.duration 2h   # for hours
func TestDifferential(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: lays out networks in network namespaces")
	}
	// The suite's short run is the same every time (seeds 1, 2, ...), so that it
	// proves the cases it has always proved; a run of -diff.duration explores from the
	// clock, and what it finds is reported with its seed.
	seed := *diffSeed
	if seed == 0 && *diffDuration > 0 {
		seed = uint64(time.Now().UnixNano())
	}
	if seed == 0 {
		seed = 1
	}
	deadline := time.Now().Add(*diffDuration)
	asked, agreed := 0, 0
	run := func(s uint64) {
		t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) {
			a, ok := runNetwork(t, s, *diffQuestions)
			asked += a
			agreed += ok
		})
	}
	for i := 0; ; i++ {
		if *diffDuration > 0 && time.Now().After(deadline) || *diffDuration == 0 && i >= *diffNetworks {
			break
		}
		run(seed + uint64(i))
	}
	if *diffSeed == 0 && *diffDuration == 0 {
		for _, s := range regressionSeeds {
			run(s)
		}
	}
	t.Logf("%d questions, %d verdicts agreed with the kernel", asked, agreed)
}

// regressionSeeds are the networks of past disagreements between the kernel and the
// analyzer (or the probes), each fixed: the suite's short run builds them after seeds 1,
// 2, ..., so that they stay fixed.
var regressionSeeds = []uint64{
	1795479437136291224, // an instance's traffic to its own address never leaves it
	1795479607936274938, // from the internet, a destination named by its public address
	1795482854547398455, // an instance takes a packet for its eth0 address that a route sends to its eth1
	1795482854547398459, // a UDP service answers from the address it was asked at, not eth1's in the client's subnet
}

// world is a generated network with the probe endpoints it has.
type world struct {
	n         *model.Network
	instances []string // running instances, in creation order
	v6        []string // running instances with an IPv6 address
	igws      []string
	internet  string // the internet namespace
}

func runNetwork(t *testing.T, seed uint64, questions int) (asked, agreed int) {
	start := time.Now()
	w := generate(seed)
	w.internet = fmt.Sprintf("vpcd-internet-d%x", seed%0xffffff)
	want := plan.Compute(w.n, w.internet)
	owned := map[string]bool{}
	for _, ns := range want.Namespaces {
		owned[ns.Name] = true
	}
	k := linux.New(linux.Config{Owned: func(ns string) bool { return owned[ns] }})
	t.Cleanup(func() {
		if err := k.Destroy(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := k.Apply(ctx, want); err != nil {
		t.Fatalf("seed %d: apply: %v", seed, err)
	}
	for _, ns := range append(append([]string(nil), w.instances...), w.internet) {
		if owned[ns] {
			startServer(t, ns)
		}
	}
	for _, id := range model.SortedKeys(w.n.NatGateways) {
		if ns := plan.NatGatewayNamespace(id); owned[ns] && plan.NatGatewayNAT64(w.n, id) {
			startNAT64(t, ns)
		}
	}
	// Every instance forwards what is routed through it, as an appliance's OS would; the
	// analyzer assumes as much (and source/destination check decides).
	for _, inst := range w.instances {
		err := inNamespace(inst, func() error { return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644) })
		if err != nil {
			t.Fatalf("forwarding in %s: %v", inst, err)
		}
	}
	laidOut := time.Now()
	ix := analyze.NewIndex(w.n)
	rng := rand.New(rand.NewPCG(seed, 7))
	type answer struct {
		q    analyze.Query
		from string
		r    *analyze.Result
		got  bool
		seen string
	}
	var answers []answer
	ask := func(q analyze.Query, from string) {
		r, err := ix.Analyze(q)
		if err != nil {
			t.Fatalf("seed %d: %+v: %v", seed, q, err)
		}
		answers = append(answers, answer{q: q, r: r, from: from})
	}
	for range questions {
		ask(w.question(rng))
	}
	// NAT64's questions draw from their own stream, so that the others stay those of
	// the seed.
	rng64 := rand.New(rand.NewPCG(seed, 65))
	for range nat64Questions {
		if len(w.v6) > 0 {
			ask(w.question64(rng64))
		}
	}
	// The probes run a few at a time: each has its own source port, and a dropped one
	// only waits for its timeout.
	sem := make(chan struct{}, 6)
	var wg sync.WaitGroup
	for i := range answers {
		q, from := answers[i].q, answers[i].from
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			answers[i].got, answers[i].seen = send(from, q, answers[i].r.Reachable)
		}()
	}
	wg.Wait()
	for _, a := range answers {
		q, r := a.q, a.r
		asked++
		switch {
		case a.got != r.Reachable:
			t.Errorf("seed %d: %s: analyzer says reachable=%v %v, the kernel %v\n%s", seed, describe(q), r.Reachable, codes(r), a.got, explain(r))
		case a.got && q.Protocol != 1 && a.seen != r.Target.Src.String():
			t.Errorf("seed %d: %s: the server saw %s, the analyzer says %s\n%s", seed, describe(q), a.seen, r.Target.Src, explain(r))
		default:
			agreed++
		}
	}
	why := map[string]int{}
	for _, a := range answers {
		for _, c := range codes(a.r) {
			why[c]++
		}
	}
	t.Logf("seed %d: %d namespaces laid out in %v, %d questions probed in %v, %d reachable (NAT64: %d of %d); blockers %v", seed, len(want.Namespaces), laidOut.Sub(start).Round(time.Millisecond),
		len(answers), time.Since(laidOut).Round(time.Millisecond), reachable(answers, func(a answer) bool { return a.r.Reachable }),
		reachable(answers, func(a answer) bool { return a.r.Reachable && a.q.DestinationIP.Is6() }), len(answers)-questions, why)
	return asked, agreed
}

func reachable[T any](items []T, ok func(T) bool) int {
	c := 0
	for _, it := range items {
		if ok(it) {
			c++
		}
	}
	return c
}

// startNAT64 runs a NAT gateway's NAT64 (internal/nat64) in its namespace until the test
// ends, as the data plane's daemon (vpcd nat64) does.
func startNAT64(t *testing.T, ns string) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- inNamespace(ns, func() error { return nat64.Run(ctx, plan.NAT64Link, slog.New(slog.DiscardHandler)) })
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("NAT64 in %s: %v", ns, err)
		}
	})
}

// inNamespace runs f on an OS thread switched into the named network namespace: the
// sockets f opens belong to that namespace for good, wherever they are used afterwards.
func inNamespace(name string, f func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	ns, err := netns.GetFromName(name)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer ns.Close()
	if err := netns.Set(ns); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	ferr := f()
	if err := netns.Set(orig); err != nil {
		// The thread stays locked and dies with its goroutine rather than serve another
		// goroutine in the wrong namespace.
		return err
	}
	runtime.UnlockOSThread()
	return ferr
}

// startServer answers on every service port of a namespace, TCP and UDP, with the
// address the client is seen from, until the test ends.
func startServer(t *testing.T, ns string) {
	var closers []io.Closer
	t.Cleanup(func() {
		for _, c := range closers {
			c.Close()
		}
	})
	err := inNamespace(ns, func() error {
		for _, port := range servicePorts {
			l, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", port))
			if err != nil {
				return err
			}
			closers = append(closers, l)
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					c.Write([]byte(c.RemoteAddr().(*net.TCPAddr).IP.String()))
					c.Close()
				}
			}()
			u, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
			if err != nil {
				return err
			}
			closers = append(closers, u)
			if err := pktinfo(u); err != nil {
				return err
			}
			go func() {
				buf, oob := make([]byte, 2048), make([]byte, 256)
				for {
					_, oobn, _, peer, err := u.ReadMsgUDPAddrPort(buf, oob)
					if err != nil {
						return
					}
					u.WriteMsgUDPAddrPort([]byte(peer.Addr().Unmap().String()), answerFrom(oob[:oobn]), peer)
				}
			}()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("server in %s: %v", ns, err)
	}
}

// pktinfo has a UDP socket tell which address each datagram was sent to.
func pktinfo(u *net.UDPConn) error {
	rc, err := u.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1) }); err != nil {
		return err
	}
	return serr
}

// answerFrom is the control message that sends a UDP answer from the address the request
// was sent to, as a UDP service does (and as a TCP connection does by nature). Left to
// the kernel, the source would be the address of the route back: on an instance with an
// interface in the client's subnet, that interface's address, whose answer the client's
// connected socket drops, though the network carried both ways.
func answerFrom(oob []byte) []byte {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo {
			var to unix.Inet4Pktinfo
			copy(to.Spec_dst[:], m.Data[8:12]) // ipi_addr: the request's destination
			return unix.PktInfo4(&to)
		}
	}
	return nil
}

// send runs the question's probe in the namespace and reports whether it got an answer,
// and the source address the server saw. A flow the analyzer expects to pass is tried
// three times, so that a loaded machine does not make a disagreement.
func send(from string, q analyze.Query, expect bool) (bool, string) {
	tries := 1
	if expect {
		tries = 3
	}
	for range tries {
		var seen string
		err := inNamespace(from, func() error {
			var err error
			seen, err = exchange(q)
			return err
		})
		if err == nil {
			return true, seen
		}
	}
	return false, ""
}

const probeTimeout = time.Second

// exchange sends one request of the question from the current namespace and waits for
// the answer: a TCP connection, a UDP datagram, or an ICMP echo.
func exchange(q analyze.Query) (string, error) {
	dst := q.DestinationIP
	reuse := func(network, address string, c syscall.RawConn) error {
		var serr error
		c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1) })
		return serr
	}
	deadline := time.Now().Add(probeTimeout)
	family := "4"
	if dst.Is6() {
		family = "6"
	}
	switch q.Protocol {
	case 6:
		d := net.Dialer{LocalAddr: &net.TCPAddr{Port: q.SourcePortMin}, Timeout: probeTimeout, Control: reuse}
		c, err := d.Dial("tcp"+family, netip.AddrPortFrom(dst, uint16(q.DestinationPort)).String())
		if err != nil {
			return "", err
		}
		defer c.Close()
		c.SetDeadline(deadline)
		b, err := io.ReadAll(c)
		if err != nil || len(b) == 0 {
			return "", fmt.Errorf("no answer: %v", err)
		}
		return string(b), nil
	case 17:
		d := net.Dialer{LocalAddr: &net.UDPAddr{Port: q.SourcePortMin}, Control: reuse}
		c, err := d.Dial("udp"+family, netip.AddrPortFrom(dst, uint16(q.DestinationPort)).String())
		if err != nil {
			return "", err
		}
		defer c.Close()
		c.SetDeadline(deadline)
		if _, err := c.Write([]byte("probe")); err != nil {
			return "", err
		}
		buf := make([]byte, 256)
		n, err := c.Read(buf)
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", vpcdtest.Ping(dst, deadline)
}

func describe(q analyze.Query) string {
	return fmt.Sprintf("%s -> %s %s proto %d port %d sport %d", q.Source, q.Destination, q.DestinationIP, q.Protocol, q.DestinationPort, q.SourcePortMin)
}

func codes(r *analyze.Result) []string {
	var out []string
	for _, e := range r.Explanations {
		out = append(out, e.Code)
	}
	return out
}

func explain(r *analyze.Result) string {
	var b strings.Builder
	for _, h := range r.Forward {
		fmt.Fprintf(&b, "  -> %s %s %s %v\n", h.Kind, h.ID, h.Direction, h.Header)
	}
	for _, h := range r.Return {
		fmt.Fprintf(&b, "  <- %s %s %s %v\n", h.Kind, h.ID, h.Direction, h.Header)
	}
	for _, e := range r.Explanations {
		fmt.Fprintf(&b, "  ! %s %s %s: %s\n", e.Code, e.Kind, e.ID, e.Message)
	}
	return b.String()
}

// question picks a random question the data plane can answer: from an instance to
// another instance (private address, or public when it has one), to the internet host,
// or from the internet host to an instance's public address.
func (w *world) question(rng *rand.Rand) (analyze.Query, string) {
	n := w.n
	q := analyze.Query{SourcePortMin: 32768 + rng.IntN(28000)}
	q.SourcePortMax = q.SourcePortMin
	switch rng.IntN(10) {
	case 0:
		q.Protocol = 1
	case 1, 2:
		q.Protocol = 17
	default:
		q.Protocol = 6
	}
	if q.Protocol != 1 {
		q.DestinationPort = servicePorts[rng.IntN(len(servicePorts))]
	}
	src := w.instances[rng.IntN(len(w.instances))]
	from := src
	q.Source = src
	switch r := rng.IntN(10); {
	case r < 2 && len(w.igws) > 0:
		// To the internet host through the source VPC's gateway, if it has one.
		igw := w.igws[rng.IntN(len(w.igws))]
		for _, id := range w.igws {
			if n.InternetGateways[id].VPC == n.Instances[src].VPC {
				igw = id
			}
		}
		q.Destination, q.DestinationIP = igw, netip.MustParseAddr("192.0.2.1")
	case r < 4 && len(w.igws) > 0:
		// From the internet to an instance's public address.
		dst := w.instances[rng.IntN(len(w.instances))]
		eni := n.Interfaces[n.Instances[dst].Interfaces[0]]
		igw := w.igws[0]
		for _, id := range w.igws {
			if n.InternetGateways[id].VPC == eni.VPC {
				igw = id
			}
		}
		q.Source, q.Destination, from = igw, dst, w.internet
		q.SourceIP = netip.MustParseAddr("192.0.2.1")
		q.DestinationIP = eni.PublicIP
		if !eni.PublicIP.IsValid() {
			q.DestinationIP = netip.MustParseAddr("198.51.100.254") // nobody's
			q.Destination = ""
		}
	default:
		dst := w.instances[rng.IntN(len(w.instances))]
		for dst == src && len(w.instances) > 1 {
			dst = w.instances[rng.IntN(len(w.instances))]
		}
		q.Destination = dst
		e := n.Interfaces[n.Instances[dst].Interfaces[0]]
		q.DestinationIP = e.PrivateIPs[0]
		if e.PublicIP.IsValid() && rng.IntN(3) == 0 {
			// At its public address, through the internet gateways.
			q.DestinationIP = e.PublicIP
		}
	}
	return q, from
}

// question64 picks a question of NAT64: from an instance with an IPv6 address to an
// address in 64:ff9b::/96 (the internet host's, an instance's private or public one), or
// to the internet host's IPv6 address, which only a route to a NAT gateway takes (to be
// dropped there).
func (w *world) question64(rng *rand.Rand) (analyze.Query, string) {
	n := w.n
	src := w.v6[rng.IntN(len(w.v6))]
	q := analyze.Query{Source: src, Protocol: 6, SourcePortMin: 32768 + rng.IntN(28000)}
	q.SourcePortMax = q.SourcePortMin
	if rng.IntN(3) == 0 {
		q.Protocol = 17
	}
	q.DestinationPort = servicePorts[rng.IntN(len(servicePorts))]
	e := n.Interfaces[n.Instances[w.instances[rng.IntN(len(w.instances))]].Interfaces[0]]
	switch r := rng.IntN(6); {
	case r < 2:
		q.DestinationIP = nat64.Synthesize(netip.MustParseAddr("192.0.2.1"))
	case r < 4:
		q.DestinationIP = nat64.Synthesize(e.PrivateIPs[0])
	case r < 5 && e.PublicIP.IsValid():
		q.DestinationIP = nat64.Synthesize(e.PublicIP)
	default:
		q.DestinationIP = netip.MustParseAddr("2001:db8::1")
	}
	return q, src
}

// generate builds a random network from a seed: one to three VPCs, each with subnets
// whose route tables, ACLs, gateways and instances are drawn at random, and peerings.
func generate(seed uint64) *world {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := model.NewNetwork()
	w := &world{n: n}
	idFrom := func(rng *rand.Rand, kind string) string {
		var b [9]byte
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return fmt.Sprintf("%s-%x", kind, b)[:len(kind)+18]
	}
	id := func(kind string) string { return idFrom(rng, kind) }
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	nextPublic := 10
	public := func() netip.Addr {
		nextPublic++
		return addr(fmt.Sprintf("198.51.100.%d", nextPublic))
	}
	cidrs := []string{"0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "10.0.1.0/24", "10.1.1.0/24", "192.0.2.0/24"}
	randomCIDR := func() netip.Prefix { return pfx(cidrs[rng.IntN(len(cidrs))]) }
	protos := []int{-1, -1, 6, 6, 17, 1}
	// A managed prefix list that security groups and routes may use.
	pl := id("pl")
	n.PrefixLists[pl] = []netip.Prefix{pfx("192.0.2.0/24"), pfx(fmt.Sprintf("10.%d.0.0/16", rng.IntN(3)))}
	var groups []string
	newGroup := func(vpc string) string {
		g := id("sg")
		sg := &model.SecurityGroup{ID: g, VPC: vpc}
		if rng.IntN(4) > 0 {
			sg.Rules = append(sg.Rules, model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")})
		} else {
			sg.Rules = append(sg.Rules, model.SecurityGroupRule{Egress: true, Protocol: 6, FromPort: 0, ToPort: 1023, CIDR: randomCIDR()})
		}
		if rng.IntN(2) == 0 {
			sg.Rules = append(sg.Rules, model.SecurityGroupRule{Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("10.0.0.0/8")})
		}
		for range 1 + rng.IntN(4) {
			r := model.SecurityGroupRule{Protocol: protos[rng.IntN(len(protos))], FromPort: -1, ToPort: -1}
			switch r.Protocol {
			case 6, 17:
				if rng.IntN(3) == 0 {
					r.FromPort, r.ToPort = 0, 65535
				} else {
					p := servicePorts[rng.IntN(len(servicePorts))]
					r.FromPort, r.ToPort = p, p
				}
			case 1:
				r.FromPort = []int{-1, 8}[rng.IntN(2)]
			}
			if len(groups) > 0 && rng.IntN(4) == 0 {
				r.Group = groups[rng.IntN(len(groups))]
			} else if rng.IntN(6) == 0 {
				r.PrefixList = pl
			} else {
				r.CIDR = randomCIDR()
			}
			sg.Rules = append(sg.Rules, r)
		}
		n.SecurityGroups[g] = sg
		groups = append(groups, g)
		return g
	}
	newACL := func(vpc string) *model.NetworkACL {
		acl := &model.NetworkACL{ID: id("acl"), VPC: vpc}
		if rng.IntN(3) > 0 {
			acl.Entries = []model.ACLEntry{
				{Number: 100, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
				{Number: 100, Egress: true, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
			}
		} else {
			for _, egress := range []bool{false, true} {
				for range 1 + rng.IntN(3) {
					e := model.ACLEntry{Number: 10 * (1 + rng.IntN(20)), Egress: egress, Allow: rng.IntN(3) > 0, Protocol: protos[rng.IntN(len(protos))], FromPort: -1, ToPort: -1, CIDR: randomCIDR()}
					switch e.Protocol {
					case 6, 17:
						if rng.IntN(2) == 0 {
							p := servicePorts[rng.IntN(len(servicePorts))]
							e.FromPort, e.ToPort = p, p
						} else {
							e.FromPort, e.ToPort = []int{1024, 32768, 40000}[rng.IntN(3)], 65535
						}
					case 1:
						e.FromPort = []int{-1, 0, 8}[rng.IntN(3)]
					}
					acl.Entries = append(acl.Entries, e)
				}
			}
			acl.Entries = append(acl.Entries,
				model.ACLEntry{Number: 300, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")},
				model.ACLEntry{Number: 300, Egress: true, Allow: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("0.0.0.0/0")})
			if rng.IntN(3) == 0 {
				acl.Entries = acl.Entries[:len(acl.Entries)-1-rng.IntN(2)]
			}
		}
		n.NetworkACLs[acl.ID] = acl
		return acl
	}
	type vpcInfo struct {
		id     string
		tables []*model.RouteTable
		igw    string
		nat    string
	}
	var vpcs []vpcInfo
	for v := range 1 + rng.IntN(3) {
		vpc := id("vpc")
		base := fmt.Sprintf("10.%d", v)
		main := &model.RouteTable{ID: id("rtb"), VPC: vpc, Routes: []model.Route{{Destination: pfx(base + ".0.0/16"), Target: "local"}}}
		n.RouteTables[main.ID] = main
		n.VPCs[vpc] = &model.VPC{ID: vpc, CIDRs: []netip.Prefix{pfx(base + ".0.0/16")}, MainRouteTable: main.ID}
		info := vpcInfo{id: vpc, tables: []*model.RouteTable{main}}
		if rng.IntN(3) > 0 {
			info.igw = id("igw")
			n.InternetGateways[info.igw] = &model.InternetGateway{ID: info.igw, VPC: vpc}
			w.igws = append(w.igws, info.igw)
		}
		vpcGroups := []string{newGroup(vpc), newGroup(vpc)}
		var natSubnet, natENI string
		for s := range 1 + rng.IntN(3) {
			sn := id("subnet")
			cidr := pfx(fmt.Sprintf("%s.%d.0/24", base, s+1))
			subnet := &model.Subnet{ID: sn, VPC: vpc, CIDR: cidr}
			n.Subnets[sn] = subnet
			if rng.IntN(3) > 0 {
				rt := &model.RouteTable{ID: id("rtb"), VPC: vpc, Routes: []model.Route{{Destination: pfx(base + ".0.0/16"), Target: "local"}}}
				n.RouteTables[rt.ID] = rt
				subnet.RouteTable = rt.ID
				info.tables = append(info.tables, rt)
				if info.igw != "" && rng.IntN(2) == 0 {
					rt.Routes = append(rt.Routes, model.Route{Destination: pfx("0.0.0.0/0"), Target: info.igw})
					if natSubnet == "" && rng.IntN(2) == 0 {
						natSubnet = sn
					}
				}
			}
			newACL(vpc).Subnets = []string{sn}
			for h := range 1 + rng.IntN(2) {
				inst, eni := id("i"), id("eni")
				e := &model.Interface{ID: eni, Subnet: sn, VPC: vpc, Instance: inst, SourceDestCheck: true,
					PrivateIPs: []netip.Addr{addr(fmt.Sprintf("%s.%d.%d", base, s+1, 10+h))},
					Groups:     []string{vpcGroups[rng.IntN(2)]}}
				if info.igw != "" && rng.IntN(2) == 0 {
					e.PublicIP = public()
				}
				n.Interfaces[eni] = e
				n.Instances[inst] = &model.Instance{ID: inst, VPC: vpc, Subnet: sn, Running: rng.IntN(12) > 0, Interfaces: []string{eni}}
				if n.Instances[inst].Running {
					w.instances = append(w.instances, inst)
				}
			}
		}
		if natSubnet != "" {
			nat := id("nat")
			natENI = id("eni")
			sn := n.Subnets[natSubnet]
			n.Interfaces[natENI] = &model.Interface{ID: natENI, Subnet: natSubnet, VPC: vpc, NatGateway: nat,
				PrivateIPs: []netip.Addr{sn.CIDR.Addr().Next().Next().Next().Next().Next()}, PublicIP: public()}
			n.NatGateways[nat] = &model.NatGateway{ID: nat, VPC: vpc, Subnet: natSubnet, Interface: natENI, Public: true}
			info.nat = nat
			for _, rt := range info.tables {
				if !hasDefault(rt) && rng.IntN(3) > 0 {
					rt.Routes = append(rt.Routes, model.Route{Destination: pfx("0.0.0.0/0"), Target: nat})
				}
			}
		}
		// A second interface (eth1) on an instance, in another subnet of the VPC: it
		// answers from eth1's address out of eth0 unless the peer is on eth1's subnet.
		var subnets []string
		for _, sn := range n.Subnets {
			if sn.VPC == vpc {
				subnets = append(subnets, sn.ID)
			}
		}
		slices.Sort(subnets)
		if len(subnets) > 1 && rng.IntN(3) == 0 {
			var owners []*model.Interface
			for _, e := range n.Interfaces {
				if e.VPC == vpc && e.Instance != "" && n.Instances[e.Instance].Running {
					owners = append(owners, e)
				}
			}
			slices.SortFunc(owners, func(a, b *model.Interface) int { return strings.Compare(a.ID, b.ID) })
			if len(owners) > 0 {
				e0 := owners[rng.IntN(len(owners))]
				sn := n.Subnets[subnets[rng.IntN(len(subnets))]]
				if sn.ID != e0.Subnet {
					eni := id("eni")
					n.Interfaces[eni] = &model.Interface{ID: eni, Subnet: sn.ID, VPC: vpc, Instance: e0.Instance, DeviceIndex: 1, SourceDestCheck: true,
						PrivateIPs: []netip.Addr{sn.CIDR.Addr().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next()},
						Groups:     e0.Groups}
					inst := n.Instances[e0.Instance]
					inst.Interfaces = append(inst.Interfaces, eni)
				}
			}
		}
		// An appliance: a table sends another subnet's block (more specific than local) or
		// the prefix list through an instance, whose check is off or not.
		var vpcInstances []*model.Interface
		for _, e := range n.Interfaces {
			if e.VPC == vpc && e.Instance != "" {
				vpcInstances = append(vpcInstances, e)
			}
		}
		slices.SortFunc(vpcInstances, func(a, b *model.Interface) int { return strings.Compare(a.ID, b.ID) })
		if len(vpcInstances) > 1 && rng.IntN(2) == 0 {
			fw := vpcInstances[rng.IntN(len(vpcInstances))]
			fw.SourceDestCheck = rng.IntN(2) == 0
			target := fw.ID
			if rng.IntN(2) == 0 {
				target = fw.Instance
			}
			rt := info.tables[rng.IntN(len(info.tables))]
			other := vpcInstances[rng.IntN(len(vpcInstances))]
			if sn := n.Subnets[other.Subnet]; other.Subnet != fw.Subnet {
				rt.Routes = append(rt.Routes, model.Route{Destination: sn.CIDR, Target: target})
			}
		}
		if info.igw != "" && rng.IntN(4) == 0 {
			rt := info.tables[rng.IntN(len(info.tables))]
			rt.Routes = append(rt.Routes, model.Route{DestinationPrefixList: pl, Target: info.igw})
		}
		vpcs = append(vpcs, info)
	}
	// Peerings between VPC pairs, with routes on one side, both or none.
	for i := range vpcs {
		for j := i + 1; j < len(vpcs); j++ {
			if rng.IntN(2) == 0 {
				continue
			}
			pcx := id("pcx")
			n.Peerings[pcx] = &model.Peering{ID: pcx, Requester: vpcs[i].id, Accepter: vpcs[j].id}
			for _, side := range [][2]int{{i, j}, {j, i}} {
				if rng.IntN(4) == 0 {
					continue
				}
				for _, rt := range vpcs[side[0]].tables {
					if rng.IntN(3) > 0 {
						rt.Routes = append(rt.Routes, model.Route{Destination: n.VPCs[vpcs[side[1]].id].CIDRs[0], Target: pcx})
					}
				}
			}
		}
	}
	if len(w.instances) == 0 {
		return generate(seed + 1_000_003)
	}
	// NAT64, from a stream of its own so that the network above stays the seed's: a VPC
	// with a NAT gateway may get an IPv6 block, its instances IPv6 addresses, its tables
	// 64:ff9b::/96 or ::/0 to the gateway, its ACLs and groups rules for IPv6.
	rng64 := rand.New(rand.NewPCG(seed, 64))
	for v, info := range vpcs {
		if info.nat == "" || rng64.IntN(3) == 0 {
			continue
		}
		block := pfx(fmt.Sprintf("2600:1f18:0:%x00::/56", v+1))
		n.VPCs[info.id].CIDRs = append(n.VPCs[info.id].CIDRs, block)
		for _, rt := range info.tables {
			rt.Routes = append(rt.Routes, model.Route{Destination: block, Target: "local"})
			switch rng64.IntN(6) {
			case 0:
			case 1:
				rt.Routes = append(rt.Routes, model.Route{Destination: pfx("::/0"), Target: info.nat})
			default:
				rt.Routes = append(rt.Routes, model.Route{Destination: nat64.WellKnownPrefix, Target: info.nat})
			}
		}
		for _, id := range model.SortedKeys(n.Subnets) {
			if sn := n.Subnets[id]; sn.VPC == info.id {
				sn.IPv6CIDR = pfx(fmt.Sprintf("2600:1f18:0:%x%02x::/64", v+1, sn.CIDR.Addr().As4()[2]))
			}
		}
		for _, id := range model.SortedKeys(n.Interfaces) {
			e := n.Interfaces[id]
			if e.VPC != info.id || e.Instance == "" || e.DeviceIndex != 0 || rng64.IntN(4) == 0 {
				continue
			}
			a := n.Subnets[e.Subnet].IPv6CIDR.Addr().As16()
			a[15] = e.PrivateIPs[0].As4()[3]
			e.IPv6Addresses = []netip.Addr{netip.AddrFrom16(a)}
			if n.Instances[e.Instance].Running {
				w.v6 = append(w.v6, e.Instance)
			}
		}
		for _, id := range model.SortedKeys(n.NetworkACLs) {
			if acl := n.NetworkACLs[id]; acl.VPC == info.id {
				for _, egress := range []bool{false, true} {
					acl.Entries = append(acl.Entries, model.ACLEntry{Number: 310, Egress: egress, Allow: rng64.IntN(8) > 0, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")})
				}
			}
		}
		for _, id := range model.SortedKeys(n.SecurityGroups) {
			if g := n.SecurityGroups[id]; g.VPC == info.id && rng64.IntN(8) > 0 {
				g.Rules = append(g.Rules, model.SecurityGroupRule{Egress: true, Protocol: -1, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")})
			}
		}
	}
	// Regional NAT gateways, from a stream of their own too: a VPC with an internet
	// gateway may get one, its subnets in two zones, an address for each zone, its own
	// table to the internet gateway, and a default route to it in tables that have none,
	// or one to the internet host's block.
	rngR := rand.New(rand.NewPCG(seed, 66))
	for _, info := range vpcs {
		if info.igw == "" || rngR.IntN(3) > 0 {
			continue
		}
		g := &model.NatGateway{ID: idFrom(rngR, "nat"), VPC: info.id, Regional: true, Public: true}
		rt := &model.RouteTable{ID: idFrom(rngR, "rtb"), VPC: info.id, Routes: []model.Route{
			{Destination: n.VPCs[info.id].CIDRs[0], Target: "local"}, {Destination: pfx("0.0.0.0/0"), Target: info.igw}}}
		n.RouteTables[rt.ID], g.RouteTable = rt, rt.ID
		zones := []string{"us-east-1a", "us-east-1b"}
		for i, id := range model.SortedKeys(n.Subnets) {
			if sn := n.Subnets[id]; sn.VPC == info.id {
				sn.Zone = zones[i%2]
			}
		}
		for _, z := range zones {
			g.Addresses = append(g.Addresses, model.NatZoneAddress{Zone: z, Public: public()})
		}
		n.NatGateways[g.ID] = g
		for _, rt := range info.tables {
			switch {
			case !hasDefault(rt) && rngR.IntN(3) > 0:
				rt.Routes = append(rt.Routes, model.Route{Destination: pfx("0.0.0.0/0"), Target: g.ID})
			case rngR.IntN(2) == 0:
				rt.Routes = append(rt.Routes, model.Route{Destination: pfx("192.0.2.0/24"), Target: g.ID})
			}
		}
	}
	return w
}

func hasDefault(rt *model.RouteTable) bool {
	for _, r := range rt.Routes {
		if r.Destination.Bits() == 0 {
			return true
		}
	}
	return false
}
