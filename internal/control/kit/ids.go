package kit

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"vpcd/internal/model"
)

// NewID returns an AWS-style resource ID: the prefix, a dash and 17 hex digits.
func NewID(prefix string) string {
	var b [9]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}

// ValidID reports whether id has the prefix and 8 or 17 hex digits.
func ValidID(id, prefix string) bool { return model.ValidID(id, prefix) }

// KindOf is the resource kind of an ID: the part before the first dash ("vpc", "subnet"),
// or the two first parts when they name a kind of their own (the transit gateway's
// attachments, tgw-attach-0123…, and route tables, tgw-rtb-0123…).
func KindOf(id string) string {
	k, rest, _ := strings.Cut(id, "-")
	if sub, _, ok := strings.Cut(rest, "-"); ok && kinds[k+"-"+sub] != nil {
		return k + "-" + sub
	}
	return k
}

// Key is where a resource lives in the store: account, region, kind, ID.
func (c Caller) Key(id string) string {
	return c.Account + "/" + c.Region + "/" + KindOf(id) + "/" + id
}

// Prefix is where every resource of one kind lives.
func (c Caller) Prefix(kind string) string {
	return c.Account + "/" + c.Region + "/" + kind + "/"
}
