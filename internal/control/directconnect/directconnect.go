// Package directconnect answers AWS Direct Connect's actions (the service directconnect,
// awsJson 1.1): the locations of a region, dedicated connections on them, Direct Connect
// gateways with their associations to virtual private gateways (control/vpn) and transit
// gateways, private and transit virtual interfaces, the account's virtual private gateways
// as Direct Connect sees them, and tags.
//
// There is no data plane yet: no cross-connect carries frames and no BGP session runs. So
// a connection is "requested" in the answer to CreateConnection and "available" from then
// on (the simulated cross-connect is up at once); a virtual interface is "pending" in the
// answer that creates it and "down" afterwards, its BGP peer "available" with bgpStatus
// "down", as AWS shows an interface whose BGP session is not established. Gateways and
// associations are "pending"/"associating" in their create answers and "available" /
// "associated" afterwards; what is deleted is gone at once.
//
// Connections and virtual interfaces are regional (their records at the caller's region,
// kinds "dxcon" and "dxvif"); Direct Connect gateways are global, as AWS's are, at
// GatewayKey, and hold their associations and the virtual interfaces attached to them, so
// that every rule over a gateway's associations and interfaces reads and writes one key.
package directconnect

import (
	"crypto/rand"
	"encoding/base64"
	"maps"
	"slices"
	"strconv"
	"strings"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// DirectConnect answers the actions of the family over the shared kit.
type DirectConnect struct{ *kit.Kit }

// NoInput is the input of the operations whose model has none (DescribeLocations,
// DescribeVirtualGateways): the SDKs send "{}".
type NoInput struct{}

// Quotas of Direct Connect that vpcd enforces, at AWS's defaults.
const (
	maxConnections       = 10  // dedicated connections per region
	maxGateways          = 200 // Direct Connect gateways per account
	maxVGWsPerGateway    = 20  // virtual private gateways associated with one gateway
	maxTGWsPerGateway    = 6   // transit gateways associated with one gateway
	maxVIFsPerGateway    = 30  // private or transit virtual interfaces attached to one gateway
	maxPrivateVIFs       = 50  // private (or public) virtual interfaces per dedicated connection
	maxTransitVIFs       = 4   // transit virtual interfaces per dedicated connection
	maxAllowedPrefixes   = 200 // allowed prefixes of one association
	maxTags              = 50
	defaultAmazonSideAsn = 64512
)

// errClient is Direct Connect's answer to nearly every bad request: the model has one
// client error and tells the cases apart by message only.
func errClient(format string, args ...any) error {
	return ec2.Errorf("DirectConnectClientException", format, args...)
}

// The messages clients match on: Terraform reads "Could not find Connection with ID" and
// "does not exist" as a resource that is gone.

func errConnectionNotFound(id string) error {
	return errClient("Could not find Connection with ID %s", id)
}

func errGatewayNotFound(id string) error {
	return errClient("Direct Connect Gateway %s does not exist.", id)
}

func errVIFNotFound(id string) error {
	return errClient("Virtual interface %s does not exist.", id)
}

func errAssociationNotFound(id string) error {
	return errClient("Direct Connect Gateway Association %s does not exist.", id)
}

// newID is a Direct Connect ID: the prefix, a dash and 8 characters of [a-z0-9]
// (dxcon-fgq2ib6j, dxvif-ffabc123).
func newID(prefix string) string { return prefix + "-" + randomText(8) }

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// validID reports whether id has the prefix and 8 or more characters of [a-z0-9].
func validID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	return ok && len(rest) >= 8 && strings.Trim(rest, idAlphabet) == ""
}

// newUUID is a random (version 4) UUID: the form of Direct Connect gateway and
// association IDs.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	var s strings.Builder
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s.WriteByte('-')
		}
		s.WriteByte(hex[v>>4])
		s.WriteByte(hex[v&15])
	}
	return s.String()
}

func regionalARN(c kit.Caller, typ, id string) string {
	return "arn:aws:directconnect:" + c.Region + ":" + c.Account + ":" + typ + "/" + id
}

// gatewayARN: Direct Connect gateways are global, their ARNs have no region.
func gatewayARN(account, id string) string {
	return "arn:aws:directconnect::" + account + ":dx-gateway/" + id
}

// privateAsn reports whether asn is a private ASN, which the Amazon side of a gateway
// must have: 64512-65534 or 4200000000-4294967294.
func privateAsn(asn int64) bool {
	return asn >= 64512 && asn <= 65534 || asn >= 4200000000 && asn <= 4294967294
}

// page is one page of items from the offset a nextToken carries. Without maxResults,
// every item is one page, as Direct Connect answers.
func page[T any](items []T, maxResults *int32, token *string) ([]T, *string, error) {
	start := 0
	if token != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(raw), "o:") || n < 0 || n > len(items) {
			return nil, nil, errClient("The pagination token is not valid.")
		}
		start = n
	}
	end := len(items)
	if maxResults != nil {
		if *maxResults < 1 {
			return nil, nil, errClient("maxResults must be at least 1.")
		}
		end = min(start+int(min(*maxResults, 100)), len(items))
	}
	var next *string
	if end < len(items) {
		next = kit.Ptr(base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end))))
	}
	return items[start:end], next, nil
}

func errTooManyTags() error {
	return ec2.Errorf("TooManyTagsException", "A resource can have at most %d tags.", maxTags)
}

// tagsOf checks the tags of a create or TagResource and collects them as a map.
func tagsOf(tags []dx.Tag) (map[string]string, error) {
	if len(tags) > maxTags {
		return nil, errTooManyTags()
	}
	out := map[string]string{}
	for _, t := range tags {
		k, v := kit.Deref(t.Key), kit.Deref(t.Value)
		if _, dup := out[k]; dup {
			return nil, errDuplicateTagKeys("The tag key %s is specified more than once.", k)
		}
		switch {
		case len(k) < 1 || len(k) > 128:
			return nil, errClient("Tag key %q must be between 1 and 128 characters long.", k)
		case len(v) > 256:
			return nil, errClient("Tag value for key %q must be at most 256 characters long.", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, errClient("Tag keys starting with 'aws:' are reserved for AWS use.")
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// tagList is tags as Direct Connect lists them, by key.
func tagList(tags map[string]string) []dx.Tag {
	out := []dx.Tag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, dx.Tag{Key: kit.Ptr(k), Value: kit.Ptr(tags[k])})
	}
	return out
}
