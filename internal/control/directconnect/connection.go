package directconnect

import (
	"context"
	"slices"
	"strings"
	"time"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
)

// connectionRecord is a dedicated connection (kind "dxcon"): a port of the given speed at
// a location, in the caller's region.
type connectionRecord struct {
	kit.Meta
	Name           string    `json:"name"`
	Location       string    `json:"location"`
	Bandwidth      string    `json:"bandwidth"`
	ProviderName   string    `json:"providerName,omitempty"`
	EncryptionMode string    `json:"encryptionMode,omitempty"`
	MacSec         bool      `json:"macSec,omitempty"`
	Device         string    `json:"device"` // the AWS device the port is on
	Created        time.Time `json:"created"`
	// VIFs bumps with every virtual interface created on or deleted from the connection,
	// so that the checks over its interfaces (unique VLANs, quotas, "none left" for
	// DeleteConnection) conflict with a concurrent change of them.
	VIFs int64 `json:"vifs,omitempty"`
}

func (r *connectionRecord) shape(c kit.Caller, state string) *dx.Connection {
	out := &dx.Connection{
		OwnerAccount: kit.Ptr(r.Owner), ConnectionId: kit.Ptr(r.ID), ConnectionName: kit.Ptr(r.Name), ConnectionState: kit.Ptr(state),
		Region: kit.Ptr(c.Region), Location: kit.Ptr(r.Location), Bandwidth: kit.Ptr(r.Bandwidth),
		AwsDevice: kit.Ptr(r.Device), AwsDeviceV2: kit.Ptr(r.Device), AwsLogicalDeviceId: kit.Ptr(r.Device),
		JumboFrameCapable: kit.Ptr(true), HasLogicalRedundancy: kit.Ptr("unknown"), MacSecCapable: kit.Ptr(r.MacSec),
		Tags: tagList(r.Tags),
	}
	if r.ProviderName != "" {
		out.ProviderName = kit.Ptr(r.ProviderName)
	}
	if r.MacSec {
		out.EncryptionMode, out.PortEncryptionStatus = kit.Ptr(r.EncryptionMode), kit.Ptr("Encryption Down")
	}
	return out
}

func getConnection(t *kit.Txn, c kit.Caller, id string) (*connectionRecord, error) {
	if !validID(id, "dxcon") {
		return nil, errConnectionNotFound(id)
	}
	r := new(connectionRecord)
	ok, err := t.Get(c.Key(id), r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errConnectionNotFound(id)
	}
	return r, nil
}

// CreateConnection orders a dedicated connection at one of the region's locations.
func (s *DirectConnect) CreateConnection(ctx context.Context, c kit.Caller, in *dx.CreateConnectionRequest) (*dx.Connection, error) {
	code, bandwidth := kit.Deref(in.Location), kit.Deref(in.Bandwidth)
	loc, ok := findLocation(c.Region, code)
	if !ok {
		return nil, errClient("Location %s is not valid in region %s. Use DescribeLocations to list the locations of the region.", code, c.Region)
	}
	if !slices.Contains(loc.speeds, bandwidth) {
		return nil, errClient("Bandwidth %s is not available at location %s. Available port speeds: %s.", bandwidth, code, strings.Join(loc.speeds, ", "))
	}
	if in.LagId != nil {
		return nil, errClient("Link aggregation groups are not supported by vpcd.")
	}
	macsec := kit.Deref(in.RequestMACSec)
	if macsec && !slices.Contains(macSecSpeeds, bandwidth) {
		return nil, errClient("MACsec is not available for %s connections at location %s.", bandwidth, code)
	}
	tags, err := tagsOf(in.Tags)
	if err != nil {
		return nil, err
	}
	r := &connectionRecord{Meta: kit.Meta{ID: newID("dxcon"), Owner: c.Account, Tags: tags}, Name: kit.Deref(in.ConnectionName),
		Location: code, Bandwidth: bandwidth, ProviderName: kit.Deref(in.ProviderName), MacSec: macsec,
		Device: code + "-" + randomText(13), Created: s.Now()}
	if macsec {
		r.EncryptionMode = "must_encrypt"
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if err := t.Guard(c.Prefix("dxguard") + "connections"); err != nil {
			return err
		}
		all, err := listConnections(t, c)
		if err != nil {
			return err
		}
		if len(all) >= maxConnections {
			return errClient("Connection limit of %d exceeded for this account in region %s.", maxConnections, c.Region)
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return r.shape(c, "requested"), nil
}

func listConnections(t *kit.Txn, c kit.Caller) ([]*connectionRecord, error) {
	return kit.ListAll[connectionRecord](t, c.Prefix("dxcon"))
}

// DescribeConnections lists the caller's connections in the region, or one.
func (s *DirectConnect) DescribeConnections(ctx context.Context, c kit.Caller, in *dx.DescribeConnectionsRequest) (*dx.Connections, error) {
	var all []*connectionRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		if id := kit.Deref(in.ConnectionId); id != "" {
			r, err := getConnection(t, c, id)
			all = []*connectionRecord{r}
			return err
		}
		var err error
		all, err = listConnections(t, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	shapes := []dx.Connection{}
	for _, r := range all {
		shapes = append(shapes, *r.shape(c, "available"))
	}
	pg, next, err := page(shapes, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &dx.Connections{Connections: pg, NextToken: next}, nil
}

// UpdateConnection renames a connection or changes its MACsec encryption mode.
func (s *DirectConnect) UpdateConnection(ctx context.Context, c kit.Caller, in *dx.UpdateConnectionRequest) (*dx.Connection, error) {
	var r *connectionRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getConnection(t, c, kit.Deref(in.ConnectionId)); err != nil {
			return err
		}
		if in.ConnectionName != nil {
			r.Name = *in.ConnectionName
		}
		if mode := kit.Deref(in.EncryptionMode); mode != "" {
			if !r.MacSec {
				return errClient("Connection %s is not MACsec capable; its encryption mode cannot be set.", r.ID)
			}
			if !slices.Contains([]string{"no_encrypt", "should_encrypt", "must_encrypt"}, mode) {
				return errClient("Encryption mode %s is not valid: use no_encrypt, should_encrypt or must_encrypt.", mode)
			}
			r.EncryptionMode = mode
		}
		return t.Put(c.Key(r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return r.shape(c, "available"), nil
}

// DeleteConnection deletes a connection that has no virtual interfaces left.
func (s *DirectConnect) DeleteConnection(ctx context.Context, c kit.Caller, in *dx.DeleteConnectionRequest) (*dx.Connection, error) {
	var r *connectionRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getConnection(t, c, kit.Deref(in.ConnectionId)); err != nil {
			return err
		}
		vifs, err := listVIFs(t, c, r.ID)
		if err != nil {
			return err
		}
		if len(vifs) > 0 {
			return errClient("Connection %s has virtual interfaces (%s); delete them before the connection.", r.ID, vifs[0].ID)
		}
		if err := t.Guard(c.Prefix("dxguard") + "connections"); err != nil {
			return err
		}
		t.Del(c.Key(r.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.shape(c, "deleted"), nil
}
