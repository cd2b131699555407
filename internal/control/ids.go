package control

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"vpcd/internal/model"
)

// newID returns an AWS-style resource ID: the prefix, a dash and 17 hex digits.
func newID(prefix string) string {
	var b [9]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}

// validID reports whether id has the prefix and 8 or 17 hex digits.
func validID(id, prefix string) bool { return model.ValidID(id, prefix) }

// kindOf is the resource kind of an ID: the part before the first dash ("vpc", "subnet").
func kindOf(id string) string {
	k, _, _ := strings.Cut(id, "-")
	return k
}

// key is where a resource lives in the store: account, region, kind, ID.
func (c Caller) key(id string) string {
	return c.Account + "/" + c.Region + "/" + kindOf(id) + "/" + id
}

// prefix is where every resource of one kind lives.
func (c Caller) prefix(kind string) string {
	return c.Account + "/" + c.Region + "/" + kind + "/"
}
