package e2e

// Flow logs on real packets: the router's conntrack counts what passed, NFLOG tells what a
// group rejected, and the records reach CloudWatch Logs, read back with the SDK.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestFlowLogRecords(t *testing.T) {
	p, server, client := flowLogTraffic(t, &ec2sdk.CreateFlowLogsInput{
		LogGroupName: aws.String("vpc-flows"), DeliverLogsPermissionArn: aws.String("arn:aws:iam::123456789012:role/flow-logs"),
	})
	logs := cloudwatchlogs.New(cloudwatchlogs.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
	events := func(stream string) []string {
		out, err := logs.GetLogEvents(p.ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("vpc-flows"), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)})
		if err != nil {
			return nil
		}
		var lines []string
		for _, e := range out.Events {
			lines = append(lines, aws.ToString(e.Message))
		}
		return lines
	}
	stream := server.ENI + "-all"
	var lines []string
	deadline := time.Now().Add(2*time.Minute + converge)
	for {
		lines = events(stream)
		if flowRecordsComplete(lines) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	t.Logf("%s:\n%s", stream, strings.Join(lines, "\n"))
	checkFlowRecords(t, lines, server, client, stream)
	checkSenderRecords(t, events(client.ENI+"-all"), server, client)

	// The aws CLI finds the rejections with a filter pattern over the group's streams.
	if _, err := exec.LookPath("aws"); err != nil {
		t.Log("aws CLI not installed: filter-log-events not tried")
		return
	}
	cmd := exec.Command("aws", "--endpoint-url", p.url, "logs", "filter-log-events", "--log-group-name", "vpc-flows",
		"--filter-pattern", "[version, account, eni, src, dst, srcport, dstport, protocol, packets, bytes, start, end, action=REJECT, status]",
		"--query", "events[].message", "--output", "text")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws logs filter-log-events: %v: %s", err, out)
	}
	rejected := strings.Fields(string(out))
	if !slices.Contains(rejected, "9999") || !slices.Contains(rejected, "9090") || slices.Contains(rejected, "ACCEPT") {
		t.Errorf("aws logs filter-log-events action=REJECT:\n%s", out)
	}

	t.Run("aws logs tail", func(t *testing.T) { logsTail(t, p.url, stream, lines) })
}

// logsTail checks that the aws CLI v2's logs tail, which v1 lacks, prints a log group's
// records: Debian's awscli at /usr/bin/aws, beside the v1 on PATH.
func logsTail(t *testing.T, url, stream string, lines []string) {
	const v2 = "/usr/bin/aws"
	if out, err := exec.Command(v2, "--version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "aws-cli/2") {
		t.Skipf("%s is not the aws CLI v2 (Debian's awscli): aws logs tail not tried (%v %s)", v2, err, strings.TrimSpace(string(out)))
	}
	cmd := exec.Command(v2, "--endpoint-url", url, "logs", "tail", "vpc-flows", "--since", "10m")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws logs tail: %v: %s", err, out)
	}
	// Each line is the event's time, its stream and its message.
	tailed := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, want := range lines {
		if line := find(tailed, " "+stream+" "+want); line == "" {
			t.Errorf("aws logs tail has no %q of %s:\n%s", want, stream, out)
		}
	}
}

// flowLogTraffic is a VPC with a server, whose group lets in TCP 8080 and UDP 5353, and a
// client, and a flow log of all the VPC's traffic at a 60 s interval (in gives its
// destination; before runs first; a flow log to S3 gets 20 s windows of files). Once the capture runs, the client connects to 8080,
// exchanges a datagram with 5353, and sends a SYN to 9090 and a datagram to 9999 that the
// group drops.
func flowLogTraffic(t *testing.T, in *ec2sdk.CreateFlowLogsInput, before ...func(*plane)) (p *plane, server, client instance) {
	var args []string
	if in.LogDestinationType == types.LogDestinationTypeS3 {
		// S3's files come every 5 minutes, as AWS's do: every 20 s here.
		args = []string{"--flow-log-s3-window", "20s"}
	}
	p = startPlane(t, args...)
	for _, f := range before {
		f(p)
	}
	vpc := p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	web := p.group(vpc, "web")
	p.allowIn(web, perm("tcp", 8080, 8080, "10.0.0.0/16"), perm("udp", 5353, 5353, "10.0.0.0/16"))
	server = p.launch(sub, []string{web})
	client = p.launch(sub, []string{p.group(vpc, "client")})

	in.ResourceIds, in.ResourceType, in.TrafficType = []string{vpc}, types.FlowLogsResourceTypeVpc, types.TrafficTypeAll
	in.MaxAggregationInterval = aws.Int32(60)
	_, err := p.ec2.CreateFlowLogs(p.ctx, in)
	p.check("CreateFlowLogs", err)
	// The capture starts once the VPC's services daemon has the flow log.
	p.eventually("the capture configured", func() bool {
		b, err := os.ReadFile(filepath.Join(p.dataDir, "vpcsvc", vpc+".json"))
		return err == nil && strings.Contains(string(b), server.ENI)
	})
	time.Sleep(time.Second) // the daemon's poll, and its NFLOG bind

	p.serve(server.ID, "tcp-serve", 8080)
	p.serve(server.ID, "udp-serve", 5353)
	// One datagram each way, and one the group rejects, from fixed ports: records whose
	// counts are known exactly. "probe" is 5 bytes (33 with the IPv4 and UDP headers);
	// the answer is the client's address. The exchange goes first: conntrack forgets it
	// after 30 s, within the first interval, and so its record comes with the first.
	// A first exchange from another port, retried until it passes, makes sure the path
	// and the server are up (a reconcile of the router may still be under way).
	p.passes(udp(client.ID, server.IP, 5353))
	exchange := udp(client.ID, server.IP, 5353)
	exchange.sport = 40000
	if _, err := p.try(exchange); err != nil {
		t.Fatalf("%v: %v", exchange, err)
	}
	p.passes(tcp(client.ID, server.IP, 8080))
	p.dropped(tcp(client.ID, server.IP, 9090))
	rejected := udp(client.ID, server.IP, 9999)
	rejected.sport = 40001
	p.dropped(rejected)
	return p, server, client
}

