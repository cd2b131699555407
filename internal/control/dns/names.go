package dns

import (
	"crypto/rand"
	"slices"
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

// fqdn is a DNS name as Route 53 keeps it: lower case, with the trailing dot, and "*" for
// the octal escape \052 a client may send.
func fqdn(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.ReplaceAll(name, `\052`, "*")
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// shown is a name as Route 53 lists it: "*" escaped as \052.
func shown(name string) string { return strings.ReplaceAll(name, "*", `\052`) }

// validName reports whether name (an fqdn) is a domain name Route 53 takes: labels of 1
// to 63 characters, 255 in all; a wildcard label "*" is allowed first when wildcard is set.
func validName(name string, wildcard bool) bool {
	if name == "." || len(name) > 255 {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	for i, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		if l == "*" && wildcard && i == 0 {
			continue
		}
		for _, r := range l {
			if r <= ' ' || r > '~' || r == '*' || r == '\\' || r == '"' {
				return false
			}
		}
	}
	return true
}

// inZone reports whether name is the zone's apex or below it.
func inZone(name, zone string) bool { return name == zone || strings.HasSuffix(name, "."+zone) }

// reversed is a name's labels from the top, the order Route 53 sorts names in
// ("www.example.com." → com, example, www).
func reversed(name string) []string {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	slices.Reverse(labels)
	return labels
}

// compareNames orders names as Route 53 lists them: by labels from the top, a parent
// before its children.
func compareNames(a, b string) int { return slices.Compare(reversed(a), reversed(b)) }
