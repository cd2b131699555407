package api_test

import (
	"context"
	"os/exec"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/vpcdtest"
)

// An acknowledged write is durable (DESIGN.md, rule 3): vpcd killed with SIGKILL while
// eight clients create VPCs, then restarted on the same data directory, still has every
// VPC whose CreateVpc answered success. Twice, so that the second run also starts from a
// store that was cut off mid-write.
func TestCrashKeepsAcknowledgedVpcs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the vpcd binary")
	}
	bin := vpcdtest.BuildBinary(t)
	dir := t.TempDir()
	var acked []string
	for round := 1; round <= 2; round++ {
		url, cmd := vpcdtest.StartBinary(t, bin, dir, "--data-plane", "off")
		c := vpcdtest.Client(url, "123456789012", "us-east-1")
		checkVpcsSurvived(t, c, acked, round)
		acked = append(acked, createUntilKilled(t, c, cmd, 150)...)
	}
	url, _ := vpcdtest.StartBinary(t, bin, dir, "--data-plane", "off")
	checkVpcsSurvived(t, vpcdtest.Client(url, "123456789012", "us-east-1"), acked, 3)
}

// createUntilKilled runs eight clients creating VPCs and kills vpcd with SIGKILL once
// at least n creations have been acknowledged; it returns the acknowledged IDs.
func createUntilKilled(t *testing.T, c *ec2sdk.Client, cmd *exec.Cmd, n int) []string {
	t.Helper()
	var (
		mu     sync.Mutex
		acked  []string
		killed bool
		kill   sync.Once
		wg     sync.WaitGroup
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				out, err := c.CreateVpc(context.Background(), &ec2sdk.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
				mu.Lock()
				if err != nil {
					if !killed {
						t.Errorf("CreateVpc before the kill: %v", err)
					}
					mu.Unlock()
					return
				}
				acked = append(acked, aws.ToString(out.Vpc.VpcId))
				if len(acked) >= n {
					// Under the lock: no answer read after the kill is recorded before
					// killed is set, and every recorded one came before or during it.
					kill.Do(func() {
						if err := cmd.Process.Kill(); err != nil {
							t.Errorf("kill vpcd: %v", err)
						}
						killed = true
					})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// Reap the process so that its store is free for the next one.
	cmd.Wait()
	return acked
}

// checkVpcsSurvived fails unless every acknowledged VPC is described after the restart.
func checkVpcsSurvived(t *testing.T, c *ec2sdk.Client, acked []string, round int) {
	t.Helper()
	have := map[string]bool{}
	p := ec2sdk.NewDescribeVpcsPaginator(c, &ec2sdk.DescribeVpcsInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("start %d: DescribeVpcs: %v", round, err)
		}
		for _, v := range page.Vpcs {
			have[aws.ToString(v.VpcId)] = true
		}
	}
	lost, seen := 0, map[string]bool{}
	for _, id := range acked {
		if seen[id] {
			t.Errorf("start %d: %s acknowledged twice", round, id)
		}
		seen[id] = true
		if !have[id] {
			lost++
			t.Errorf("start %d: acknowledged VPC %s is gone", round, id)
		}
	}
	// The default VPC, every acknowledged one, and at most the few in flight at the kill.
	if len(have) < len(acked)+1 {
		t.Errorf("start %d: %d VPCs for %d acknowledged creations", round, len(have), len(acked))
	}
	t.Logf("start %d: %d acknowledged VPCs, %d lost, %d described", round, len(acked), lost, len(have))
}
