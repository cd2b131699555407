// Package s3store is vpcd's Amazon S3: buckets and objects kept in a bbolt file in the
// data directory (s3.db), served with gofakes3's S3 API (api/s3.go puts it on vpcd's
// listener) and written directly by vpcd itself (flow logs delivered to S3).
//
// Bucket names are one namespace, as in S3, shared by every account: vpcd keeps no
// bucket owner and no bucket policy, so any caller may use any bucket.
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

// Put stores an object in an existing bucket, replacing one of the same key.
func (s *Store) Put(bucket, key string, body []byte) error {
	_, err := s.backend.PutObject(bucket, key, map[string]string{"Content-Type": "application/gzip"}, bytes.NewReader(body), int64(len(body)), nil)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket) {
		return fmt.Errorf("%s: %w", bucket, ErrNoSuchBucket)
	}
	return err
}
