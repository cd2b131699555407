package control

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"vpcd/internal/model"
)

// Network reads every account's and region's resources that the data plane carries into
// one model.Network, as of one store revision.
func (s *Service) Network(ctx context.Context) (*model.Network, int64, error) {
	kvs, rev, err := s.st.List(ctx, "")
	if err != nil {
		return nil, 0, err
	}
	n := model.NewNetwork()
	for _, kv := range kvs {
		parts := strings.Split(kv.Key, "/")
		if len(parts) != 4 {
			continue // not a resource (public address registry, markers, tokens)
		}
		region := parts[1]
		if err := addToNetwork(n, region, parts[2], kv.Value); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", kv.Key, err)
		}
	}
	for _, g := range n.NatGateways {
		if eni := n.Interfaces[g.Interface]; eni != nil {
			eni.NatGateway = g.ID
		}
	}
	return n, rev, nil
}

func addToNetwork(n *model.Network, region, kind string, raw []byte) error {
	switch kind {
	case "vpc":
		var v vpcRecord
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		n.VPCs[v.ID] = &model.VPC{ID: v.ID, Owner: v.Owner, Region: region, CIDRs: v.cidrs(), MainRouteTable: v.MainRouteTable, DhcpOptions: v.DhcpOptionsID}
		for id, cidrs := range AWSManagedPrefixLists(region) {
			n.PrefixLists[id] = cidrs
		}
	case "dopt":
		var d dhcpOptionsRecord
		if err := json.Unmarshal(raw, &d); err != nil {
			return err
		}
		n.DhcpOptions[d.ID] = &model.DhcpOptions{ID: d.ID, DomainName: d.Options["domain-name"], DomainNameServers: d.Options["domain-name-servers"]}
	case "pl":
		var p prefixListRecord
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		n.PrefixLists[p.ID] = p.CIDRs()
	case "subnet":
		var sn subnetRecord
		if err := json.Unmarshal(raw, &sn); err != nil {
			return err
		}
		if existing := n.Subnets[sn.ID]; existing != nil {
			existing.VPC, existing.CIDR = sn.VpcID, sn.Cidr // association seen first
		} else {
			n.Subnets[sn.ID] = &model.Subnet{ID: sn.ID, VPC: sn.VpcID, CIDR: sn.Cidr}
		}
	case "rtb":
		var rt routeTableRecord
		if err := json.Unmarshal(raw, &rt); err != nil {
			return err
		}
		m := &model.RouteTable{ID: rt.ID, VPC: rt.VpcID}
		for _, r := range rt.Routes {
			if r.Destination.IsValid() || r.DestinationPrefixList != "" {
				m.Routes = append(m.Routes, model.Route{Destination: r.Destination, DestinationPrefixList: r.DestinationPrefixList, Target: r.Target})
			}
		}
		n.RouteTables[rt.ID] = m
		for _, a := range rt.Associations {
			if a.SubnetID == "" {
				continue
			}
			if sn := n.Subnets[a.SubnetID]; sn != nil {
				sn.RouteTable = rt.ID
			} else {
				n.Subnets[a.SubnetID] = &model.Subnet{ID: a.SubnetID, RouteTable: rt.ID}
			}
		}
	case "nat":
		var g natGatewayRecord
		if err := json.Unmarshal(raw, &g); err != nil {
			return err
		}
		if g.live() {
			n.NatGateways[g.ID] = &model.NatGateway{ID: g.ID, VPC: g.VpcID, Subnet: g.Subnet, Interface: g.ENI, Public: g.ConnectivityType == "public"}
		}
	case "igw":
		var g internetGatewayRecord
		if err := json.Unmarshal(raw, &g); err != nil {
			return err
		}
		n.InternetGateways[g.ID] = &model.InternetGateway{ID: g.ID, VPC: g.VpcID}
	case "eni":
		var e networkInterfaceRecord
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		m := &model.Interface{ID: e.ID, Subnet: e.SubnetID, VPC: e.VpcID, MAC: e.MacAddress, Groups: e.Groups, SourceDestCheck: e.SourceDestCheck}
		for _, ip := range e.PrivateIPs {
			m.PrivateIPs = append(m.PrivateIPs, ip.Addr)
			if ip.Association == nil {
				continue
			}
			if ip.Primary {
				m.PublicIP = ip.Association.PublicIP
			}
			if m.PublicIPs == nil {
				m.PublicIPs = map[netip.Addr]netip.Addr{}
			}
			m.PublicIPs[ip.Addr] = ip.Association.PublicIP
		}
		if e.Attachment != nil {
			m.Instance, m.DeviceIndex = e.Attachment.InstanceID, int(e.Attachment.DeviceIndex)
		}
		n.Interfaces[e.ID] = m
	case "i":
		var in instanceRecord
		if err := json.Unmarshal(raw, &in); err != nil {
			return err
		}
		userData, _ := base64.StdEncoding.DecodeString(in.UserData)
		n.Instances[in.ID] = &model.Instance{ID: in.ID, Owner: in.Owner, Region: region, VPC: in.VpcID, Subnet: in.SubnetID, Running: in.State == "running", Interfaces: in.ENIs, UserData: userData}
	case "sg":
		var g securityGroupRecord
		if err := json.Unmarshal(raw, &g); err != nil {
			return err
		}
		m := &model.SecurityGroup{ID: g.ID, VPC: g.VpcID}
		for _, r := range g.Rules {
			m.Rules = append(m.Rules, model.SecurityGroupRule{
				Egress: r.Egress, Protocol: protocolNumber(r.Protocol),
				FromPort: int(r.FromPort), ToPort: int(r.ToPort), CIDR: r.Cidr, Group: r.GroupID, PrefixList: r.PrefixListID,
			})
		}
		n.SecurityGroups[g.ID] = m
	case "pcx":
		// Both accounts of a connection hold a copy; either gives the same peering.
		var p peeringRecord
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		if p.State == "active" {
			n.Peerings[p.ID] = &model.Peering{ID: p.ID, Requester: p.Requester.VpcID, Accepter: p.Accepter.VpcID}
		}
	case "acl":
		var a networkACLRecord
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		n.NetworkACLs[a.ID] = a.model()
	}
	return nil
}

// protocolNumber is the IANA number of a stored rule protocol; -1 for all.
func protocolNumber(p string) int {
	switch p {
	case "tcp":
		return 6
	case "udp":
		return 17
	case "icmp":
		return 1
	case "icmpv6":
		return 58
	case "-1", "all":
		return -1
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return -1
	}
	return n
}
