package directconnect

import (
	"context"
	"slices"
	"strings"

	dx "vpcd/internal/aws/directconnect"
	"vpcd/internal/control/kit"
)

// gatewayRecord is a Direct Connect gateway: global, at GatewayKey. It holds its
// associations and the virtual interfaces attached to it, which may be in any region.
type gatewayRecord struct {
	kit.Meta
	Name          string        `json:"name"`
	AmazonSideAsn int64         `json:"amazonSideAsn"`
	Associations  []association `json:"associations,omitempty"`
	Attachments   []attachment  `json:"attachments,omitempty"`
}

// association is a gateway's association with a virtual private gateway or a transit
// gateway of the same account, in the associated gateway's region.
type association struct {
	ID              string   `json:"id"`
	GatewayID       string   `json:"gatewayId"` // vgw-… or tgw-…
	Region          string   `json:"region"`
	AllowedPrefixes []string `json:"allowedPrefixes"`
}

// attachment is a virtual interface attached to the gateway.
type attachment struct {
	VIF     string `json:"vif"`
	Region  string `json:"region"`
	Transit bool   `json:"transit,omitempty"`
}

// GatewayKey is where a Direct Connect gateway lives: under the account, region
// "global", as Route 53's hosted zones.
func GatewayKey(account, id string) string { return GatewayPrefix(account) + id }

// GatewayPrefix is where an account's Direct Connect gateways live.
func GatewayPrefix(account string) string { return account + "/global/dxgw/" }

// gatewaysGuard is bumped by every creation and deletion of a gateway, and by every
// association, so that the account-wide rules (the quota of gateways, a virtual private
// gateway associated with one gateway only) are not passed by concurrent writers.
func gatewaysGuard(account string) string { return account + "/global/dxguard/gateways" }

func (a *association) transit() bool { return strings.HasPrefix(a.GatewayID, "tgw-") }

func (r *gatewayRecord) shape(state string) *dx.DirectConnectGateway {
	return &dx.DirectConnectGateway{
		DirectConnectGatewayId: kit.Ptr(r.ID), DirectConnectGatewayName: kit.Ptr(r.Name), AmazonSideAsn: kit.Ptr(r.AmazonSideAsn),
		OwnerAccount: kit.Ptr(r.Owner), DirectConnectGatewayState: kit.Ptr(state), Tags: tagList(r.Tags),
	}
}

func getGateway(t *kit.Txn, account, id string) (*gatewayRecord, error) {
	if id == "" || strings.Contains(id, "/") {
		return nil, errGatewayNotFound(id)
	}
	r := new(gatewayRecord)
	ok, err := t.Get(GatewayKey(account, id), r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errGatewayNotFound(id)
	}
	return r, nil
}

func listGateways(t *kit.Txn, account string) ([]*gatewayRecord, error) {
	return kit.ListAll[gatewayRecord](t, GatewayPrefix(account))
}

