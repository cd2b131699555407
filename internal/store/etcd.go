package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/namespace"
	"go.uber.org/zap"
)

// ErrTooLarge is returned by Commit when a transaction is larger than the store accepts.
var ErrTooLarge = errors.New("store: transaction too large")

// EtcdConfig says how to reach an etcd cluster and where in it vpcd keeps its keys.
type EtcdConfig struct {
	Endpoints []string    // "http://host:2379" or "https://host:2379"
	TLS       *tls.Config // nil: plain connections
	// Namespace is put before every key, so that deployments sharing one etcd do not
	// see each other's keys ("vpcd/prod/"). Revisions are etcd's and so shared: a
	// deployment sees its revision jump by the other's commits.
	Namespace   string
	DialTimeout time.Duration // 0: 5s
	// MaxTxnOps is the etcd server's --max-txn-ops, the most compares and the most writes
	// one transaction may hold; 0: etcd's default of 128.
	MaxTxnOps int
}

// Etcd is a store kept in an etcd cluster, so that several vpcd API servers can share it.
// Its revisions are etcd's: a fresh etcd is at revision 1, and a commit without writes
// does not take a revision.
type Etcd struct {
	cli       *clientv3.Client
	kv        clientv3.KV
	watcher   clientv3.Watcher
	maxTxnOps int
	closed    atomic.Bool
}

// OpenEtcd connects to the cluster and checks that it answers before returning.
func OpenEtcd(ctx context.Context, cfg EtcdConfig) (*Etcd, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("open etcd store: no endpoint")
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.MaxTxnOps == 0 {
		cfg.MaxTxnOps = 128
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		TLS:         cfg.TLS,
		DialTimeout: cfg.DialTimeout,
		Context:     context.WithoutCancel(ctx),
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("open etcd store %v: %w", cfg.Endpoints, err)
	}
	s := &Etcd{
		cli:       cli,
		kv:        namespace.NewKV(cli.KV, cfg.Namespace),
		watcher:   namespace.NewWatcher(cli.Watcher, cfg.Namespace),
		maxTxnOps: cfg.MaxTxnOps,
	}
	pingCtx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if _, err := s.revision(pingCtx); err != nil {
		cli.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			// What failed (refused connection, TLS handshake) stays inside the client.
			return nil, fmt.Errorf("open etcd store %v: no answer within %v (is it running, and does it take this scheme and these certificates?): %w",
				cfg.Endpoints, cfg.DialTimeout, err)
		}
		return nil, fmt.Errorf("open etcd store %v: %w", cfg.Endpoints, err)
	}
	return s, nil
}

// revision returns the cluster's current revision.
func (s *Etcd) revision(ctx context.Context) (int64, error) {
	// A count of one key that is never written: the cheapest read with a header.
	resp, err := s.kv.Get(ctx, "\x00", clientv3.WithCountOnly())
	if err != nil {
		return 0, err
	}
	return resp.Header.Revision, nil
}

// err reports a failure after Close as ErrClosed: the client then fails calls with
// errors of its own.
func (s *Etcd) err(err error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return err
}

func (s *Etcd) Get(ctx context.Context, key string) (kv KV, ok bool, err error) {
	if s.closed.Load() {
		return KV{}, false, ErrClosed
	}
	if key == "" {
		// etcd refuses an empty key; the embedded store has none either.
		return KV{}, false, ctx.Err()
	}
	resp, err := s.kv.Get(ctx, key)
	if err != nil {
		return KV{}, false, s.err(err)
	}
	if len(resp.Kvs) == 0 {
		return KV{}, false, nil
	}
	k := resp.Kvs[0]
	return KV{Key: string(k.Key), Value: k.Value, ModRev: k.ModRevision}, true, nil
}

