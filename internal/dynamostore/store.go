// Package dynamostore is vpcd's Amazon DynamoDB: tables and their items kept in a bbolt
// file in the data directory (dynamodb.db), per account and region, and the operations
// vpcd answers on them (CreateTable, DescribeTable, ListTables, DeleteTable, PutItem,
// GetItem, DeleteItem, UpdateItem, Query and Scan) in the generated shapes of
// internal/aws/dynamodb; internal/api puts them on vpcd's listener.
//
// Items are kept apart from vpcd's store (internal/store) as S3's objects are
// (internal/s3store): they are a service's data, not the VPC's resources. Nothing in
// the data plane derives from them, so they have no business in the revisions and the
// watch the informer follows (every PutItem would wake it), nor in an etcd cluster
// sized for resources. A bbolt transaction per request makes a condition and the write
// it guards one atomic step, as DynamoDB's conditional writes are.
package dynamostore

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"vpcd/internal/aws/dynamodb"
	"vpcd/internal/ec2"
)

// FileName is the store's file in the data directory.
const FileName = "dynamodb.db"

// Store is the DynamoDB of one vpcd.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// Open opens (creating it when missing) the store in dataDir. One process holds it at a
// time: a second Open of the same file waits a few seconds and fails.
func Open(dataDir string) (*Store, error) {
	db, err := bolt.Open(filepath.Join(dataDir, FileName), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("dynamodb store: %w", err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// The file's layout: a top-level bucket per account and region ("ACCOUNT/REGION"),
// holding the bucket "tables" (a table's name to its TableDescription, as JSON) and a
// bucket per table ("items/NAME") of its items, by their encoded key (itemKey), as JSON.
var tablesBucket = []byte("tables")

func regionBucket(account, region string) []byte { return []byte(account + "/" + region) }
func itemsBucket(table string) []byte            { return []byte("items/" + table) }

// scope is one account's tables in one region, inside a transaction.
type scope struct {
	tx     *bolt.Tx
	region *bolt.Bucket // nil in a read transaction before the first table
}

func (s *Store) view(account, region string, fn func(sc scope) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return fn(scope{tx: tx, region: tx.Bucket(regionBucket(account, region))})
	})
}

func (s *Store) update(account, region string, fn func(sc scope) error) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(regionBucket(account, region))
		if err != nil {
			return err
		}
		if _, err := b.CreateBucketIfNotExists(tablesBucket); err != nil {
			return err
		}
		return fn(scope{tx: tx, region: b})
	})
}

// table reads a table's description; nil when there is none.
func (sc scope) table(name string) (*dynamodb.TableDescription, error) {
	if sc.region == nil {
		return nil, nil
	}
	tb := sc.region.Bucket(tablesBucket)
	if tb == nil {
		return nil, nil
	}
	b := tb.Get([]byte(name))
	if b == nil {
		return nil, nil
	}
	var t dynamodb.TableDescription
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("table %s: %w", name, err)
	}
	return &t, nil
}

// mustTable is table, with DynamoDB's error for a missing one.
func (sc scope) mustTable(name string) (*dynamodb.TableDescription, error) {
	t, err := sc.table(name)
	if err == nil && t == nil {
		err = errResourceNotFound()
	}
	return t, err
}

func (sc scope) putTable(t *dynamodb.TableDescription) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := sc.region.CreateBucketIfNotExists(itemsBucket(*t.TableName)); err != nil {
		return err
	}
	return sc.region.Bucket(tablesBucket).Put([]byte(*t.TableName), b)
}

func (sc scope) deleteTable(name string) error {
	if err := sc.region.DeleteBucket(itemsBucket(name)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
		return err
	}
	return sc.region.Bucket(tablesBucket).Delete([]byte(name))
}

// items is the bucket of a table's items; nil when the table has none.
func (sc scope) items(table string) *bolt.Bucket {
	if sc.region == nil {
		return nil
	}
	return sc.region.Bucket(itemsBucket(table))
}

// item reads one item by its encoded key; nil when there is none.
func (sc scope) item(table string, key []byte) (map[string]dynamodb.AttributeValue, error) {
	b := sc.items(table)
	if b == nil {
		return nil, nil
	}
	return decodeItem(b.Get(key))
}

func decodeItem(b []byte) (map[string]dynamodb.AttributeValue, error) {
	if b == nil {
		return nil, nil
	}
	var it map[string]dynamodb.AttributeValue
	if err := json.Unmarshal(b, &it); err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	return it, nil
}

func (sc scope) putItem(table string, key []byte, item map[string]dynamodb.AttributeValue) error {
	b, err := json.Marshal(item)
	if err != nil {
		return err
	}
	if len(b) > maxItemSize {
		return errValidation("Item size has exceeded the maximum allowed size")
	}
	return sc.items(table).Put(key, b)
}

// maxItemSize is DynamoDB's limit on an item, 400 KB (vpcd measures the item's JSON,
// a little more than DynamoDB's count of names and values).
const maxItemSize = 400 << 10

// DynamoDB's errors, with its wording.

func errValidation(format string, args ...any) error {
	return ec2.Errorf("ValidationException", format, args...)
}

func errResourceNotFound() error {
	return ec2.Errorf("ResourceNotFoundException", "Requested resource not found")
}

func errTableNotFound(name string) error {
	return ec2.Errorf("ResourceNotFoundException", "Requested resource not found: Table: %s not found", name)
}

func errTableInUse(name string) error {
	return ec2.Errorf("ResourceInUseException", "Table already exists: %s", name)
}

func errConditionalCheckFailed() error {
	return ec2.Errorf("ConditionalCheckFailedException", "The conditional request failed")
}