// CreateDirectConnectGateway creates a gateway with the Amazon-side ASN given (64512 by
// default), which must be private.
func (s *DirectConnect) CreateDirectConnectGateway(ctx context.Context, c kit.Caller, in *dx.CreateDirectConnectGatewayRequest) (*dx.CreateDirectConnectGatewayResult, error) {
	name := kit.Deref(in.DirectConnectGatewayName)
	if name == "" || len(name) > 100 {
		return nil, errClient("Direct Connect gateway name must be between 1 and 100 characters long.")
	}
	asn := int64(defaultAmazonSideAsn)
	if in.AmazonSideAsn != nil {
		if asn = *in.AmazonSideAsn; !privateAsn(asn) {
			return nil, errClient("Amazon side ASN %d is not valid. It must be a private ASN in the range 64512-65534 or 4200000000-4294967294.", asn)
		}
	}
	tags, err := tagsOf(in.Tags)
	if err != nil {
		return nil, err
	}
	r := &gatewayRecord{Meta: kit.Meta{ID: newUUID(), Owner: c.Account, Tags: tags}, Name: name, AmazonSideAsn: asn}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if err := t.Guard(gatewaysGuard(c.Account)); err != nil {
			return err
		}
		all, err := listGateways(t, c.Account)
		if err != nil {
			return err
		}
		if len(all) >= maxGateways {
			return errClient("Direct Connect gateway limit of %d exceeded for this account.", maxGateways)
		}
		return t.Put(GatewayKey(c.Account, r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &dx.CreateDirectConnectGatewayResult{DirectConnectGateway: r.shape("pending")}, nil
}

// DescribeDirectConnectGateways lists the account's gateways, or one. A gateway ID that
// names none lists none, as AWS answers it once the gateway is deleted.
func (s *DirectConnect) DescribeDirectConnectGateways(ctx context.Context, c kit.Caller, in *dx.DescribeDirectConnectGatewaysRequest) (*dx.DescribeDirectConnectGatewaysResult, error) {
	all, err := s.allGateways(ctx, c)
	if err != nil {
		return nil, err
	}
	shapes := []dx.DirectConnectGateway{}
	for _, r := range all {
		if id := kit.Deref(in.DirectConnectGatewayId); id == "" || id == r.ID {
			shapes = append(shapes, *r.shape("available"))
		}
	}
	pg, next, err := page(shapes, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &dx.DescribeDirectConnectGatewaysResult{DirectConnectGateways: pg, NextToken: next}, nil
}

// UpdateDirectConnectGateway renames a gateway.
func (s *DirectConnect) UpdateDirectConnectGateway(ctx context.Context, c kit.Caller, in *dx.UpdateDirectConnectGatewayRequest) (*dx.UpdateDirectConnectGatewayResponse, error) {
	name := kit.Deref(in.NewDirectConnectGatewayName)
	if name == "" || len(name) > 100 {
		return nil, errClient("Direct Connect gateway name must be between 1 and 100 characters long.")
	}
	var r *gatewayRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getGateway(t, c.Account, kit.Deref(in.DirectConnectGatewayId)); err != nil {
			return err
		}
		r.Name = name
		return t.Put(GatewayKey(c.Account, r.ID), r)
	})
	if err != nil {
		return nil, err
	}
	return &dx.UpdateDirectConnectGatewayResponse{DirectConnectGateway: r.shape("available")}, nil
}

// DeleteDirectConnectGateway deletes a gateway with no associations and no virtual
// interfaces attached.
func (s *DirectConnect) DeleteDirectConnectGateway(ctx context.Context, c kit.Caller, in *dx.DeleteDirectConnectGatewayRequest) (*dx.DeleteDirectConnectGatewayResult, error) {
	var r *gatewayRecord
	err := s.Update(ctx, func(t *kit.Txn) error {
		var err error
		if r, err = getGateway(t, c.Account, kit.Deref(in.DirectConnectGatewayId)); err != nil {
			return err
		}
		if len(r.Associations) > 0 {
			return errClient("Direct Connect Gateway %s has associations with gateways (%s). Delete the associations first.", r.ID, r.Associations[0].GatewayID)
		}
		if len(r.Attachments) > 0 {
			return errClient("Direct Connect Gateway %s has virtual interfaces attached (%s). Delete the virtual interfaces first.", r.ID, r.Attachments[0].VIF)
		}
		if err := t.Guard(gatewaysGuard(c.Account)); err != nil {
			return err
		}
		t.Del(GatewayKey(c.Account, r.ID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dx.DeleteDirectConnectGatewayResult{DirectConnectGateway: r.shape("deleting")}, nil
}

// DescribeDirectConnectGatewayAttachments lists the virtual interfaces attached to a
// gateway, the gateway of one interface, or every attachment of the account's gateways.
func (s *DirectConnect) DescribeDirectConnectGatewayAttachments(ctx context.Context, c kit.Caller, in *dx.DescribeDirectConnectGatewayAttachmentsRequest) (*dx.DescribeDirectConnectGatewayAttachmentsResult, error) {
	gwID, vifID := kit.Deref(in.DirectConnectGatewayId), kit.Deref(in.VirtualInterfaceId)
	all, err := s.allGateways(ctx, c)
	if err != nil {
		return nil, err
	}
	shapes := []dx.DirectConnectGatewayAttachment{}
	for _, r := range all {
		if gwID != "" && r.ID != gwID {
			continue
		}
		for _, a := range r.Attachments {
			if vifID != "" && a.VIF != vifID {
				continue
			}
			typ := "PrivateVirtualInterface"
			if a.Transit {
				typ = "TransitVirtualInterface"
			}
			shapes = append(shapes, dx.DirectConnectGatewayAttachment{
				DirectConnectGatewayId: kit.Ptr(r.ID), VirtualInterfaceId: kit.Ptr(a.VIF), VirtualInterfaceRegion: kit.Ptr(a.Region),
				VirtualInterfaceOwnerAccount: kit.Ptr(r.Owner), AttachmentState: kit.Ptr("attached"), AttachmentType: kit.Ptr(typ),
			})
		}
	}
	pg, next, err := page(shapes, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &dx.DescribeDirectConnectGatewayAttachmentsResult{DirectConnectGatewayAttachments: pg, NextToken: next}, nil
}

// hasAttachment reports whether the gateway has a virtual interface of the kind attached.
func (r *gatewayRecord) hasAttachment(transit bool) bool {
	return slices.ContainsFunc(r.Attachments, func(a attachment) bool { return a.Transit == transit })
}

// allGateways reads the account's gateways in one transaction.
func (s *DirectConnect) allGateways(ctx context.Context, c kit.Caller) ([]*gatewayRecord, error) {
	var all []*gatewayRecord
	err := s.View(ctx, func(t *kit.Txn) error {
		var err error
		all, err = listGateways(t, c.Account)
		return err
	})
	return all, err
}
