package dns

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// newID is a Route 53 ID: the letter (Z for a hosted zone, C for a change) and 20
// upper-case letters and digits, as AWS's Z0123456789ABCDEFGHIJ.
func newID(letter string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [20]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return letter + string(b[:])
}

// bareID is an ID without the path form AWS answers with ("/hostedzone/Z1" → "Z1"); the
// SDKs strip it before sending, other clients may not.
func bareID(id, kind string) string {
	id = strings.TrimPrefix(id, "/")
	return strings.TrimPrefix(id, kind+"/")
}

// zonePath and changePath are the IDs as Route 53 answers them.
func zonePath(id string) string   { return "/hostedzone/" + id }
func changePath(id string) string { return "/change/" + id }

// fqdn is a DNS name as Route 53 keeps it: lower case, with the trailing dot, and the
// octal escapes a client may send (\052 for "*") decoded.
func fqdn(name string) string {
	name = unescape(strings.ToLower(strings.TrimSpace(name)))
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// unescape decodes the \ooo escapes of a name (three octal digits).
func unescape(name string) string {
	if !strings.Contains(name, `\`) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '\\' && i+3 < len(name) && octal(name[i+1:i+4]) {
			n, _ := strconv.ParseUint(name[i+1:i+4], 8, 8)
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

func octal(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}

// shown is a name as Route 53 lists it: every character but a-z, 0-9, hyphen,
// underscore and the dots escaped as \ooo ("*" as \052).
func shown(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\%03o", c)
		}
	}
	return b.String()
}

// validName reports whether name (an fqdn) is a domain name Route 53 takes: labels of 1
// to 63 printable ASCII characters but space, 255 characters in all.
func validName(name string) bool {
	if name == "." || len(name) > 255 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, r := range l {
			if r <= ' ' || r > '~' {
				return false
			}
		}
	}
	return true
}

// inZone reports whether name is the zone's apex or below it.
func inZone(name, zone string) bool { return name == zone || strings.HasSuffix(name, "."+zone) }

// sortKey is a name with its labels reversed, as Route 53 sorts names: "www.example.com."
// sorts as "com.example.www.".
func sortKey(name string) string {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".") + "."
}

// compareNames orders names as Route 53 lists them: in ASCII order of their sort keys, so
// that a parent comes before its children, and a-b.example.com. before a.example.com.
// ('-' is before '.').
func compareNames(a, b string) int { return strings.Compare(sortKey(a), sortKey(b)) }
