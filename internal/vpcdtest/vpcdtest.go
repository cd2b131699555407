// Package vpcdtest starts vpcd for tests: in process over a real loopback listener, or as
// the built binary, and gives AWS SDK clients pointed at it.
package vpcdtest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"

	"vpcd/internal/api"
	"vpcd/internal/control"
	"vpcd/internal/store"
)

// Server is an in-process vpcd.
type Server struct {
	URL     string
	Service *control.Service
}

// Start serves the API in process on a loopback port, over a store in a temporary
// directory; both go when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	st, err := store.OpenEmbedded(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return StartOn(tb, st)
}

// StartOn serves the API in process on a loopback port, over st, which it closes when the
// test ends.
func StartOn(tb testing.TB, st store.Store) *Server {
	svc := control.New(st, control.Config{})
	ts := httptest.NewServer(api.New(svc, api.Config{}))
	tb.Cleanup(func() {
		ts.Close()
		st.Close()
	})
	return &Server{URL: ts.URL, Service: svc}
}

// EC2 is an AWS SDK for Go v2 client of the server acting as account (a 12-digit access
// key is that account) in us-east-1, without retries so that errors show at once (but
// see Client).
func (s *Server) EC2(tb testing.TB, account string) *ec2sdk.Client {
	return Client(s.URL, account, "us-east-1")
}

// Client is an AWS SDK for Go v2 EC2 client of the vpcd at url. It retries nothing that
// vpcd answered, so that every error vpcd gives shows at once; only a request whose
// connection the client's own transport closed under it ("use of closed network
// connection" while reading a 200, seen on a loaded machine and described for the SDK in
// aws/aws-sdk-go-v2#1825 and #2737) is sent once more, as the SDK's default retryer would.
func Client(url, accessKey, region string) *ec2sdk.Client {
	return ec2sdk.New(ec2sdk.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 2
			o.RateLimiter = ratelimit.None
			o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				return aws.BoolTernary(errors.Is(err, net.ErrClosed))
			})}
		}),
	})
}

var build struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// BuildBinary builds cmd/vpcd once per test process and returns its path.
func BuildBinary(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "vpcd-bin-")
		if err != nil {
			build.err = err
			return
		}
		build.bin = filepath.Join(dir, "vpcd")
		cmd := exec.Command("go", "build", "-o", build.bin, "./cmd/vpcd")
		cmd.Dir = moduleRoot()
		build.out, build.err = cmd.CombinedOutput()
	})
	if build.err != nil {
		tb.Fatalf("build vpcd: %v\n%s", build.err, build.out)
	}
	return build.bin
}

// InternetNamespace is the simulated internet's namespace of the vpcd that StartBinary runs
// on dataDir: "vpcd-internet-" and a hash of the directory.
func InternetNamespace(dataDir string) string {
	sum := sha256.Sum256([]byte(dataDir))
	return "vpcd-internet-" + hex.EncodeToString(sum[:4])
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// StartBinary runs `vpcd serve` on a free loopback port with dataDir and extra args, waits
// until it listens, and returns its URL. Unless args name one, the simulated internet gets
// a namespace of its own (InternetNamespace(dataDir)), so that tests never share one. The
// process is killed when the test ends and, as root, `vpcd cleanup` then removes every
// namespace and process its data plane made, also when the test failed.
func StartBinary(tb testing.TB, bin, dataDir string, args ...string) (string, *exec.Cmd) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if !slices.Contains(args, "--internet-netns") {
		args = append(args, "--internet-netns", InternetNamespace(dataDir))
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		cmd.Wait()
		if os.Geteuid() == 0 {
			if out, err := exec.Command(bin, "cleanup", "--data-dir", dataDir).CombinedOutput(); err != nil {
				tb.Errorf("vpcd cleanup: %v\n%s", err, out)
			}
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			tb.Fatal("vpcd exited before listening")
		}
		return "http://" + a, cmd
	case <-time.After(30 * time.Second):
		tb.Fatal("vpcd did not start listening within 30s")
	}
	return "", nil
}

// SyncBuffer is a buffer that goroutines or a process may write while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