// flowRecordsComplete reports whether the server's lines have a record of each of
// flowLogTraffic's flows.
func flowRecordsComplete(lines []string) bool {
	return has(lines, " 8080 6 ", "ACCEPT") && has(lines, " 9090 6 ", "REJECT") && has(lines, " 40001 9999 ") && has(lines, " 40000 5353 ")
}

// checkFlowRecords checks the version 2 records of flowLogTraffic's flows among the
// server's lines, read from where.
func checkFlowRecords(t *testing.T, lines []string, server, client instance, where string) {
	t.Helper()
	// Version 2: version account interface srcaddr dstaddr srcport dstport protocol packets
	// bytes start end action log-status.
	for _, want := range []struct{ what, dst, action string }{
		{"the connection to 8080", " " + server.IP + " ", "ACCEPT"},
		{"the SYN to 9090 the group rejected", " " + server.IP + " ", "REJECT"},
	} {
		port := "8080"
		if want.action == "REJECT" {
			port = "9090"
		}
		line := find(lines, client.IP+want.dst, " "+port+" 6 ", want.action)
		if line == "" {
			t.Errorf("%s: no %s record from %s to %s:%s in %s", want.what, want.action, client.IP, server.IP, port, where)
			continue
		}
		f := strings.Fields(line)
		if len(f) != 14 || f[0] != "2" || f[1] != "123456789012" || f[2] != server.ENI || f[13] != "OK" {
			t.Errorf("%s: record %q is not version 2 of %s", want.what, line, server.ENI)
		}
		if f[8] == "0" || f[9] == "0" {
			t.Errorf("%s: record %q counts no packet", want.what, line)
		}
	}
	// The reply of the accepted connection is recorded too, the other way.
	if find(lines, server.IP+" "+client.IP+" 8080 ", " 6 ", "ACCEPT") == "" {
		t.Errorf("no record of the server's replies in %s", where)
	}
	reply := strconv.Itoa(28 + len(client.IP))
	for _, want := range []string{
		client.IP + " " + server.IP + " 40000 5353 17 1 33 ",
		server.IP + " " + client.IP + " 5353 40000 17 1 " + reply + " ",
		client.IP + " " + server.IP + " 40001 9999 17 1 33 ",
	} {
		if find(lines, want) == "" {
			t.Errorf("no record %q... in %s", want, where)
		}
	}
	if line := find(lines, " 40001 9999 "); !strings.Contains(line, " REJECT ") {
		t.Errorf("the datagram the group dropped is recorded as %q, want REJECT", line)
	}
}

// checkSenderRecords checks that the client's own records (mine) have the datagram the
// server's group rejected as accepted on its way out.
func checkSenderRecords(t *testing.T, mine []string, server, client instance) {
	t.Helper()
	if find(mine, client.IP+" "+server.IP+" 40001 9999 17 1 33 ", "ACCEPT") == "" {
		t.Errorf("the client's records have no ACCEPT of the datagram it sent:\n%s", strings.Join(mine, "\n"))
	}
}

func has(lines []string, parts ...string) bool { return find(lines, parts...) != "" }

// find is the first line holding every part.
func find(lines []string, parts ...string) string {
next:
	for _, l := range lines {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				continue next
			}
		}
		return l
	}
	return ""
}
