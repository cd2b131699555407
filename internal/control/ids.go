package control

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// newID returns an AWS-style resource ID: the prefix, a dash and 17 hex digits.
func newID(prefix string) string {
	var b [9]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}

// validID reports whether id has the prefix and 8 or 17 hex digits, the two lengths AWS
// has issued.
func validID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	if !ok || (len(rest) != 8 && len(rest) != 17) {
		return false
	}
	for _, c := range rest {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

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
