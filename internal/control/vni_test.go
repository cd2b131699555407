package control

import (
	"context"
	"testing"

	"vpcd/internal/control/kit"
)

// TestVpcsGetTheirOwnVNI checks that each VPC gets the next VXLAN network identifier
// when it is created, kept in its record, whatever its account.
func TestVpcsGetTheirOwnVNI(t *testing.T) {
	s := newMultiHostService(t)
	var got []uint32
	for range 3 {
		id := *createVpc(t, s, "10.0.0.0/16").VpcId
		err := s.View(context.Background(), func(tx *kit.Txn) error {
			rec, err := kit.Get[kit.VpcRecord](tx, testCaller, "vpc", id)
			if err == nil {
				got = append(got, rec.VNI)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got[0] == 0 || got[1] != got[0]+1 || got[2] != got[1]+1 {
		t.Errorf("VNIs %v, want three in a row from 1", got)
	}
}
