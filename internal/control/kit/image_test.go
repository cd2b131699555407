package kit

import "testing"

// TestCatalogIDs: every catalog image has a well-formed ID and snapshot ID of its own in
// every region, the same each time, and publicImage finds it only in its region.
func TestCatalogIDs(t *testing.T) {
	seen := map[string]string{}
	for _, r := range CommercialRegions {
		for _, img := range PublicImages(r.Name) {
			if !ValidID(img.ID, "ami") || !ValidID(img.BlockDevices[0].SnapshotID, "snap") {
				t.Fatalf("%s %s: IDs %s, %s", r.Name, img.Name, img.ID, img.BlockDevices[0].SnapshotID)
			}
			if other, dup := seen[img.ID]; dup {
				t.Fatalf("%s is both %s and %s %s", img.ID, other, r.Name, img.Name)
			}
			seen[img.ID] = r.Name + " " + img.Name
			if got := publicImage(r.Name, img.ID); got == nil || got.Name != img.Name {
				t.Fatalf("publicImage(%s, %s) = %v", r.Name, img.ID, got)
			}
			if publicImage("us-east-1", img.ID) != nil && r.Name != "us-east-1" {
				t.Fatalf("%s's %s found in us-east-1", r.Name, img.ID)
			}
		}
	}
	if again := PublicImages("eu-west-1")[0].ID; seen[again] == "" {
		t.Fatalf("eu-west-1's first ID %s changed", again)
	}
}