func (s *Etcd) List(ctx context.Context, prefix string) ([]KV, int64, error) {
	if s.closed.Load() {
		return nil, 0, ErrClosed
	}
	resp, err := s.kv.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, 0, s.err(err)
	}
	var kvs []KV
	for _, k := range resp.Kvs {
		kvs = append(kvs, KV{Key: string(k.Key), Value: k.Value, ModRev: k.ModRevision})
	}
	return kvs, resp.Header.Revision, nil
}

// lastWrites returns ops with only the last op of each key, in the order of those last
// ops: etcd refuses a transaction that writes a key twice.
func lastWrites(ops []Op) []Op {
	last := make(map[string]int, len(ops))
	for i, op := range ops {
		last[op.Key] = i
	}
	if len(last) == len(ops) {
		return ops
	}
	out := make([]Op, 0, len(last))
	for i, op := range ops {
		if last[op.Key] == i {
			out = append(out, op)
		}
	}
	return out
}

func (s *Etcd) Commit(ctx context.Context, cmps []Cmp, ops []Op) (int64, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ops = lastWrites(ops)
	if len(cmps) > s.maxTxnOps || len(ops) > s.maxTxnOps {
		return 0, fmt.Errorf("commit of %d compares and %d writes: etcd takes at most %d of each per transaction (its --max-txn-ops): %w",
			len(cmps), len(ops), s.maxTxnOps, ErrTooLarge)
	}
	ifs := make([]clientv3.Cmp, 0, len(cmps))
	for _, c := range cmps {
		if c.ModRev == 0 {
			ifs = append(ifs, clientv3.Compare(clientv3.CreateRevision(c.Key), "=", 0))
		} else {
			ifs = append(ifs, clientv3.Compare(clientv3.ModRevision(c.Key), "=", c.ModRev))
		}
	}
	thens := make([]clientv3.Op, 0, len(ops))
	for _, op := range ops {
		if op.Key == "" {
			return 0, errors.New("commit: empty key")
		}
		if op.Delete {
			thens = append(thens, clientv3.OpDelete(op.Key))
		} else {
			thens = append(thens, clientv3.OpPut(op.Key, string(op.Value)))
		}
	}
	resp, err := s.kv.Txn(ctx).If(ifs...).Then(thens...).Commit()
	switch {
	case errors.Is(err, rpctypes.ErrTooManyOps), errors.Is(err, rpctypes.ErrRequestTooLarge):
		return 0, fmt.Errorf("commit of %d compares and %d writes: %v: %w", len(cmps), len(ops), err, ErrTooLarge)
	case err != nil:
		return 0, fmt.Errorf("commit: %w", s.err(err))
	case !resp.Succeeded:
		return 0, ErrConflict
	}
	return resp.Header.Revision, nil
}

func (s *Etcd) Watch(ctx context.Context, prefix string, afterRev int64) <-chan Event {
	out := make(chan Event, watchBuffer)
	if s.closed.Load() {
		close(out)
		return out
	}
	if afterRev == 0 {
		// etcd starts a watch without a revision when its server gets the request, which
		// is after this call returns: pin "after the call" to the revision now.
		rev, err := s.revision(ctx)
		if err != nil {
			close(out)
			return out
		}
		afterRev = rev
	}
	// The watch ends with the reader's ctx, and when the cluster has no leader, rather
	// than waiting silently for one.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	wch := s.watcher.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(afterRev+1))
	go func() {
		defer close(out)
		defer cancel()
		for resp := range wch {
			if resp.CompactRevision != 0 {
				select {
				case out <- Event{Err: ErrCompacted}:
				default: // too far behind anyway: closing says enough
				}
				return
			}
			if resp.Err() != nil {
				return
			}
			for _, ev := range resp.Events {
				e := Event{Rev: ev.Kv.ModRevision, Key: string(ev.Kv.Key)}
				if ev.Type == mvccpb.DELETE {
					e.Delete = true
				} else {
					e.Value = ev.Kv.Value
				}
				select {
				case out <- e:
				default:
					return // too far behind: closed so that its owner lists again
				}
			}
		}
	}()
	return out
}

func (s *Etcd) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	return s.cli.Close()
}
