package compute

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// keyPairRecord is a key pair (kind "key"): the public half of a pair that EC2 made
// (CreateKeyPair, which hands out the private half once and keeps nothing of it) or that
// the caller imported.
type keyPairRecord struct {
	kit.Meta
	Name        string    `json:"name"`
	KeyType     string    `json:"keyType"` // rsa or ed25519
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"publicKey"` // "ssh-ed25519 AAAA…", without comment
	CreateTime  time.Time `json:"createTime"`
}

const (
	// maxKeyPairs is AWS's limit of key pairs per Region.
	maxKeyPairs = 5000
	// maxKeyNameLength: "Up to 255 ASCII characters".
	maxKeyNameLength = 255
)

// keyNameKey holds the ID of the key pair that has a name: creators of one name both
// read it absent and conflict, and RunInstances finds a key by name in one read.
func keyNameKey(c kit.Caller, name string) string { return c.Prefix("keyname") + name }

var keyPairFilters = map[string]func(*keyPairRecord) []string{
	"key-pair-id": func(k *keyPairRecord) []string { return []string{k.ID} },
	"key-name":    func(k *keyPairRecord) []string { return []string{k.Name} },
	"fingerprint": func(k *keyPairRecord) []string { return []string{k.Fingerprint} },
	"key-type":    func(k *keyPairRecord) []string { return []string{k.KeyType} },
}

func errKeyPairNotFound(name string) error {
	return ec2.ErrInvalidKeyPairNotFound("The key pair '%s' does not exist", name)
}

func checkKeyName(name string) error {
	if name == "" {
		return ec2.ErrMissingParameter("KeyName")
	}
	if len(name) > maxKeyNameLength {
		return ec2.ErrInvalidParameterValue("Value (%s) for parameter keyName is invalid. Length exceeds maximum of %d characters.", name, maxKeyNameLength)
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			return ec2.ErrInvalidParameterValue("Value (%s) for parameter keyName is invalid. Character sets beyond ASCII are not supported.", name)
		}
	}
	return nil
}

// oneOf checks an enumerated parameter: empty is the first value, its default.
func oneOf(param, value string, allowed ...string) (string, error) {
	if value == "" {
		return allowed[0], nil
	}
	if !slices.Contains(allowed, value) {
		return "", ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Expected: '%s'.", value, param, strings.Join(allowed, "', '"))
	}
	return value, nil
}

// getKeyPairByName reads the caller's key pair of a name, or nil.
func getKeyPairByName(t *kit.Txn, c kit.Caller, name string) (*keyPairRecord, error) {
	var id string
	found, err := t.Get(keyNameKey(c, name), &id)
	if err != nil || !found {
		return nil, err
	}
	k := new(keyPairRecord)
	if found, err = t.Get(c.Key(id), k); err != nil || !found {
		return nil, err
	}
	return k, nil
}

// addKeyPair stores a new key pair unless its name is taken or the Region is full.
func (s *Compute) addKeyPair(ctx context.Context, c kit.Caller, k *keyPairRecord) error {
	cached, err := kit.LoadKind[keyPairRecord](ctx, s.Kit, c.Prefix("key"), keyPairFilters)
	if err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		have, err := getKeyPairByName(t, c, k.Name)
		if err != nil {
			return err
		}
		if have != nil {
			return ec2.ErrInvalidKeyPairDuplicate("The keypair '%s' already exists.", k.Name)
		}
		// Counted from the cache without a guard, as the security groups' quota is.
		if cached.Len()+kit.CountNew(t, c.Prefix("key")) >= maxKeyPairs {
			return ec2.ErrKeyPairLimitExceeded("Maximum of %d keypairs reached.", maxKeyPairs)
		}
		if err := t.Put(keyNameKey(c, k.Name), k.ID); err != nil {
			return err
		}
		return t.Put(c.Key(k.ID), k)
	})
}

// CreateKeyPair makes a key pair and answers its private key, which vpcd does not keep.
func (s *Compute) CreateKeyPair(ctx context.Context, c kit.Caller, in *ec2.CreateKeyPairRequest) (*ec2.KeyPair, error) {
	name := kit.Deref(in.KeyName)
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	keyType, err := oneOf("keyType", kit.Deref(in.KeyType), "rsa", "ed25519")
	if err != nil {
		return nil, err
	}
	format, err := oneOf("keyFormat", kit.Deref(in.KeyFormat), "pem", "ppk")
	if err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "key-pair")
	if err != nil {
		return nil, err
	}
	m, err := newKeyMaterial(keyType, format, name)
	if err != nil {
		return nil, err
	}
	k := &keyPairRecord{Meta: kit.Meta{ID: kit.NewID("key"), Owner: c.Account, Tags: tags}, Name: name, KeyType: keyType,
		Fingerprint: m.fingerprint, PublicKey: m.publicKey, CreateTime: s.Now().UTC().Truncate(time.Second)}
	if err := s.addKeyPair(ctx, c, k); err != nil {
		return nil, err
	}
	return &ec2.KeyPair{KeyFingerprint: kit.Ptr(k.Fingerprint), KeyMaterial: kit.Ptr(m.private), KeyName: kit.Ptr(name),
		KeyPairId: kit.Ptr(k.ID), Tags: k.EC2Tags()}, nil
}

// ImportKeyPair keeps the public key of a pair the caller made.
func (s *Compute) ImportKeyPair(ctx context.Context, c kit.Caller, in *ec2.ImportKeyPairRequest) (*ec2.ImportKeyPairResult, error) {
	name := kit.Deref(in.KeyName)
	if err := checkKeyName(name); err != nil {
		return nil, err
	}
	if len(in.PublicKeyMaterial) == 0 {
		return nil, ec2.ErrMissingParameter("PublicKeyMaterial")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "key-pair")
	if err != nil {
		return nil, err
	}
	imp, err := parseImportedKey(in.PublicKeyMaterial)
	if err != nil {
		return nil, err
	}
	k := &keyPairRecord{Meta: kit.Meta{ID: kit.NewID("key"), Owner: c.Account, Tags: tags}, Name: name, KeyType: imp.keyType,
		Fingerprint: imp.fingerprint, PublicKey: imp.publicKey, CreateTime: s.Now().UTC().Truncate(time.Second)}
	if err := s.addKeyPair(ctx, c, k); err != nil {
		return nil, err
	}
	return &ec2.ImportKeyPairResult{KeyFingerprint: kit.Ptr(k.Fingerprint), KeyName: kit.Ptr(name), KeyPairId: kit.Ptr(k.ID), Tags: k.EC2Tags()}, nil
}

// DescribeKeyPairs lists key pairs by name, ID and filters; a name or ID that names
// nothing is InvalidKeyPair.NotFound.
func (s *Compute) DescribeKeyPairs(ctx context.Context, c kit.Caller, in *ec2.DescribeKeyPairsRequest) (*ec2.DescribeKeyPairsResult, error) {
	filters, err := s.withNames(ctx, in.Filters, "key-name", in.KeyNames, func(name string) string { return keyNameKey(c, name) }, errKeyPairNotFound)
	if err != nil {
		return nil, err
	}
	keys, _, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "key", IDs: in.KeyPairIds, Filters: filters}, keyPairFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeKeyPairsResult{KeyPairs: []ec2.KeyPairInfo{}}
	for _, k := range keys {
		info := ec2.KeyPairInfo{CreateTime: kit.Ptr(k.CreateTime), KeyFingerprint: kit.Ptr(k.Fingerprint), KeyName: kit.Ptr(k.Name),
			KeyPairId: kit.Ptr(k.ID), KeyType: kit.Ptr(k.KeyType), Tags: k.EC2Tags()}
		if kit.Deref(in.IncludePublicKey) {
			info.PublicKey = kit.Ptr(k.PublicKey + " " + k.Name)
		}
		out.KeyPairs = append(out.KeyPairs, info)
	}
	return out, nil
}

// withNames checks that each name is some resource's (its key under key holds the
// resource's ID) and adds the filter that picks the resources of the names.
func (s *Compute) withNames(ctx context.Context, filters []ec2.Filter, filter string, names []string, key func(string) string, notFound func(string) error) ([]ec2.Filter, error) {
	if len(names) == 0 {
		return filters, nil
	}
	err := s.View(ctx, func(t *kit.Txn) error {
		for _, name := range names {
			var id string
			if found, err := t.Get(key(name), &id); err != nil || !found {
				return cmp.Or(err, notFound(name))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(slices.Clip(filters), ec2.Filter{Name: kit.Ptr(filter), Values: escapeWildcards(names)}), nil
}

// escapeWildcards makes names match themselves in a filter, where '*', '?' and '\' are
// special.
func escapeWildcards(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		b := make([]byte, 0, len(n))
		for j := 0; j < len(n); j++ {
			if n[j] == '*' || n[j] == '?' || n[j] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, n[j])
		}
		out[i] = string(b)
	}
	return out
}

// DeleteKeyPair deletes a key pair by ID or name. As on AWS, a key pair that does not
// exist is no error; instances launched with it keep its public key.
func (s *Compute) DeleteKeyPair(ctx context.Context, c kit.Caller, in *ec2.DeleteKeyPairRequest) (*ec2.DeleteKeyPairResult, error) {
	id, name := kit.Deref(in.KeyPairId), kit.Deref(in.KeyName)
	if id == "" && name == "" {
		return nil, ec2.ErrMissingParameter("KeyName")
	}
	if id != "" {
		if err := kit.CheckID(id, "key"); err != nil {
			return nil, err
		}
	}
	var deleted string
	err := s.Update(ctx, func(t *kit.Txn) error {
		deleted = ""
		k := new(keyPairRecord)
		if id != "" {
			if found, err := t.Get(c.Key(id), k); err != nil || !found {
				return err
			}
		} else {
			var err error
			if k, err = getKeyPairByName(t, c, name); err != nil || k == nil {
				return err
			}
		}
		t.Del(c.Key(k.ID))
		t.Del(keyNameKey(c, k.Name))
		deleted = k.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &ec2.DeleteKeyPairResult{Return: kit.Ptr(true)}
	if deleted != "" {
		out.KeyPairId = kit.Ptr(deleted)
	}
	return out, nil
}

// launchKey is the public key of the key pair an instance launches with, as a line of
// authorized_keys; the instance keeps it if the key pair is deleted.
func launchKey(t *kit.Txn, c kit.Caller, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	k, err := getKeyPairByName(t, c, name)
	if err != nil {
		return "", err
	}
	if k == nil {
		return "", errKeyPairNotFound(name)
	}
	return k.PublicKey + " " + k.Name, nil
}
