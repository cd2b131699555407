// Package control is vpcd's control plane for EC2 and the services beside it: the family
// packages (vpc, routing, security, compute, images, insights, quotas, logs, flowlogs, dns, resolverrules, vpn, endpoints, tgw, directconnect, elb) answer the actions, each
// validating requests exactly as AWS does, over the shared kit (kit: records, the kind
// registry, transactions, describe/filter/paginate, the read cache, callers and errors).
// Service puts the families together, so that the protocol layer (internal/api) finds
// every action on one value.
package control

import (
	"vpcd/internal/control/compute"
	"vpcd/internal/control/directconnect"
	"vpcd/internal/control/dns"
	"vpcd/internal/control/elb"
	vpcendpoints "vpcd/internal/control/endpoints"
	"vpcd/internal/control/flowlogs"
	"vpcd/internal/control/images"
	"vpcd/internal/control/insights"
	"vpcd/internal/control/kit"
	"vpcd/internal/control/logs"
	"vpcd/internal/control/quotas"
	"vpcd/internal/control/resolverrules"
	"vpcd/internal/control/routing"
	"vpcd/internal/control/security"
	"vpcd/internal/control/tgw"
	"vpcd/internal/control/vpc"
	"vpcd/internal/control/vpn"
	"vpcd/internal/store"
)

// Service answers every action of every family over one kit.
type Service struct {
	*kit.Kit
	*vpc.VPC
	*routing.Routing
	*security.Security
	*compute.Compute
	*images.Images
	*insights.Insights
	*quotas.Quotas
	*logs.Logs
	*flowlogs.FlowLogs
	*dns.DNS
	*resolverrules.ResolverRules
	*vpn.VPN
	*vpcendpoints.Endpoints
	*tgw.TGW
	// DirectConnect is a named field: its DescribeTags and TagResource are Direct
	// Connect's, not EC2's or another family's.
	DirectConnect *directconnect.DirectConnect
	// ELB is Elastic Load Balancing's, not embedded: its tag actions have EC2's names.
	ELB *elb.ELB
}

// New returns the control plane over st.
func New(st store.Store, cfg Config) *Service {
	k := kit.New(st, cfg)
	return &Service{Kit: k, VPC: &vpc.VPC{Kit: k}, Routing: &routing.Routing{Kit: k}, Security: &security.Security{Kit: k},
		Compute: &compute.Compute{Kit: k}, Images: &images.Images{Kit: k}, Insights: &insights.Insights{Kit: k}, Quotas: &quotas.Quotas{Kit: k},
		Logs: &logs.Logs{Kit: k}, FlowLogs: &flowlogs.FlowLogs{Kit: k}, DNS: &dns.DNS{Kit: k},
		ResolverRules: &resolverrules.ResolverRules{Kit: k}, VPN: &vpn.VPN{Kit: k}, Endpoints: &vpcendpoints.Endpoints{Kit: k},
		TGW: &tgw.TGW{Kit: k}, DirectConnect: &directconnect.DirectConnect{Kit: k}, ELB: &elb.ELB{Kit: k}}
}

// What the rest of vpcd uses of the kit, under the names it has always had.
type (
	Caller         = kit.Caller
	Config         = kit.Config
	NetworkBuilder = kit.NetworkBuilder
	NetworkChange  = kit.NetworkChange
)

var (
	NewNetworkBuilder     = kit.NewNetworkBuilder
	DefaultRegions        = kit.DefaultRegions
	DefaultPublicIPv4Pool = kit.DefaultPublicIPv4Pool
	CheckQuotas           = quotas.CheckQuotas
)
