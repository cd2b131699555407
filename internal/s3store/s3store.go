// Package s3store is vpcd's Amazon S3: buckets and objects kept in a bbolt file in the
// data directory (s3.db), served with gofakes3's S3 API (api/s3.go puts it on vpcd's
// listener) and written directly by vpcd itself (flow logs delivered to S3).
//
// Bucket names are one namespace, as in S3, shared by every account: vpcd keeps no
// bucket owner, so any caller may use any bucket that its bucket policy (kept here,
// beside gofakes3's own metadata; internal/api evaluates it) does not deny it.
package s3store

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"
)

// FileName is the store's file in the data directory.
const FileName = "s3.db"

// ErrNoSuchBucket is Put's error for a bucket that does not exist.
var ErrNoSuchBucket = errors.New("the specified bucket does not exist")

// Store is the S3 of one vpcd.
type Store struct {
	db      *bolt.DB
	backend *s3bolt.Backend
	handler http.Handler
}

// Open opens (creating it when missing) the store in dataDir. One process holds it at a
// time: a second Open of the same file waits a few seconds and fails.
func Open(dataDir string) (*Store, error) {
	db, err := bolt.Open(filepath.Join(dataDir, FileName), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("s3 store: %w", err)
	}
	backend := s3bolt.New(db)
	// Versioning is not offered: s3bolt keeps one version of an object.
	fake := gofakes3.New(backend, gofakes3.WithoutVersioning())
	return &Store{db: db, backend: backend, handler: fake.Server()}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Handler serves the S3 REST API, path style (/bucket/key). It checks no signature: the
// caller has authenticated the request.
func (s *Store) Handler() http.Handler { return s.handler }

// HasBucket reports whether a bucket exists.
func (s *Store) HasBucket(name string) (bool, error) { return s.backend.BucketExists(name) }

// metaBucket is s3bolt's own bucket of metadata, whose name no S3 bucket can have; a
// bucket's policy is kept there under policyKey, which no key of s3bolt's can be (S3
// bucket names have no "/").
var metaBucket = []byte("_meta")

func policyKey(bucket string) []byte { return []byte("vpcd-policy/" + bucket) }

// BucketPolicy is the policy of a bucket, "" for none.
func (s *Store) BucketPolicy(bucket string) (string, error) {
	var doc string
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(metaBucket); b != nil {
			doc = string(b.Get(policyKey(bucket)))
		}
		return nil
	})
	return doc, err
}

// SetBucketPolicy sets the policy of a bucket; "" deletes it.
func (s *Store) SetBucketPolicy(bucket, doc string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if doc == "" {
			return b.Delete(policyKey(bucket))
		}
		return b.Put(policyKey(bucket), []byte(doc))
	})
}

// Put stores an object in an existing bucket, replacing one of the same key.
func (s *Store) Put(bucket, key string, body []byte) error {
	_, err := s.backend.PutObject(bucket, key, map[string]string{"Content-Type": "application/gzip"}, bytes.NewReader(body), int64(len(body)), nil)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket) {
		return fmt.Errorf("%s: %w", bucket, ErrNoSuchBucket)
	}
	return err
}

// The headers with which vpcd's own S3 proxies (internal/vpcsvc, in the internet's
// namespace and in each VPC router's) say where a request came from, on the data plane's
// unix socket (api.FromDataPlane): anywhere else they are not believed.
const (
	// HeaderSourceIP is the client's address as S3 sees it: public from the internet,
	// private through a gateway endpoint.
	HeaderSourceIP = "X-Vpcd-Source-Ip"
	// HeaderSourceVPC and HeaderSourceVPCE are the VPC and the gateway endpoint a
	// request came through; HeaderSourceAccount and HeaderSourceRegion are the VPC's
	// owner and region, where the endpoint's record is.
	HeaderSourceVPC     = "X-Vpcd-Source-Vpc"
	HeaderSourceVPCE    = "X-Vpcd-Source-Vpce"
	HeaderSourceAccount = "X-Vpcd-Source-Account"
	HeaderSourceRegion  = "X-Vpcd-Source-Region"
)
