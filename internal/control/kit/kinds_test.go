package kit

import (
	"testing"

	"vpcd/internal/aws/route53"
	"vpcd/internal/ec2"
)

// TestKindCodesDocumented: every NotFound and Malformed code of the registry is one AWS
// documents for EC2 (or real EC2 is seen to return).
func TestKindCodesDocumented(t *testing.T) {
	for _, k := range Kinds() {
		if k.Setting {
			continue
		}
		for _, code := range []string{k.NotFound, k.Malformed} {
			if k.Service == "route53" {
				if _, ok := route53.API.Errors[code]; code != "" && !ok {
					t.Errorf("kind %s: %s is not an error of the Route 53 model", k.Prefix, code)
				}
				continue
			}
			if code != "" && !ec2.Documented(code) {
				t.Errorf("kind %s: %s is not a documented EC2 error code", k.Prefix, code)
			}
		}
		if k.NotFound == "" || k.NotFoundMessage == "" {
			t.Errorf("kind %s has no NotFound answer", k.Prefix)
		}
	}
}

// TestMalformedIsNotFound: a kind that AWS answers malformed IDs of as missing ones gives
// its NotFound code and message, and declares no Malformed code that would never be sent.
func TestMalformedIsNotFound(t *testing.T) {
	for _, k := range Kinds() {
		if k.MalformedIsNotFound && k.Malformed != "" {
			t.Errorf("kind %s: Malformed %s is never sent (MalformedIsNotFound)", k.Prefix, k.Malformed)
		}
	}
	err := CheckID("44.234.198.239", "eipalloc")
	e, ok := err.(*ec2.Error)
	if !ok || e.Code != "InvalidAllocationID.NotFound" || e.Message != "The allocation ID '44.234.198.239' does not exist" {
		t.Errorf("CheckID of a public IP as allocation ID = %v", err)
	}
}
