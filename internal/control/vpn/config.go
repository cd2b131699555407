package vpn

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// The customer gateway configuration: AWS's XML document (CustomerGatewayConfiguration),
// which Terraform and other tools read for each tunnel's addresses, key and BGP
// parameters, and the sample configurations of GetVpnConnectionDeviceSampleConfiguration,
// all written from the connection's own values.

// bgpHoldTime is the BGP hold time of AWS's tunnels, in seconds.
const bgpHoldTime = 30

type xmlConnection struct {
	XMLName           xml.Name    `xml:"vpn_connection"`
	ID                string      `xml:"id,attr"`
	CustomerGatewayID string      `xml:"customer_gateway_id"`
	VpnGatewayID      string      `xml:"vpn_gateway_id"`
	Type              string      `xml:"vpn_connection_type"`
	Tunnels           []xmlTunnel `xml:"ipsec_tunnel"`
}

type xmlTunnel struct {
	CustomerGateway xmlEnd   `xml:"customer_gateway"`
	VpnGateway      xmlEnd   `xml:"vpn_gateway"`
	IKE             xmlIKE   `xml:"ike"`
	IPsec           xmlIPsec `xml:"ipsec"`
}

type xmlEnd struct {
	Outside xmlAddress  `xml:"tunnel_outside_address"`
	Inside  xmlAddress  `xml:"tunnel_inside_address"`
	BGP     *xmlBGPPeer `xml:"bgp"`
}

type xmlAddress struct {
	IP          string `xml:"ip_address"`
	NetworkMask string `xml:"network_mask,omitempty"`
	NetworkCidr string `xml:"network_cidr,omitempty"`
}

type xmlBGPPeer struct {
	Asn      int64 `xml:"asn"`
	HoldTime int   `xml:"hold_time"`
}

type xmlIKE struct {
	Authentication string `xml:"authentication_protocol"`
	Encryption     string `xml:"encryption_protocol"`
	Lifetime       int32  `xml:"lifetime"`
	PFS            string `xml:"perfect_forward_secrecy"`
	Mode           string `xml:"mode"`
	PreSharedKey   string `xml:"pre_shared_key"`
}

type xmlIPsec struct {
	Protocol       string `xml:"protocol"`
	Authentication string `xml:"authentication_protocol"`
	Encryption     string `xml:"encryption_protocol"`
	Lifetime       int32  `xml:"lifetime"`
	PFS            string `xml:"perfect_forward_secrecy"`
	Mode           string `xml:"mode"`
	ClearDFBit     bool   `xml:"clear_df_bit"`
	FragmentFirst  bool   `xml:"fragmentation_before_encryption"`
	TCPMSS         int    `xml:"tcp_mss_adjustment"`
	DPD            struct {
		Delay int `xml:"delay"`
		Retry int `xml:"retry"`
	} `xml:"dead_peer_detection"`
}

// proposal is the first choice of a tunnel's offered algorithms, in the forms the
// configurations write them.
type proposal struct {
	IKE, Encryption, Integrity, ESPIntegrity string
	Phase1DH, Phase2DH                       int32
	// SwanIKE and SwanESP are the proposals in strongSwan's words.
	SwanIKE, SwanESP string
}

// swanNames are strongSwan's names of AWS's algorithms and DH groups.
var swanNames = map[string]string{"AES128": "aes128", "AES256": "aes256", "AES128-GCM-16": "aes128gcm16", "AES256-GCM-16": "aes256gcm16",
	"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512",
	"2": "modp1024", "5": "modp1536", "14": "modp2048", "15": "modp3072", "16": "modp4096", "17": "modp6144", "18": "modp8192",
	"19": "ecp256", "20": "ecp384", "21": "ecp521", "22": "modp1024s160", "23": "modp2048s224", "24": "modp2048s256"}

func tunnelProposal(t *kit.VpnTunnel) proposal {
	first := func(set, defaults []string) string {
		if len(set) > 0 {
			return set[0]
		}
		return defaults[0]
	}
	firstGroup := func(set, defaults []int32) int32 {
		if len(set) > 0 {
			return set[0]
		}
		return defaults[0]
	}
	enc := map[string]string{"AES128": "aes-128-cbc", "AES256": "aes-256-cbc", "AES128-GCM-16": "aes-128-gcm-16", "AES256-GCM-16": "aes-256-gcm-16"}
	integ := map[string][2]string{"SHA1": {"sha1", "hmac-sha1-96"}, "SHA2-256": {"sha2-256", "hmac-sha2-256-128"},
		"SHA2-384": {"sha2-384", "hmac-sha2-384-192"}, "SHA2-512": {"sha2-512", "hmac-sha2-512-256"}}
	enc1, enc2 := first(t.Phase1EncryptionAlgorithms, encryptionAlgorithms), first(t.Phase2EncryptionAlgorithms, encryptionAlgorithms)
	int1, int2 := first(t.Phase1IntegrityAlgorithms, integrityAlgorithms), first(t.Phase2IntegrityAlgorithms, integrityAlgorithms)
	p := proposal{IKE: first(t.IKEVersions, ikeVersions), Encryption: enc[enc1], Integrity: integ[int1][0], ESPIntegrity: integ[int2][1],
		Phase1DH: firstGroup(t.Phase1DHGroupNumbers, phase1DHGroups), Phase2DH: firstGroup(t.Phase2DHGroupNumbers, phase2DHGroups)}
	p.SwanIKE = swanNames[enc1] + "-" + swanNames[int1] + "-" + swanNames[strconv.Itoa(int(p.Phase1DH))]
	p.SwanESP = swanNames[enc2] + "-" + swanNames[int2] + "-" + swanNames[strconv.Itoa(int(p.Phase2DH))]
	if strings.Contains(enc2, "GCM") { // an AEAD cipher has no separate integrity algorithm
		p.SwanESP = swanNames[enc2] + "-" + swanNames[strconv.Itoa(int(p.Phase2DH))]
	}
	return p
}

// customerGatewayConfiguration is the connection's XML document, as AWS writes it: the
// BGP peers only for a dynamically routed connection.
func customerGatewayConfiguration(v *kit.VpnConnectionRecord) string {
	doc := xmlConnection{ID: v.ID, CustomerGatewayID: v.CustomerGatewayID, VpnGatewayID: v.VpnGatewayID, Type: v.Type}
	for i := range v.Tunnels {
		t := &v.Tunnels[i]
		p := tunnelProposal(t)
		inside := func(a fmt.Stringer) xmlAddress {
			return xmlAddress{IP: a.String(), NetworkMask: "255.255.255.252", NetworkCidr: "30"}
		}
		x := xmlTunnel{
			CustomerGateway: xmlEnd{Outside: xmlAddress{IP: v.CustomerGatewayIP}, Inside: inside(t.CgwInsideIP())},
			VpnGateway:      xmlEnd{Outside: xmlAddress{IP: t.OutsideIP.String()}, Inside: inside(t.VgwInsideIP())},
			IKE: xmlIKE{Authentication: p.Integrity, Encryption: p.Encryption, Lifetime: t.Phase1LifetimeSeconds,
				PFS: fmt.Sprintf("group%d", p.Phase1DH), Mode: "main", PreSharedKey: t.PreSharedKey},
			IPsec: xmlIPsec{Protocol: "esp", Authentication: p.ESPIntegrity, Encryption: p.Encryption, Lifetime: t.Phase2LifetimeSeconds,
				PFS: fmt.Sprintf("group%d", p.Phase2DH), Mode: "tunnel", ClearDFBit: true, FragmentFirst: true, TCPMSS: 1379},
		}
		x.IPsec.DPD.Delay, x.IPsec.DPD.Retry = 10, 3
		if !v.StaticRoutesOnly {
			x.CustomerGateway.BGP = &xmlBGPPeer{Asn: v.CustomerGatewayAsn, HoldTime: bgpHoldTime}
			x.VpnGateway.BGP = &xmlBGPPeer{Asn: v.AmazonSideAsn, HoldTime: bgpHoldTime}
		}
		doc.Tunnels = append(doc.Tunnels, x)
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil { // only plain strings and numbers: cannot fail
		panic(err)
	}
	return xml.Header + string(out)
}

// deviceType is a device that GetVpnConnectionDeviceSampleConfiguration writes for.
type deviceType struct {
	ec2.VpnConnectionDeviceType
	sample *template.Template
}

// deviceTypes are the devices vpcd has samples for. The IDs are vpcd's own.
var deviceTypes = []deviceType{
	{ec2.VpnConnectionDeviceType{VpnConnectionDeviceTypeId: kit.Ptr("9005b6c1"), Vendor: kit.Ptr("Generic"), Platform: kit.Ptr("Generic"),
		Software: kit.Ptr("Vendor Agnostic")}, template.Must(template.New("generic").Parse(genericSample))},
	{ec2.VpnConnectionDeviceType{VpnConnectionDeviceTypeId: kit.Ptr("7125681a"), Vendor: kit.Ptr("Strongswan"), Platform: kit.Ptr("Ubuntu 16.04"),
		Software: kit.Ptr("Strongswan 5.5.1+")}, template.Must(template.New("strongswan").Parse(strongswanSample))},
}

// sampleTunnel is what the samples fill in for a tunnel.
type sampleTunnel struct {
	N                    int
	Tunnel               *kit.VpnTunnel
	P                    proposal
	CgwInside, VgwInside string
}

type sampleData struct {
	V       *kit.VpnConnectionRecord
	IKE     string
	Tunnels []sampleTunnel
}

func sampleConfiguration(d deviceType, v *kit.VpnConnectionRecord, ike string) string {
	data := sampleData{V: v, IKE: ike}
	for i := range v.Tunnels {
		t := &v.Tunnels[i]
		data.Tunnels = append(data.Tunnels, sampleTunnel{N: i + 1, Tunnel: t, P: tunnelProposal(t),
			CgwInside: t.CgwInsideIP().String(), VgwInside: t.VgwInsideIP().String()})
	}
	var b strings.Builder
	if err := d.sample.Execute(&b, data); err != nil { // the templates are ours
		panic(err)
	}
	return b.String()
}

const genericSample = `! Amazon Web Services (as answered by vpcd)
! Virtual Private Cloud
!
! VPN Connection Configuration
! ================================================================================
! AWS utilizes unique identifiers to manipulate the configuration of
! a VPN Connection. Each VPN Connection is assigned an identifier and is
! associated with two other identifiers, namely the
! Customer Gateway Identifier and Virtual Private Gateway Identifier.
!
! Your VPN Connection ID                  : {{.V.ID}}
! Your Virtual Private Gateway ID         : {{.V.VpnGatewayID}}
! Your Customer Gateway ID                : {{.V.CustomerGatewayID}}
!
! This configuration consists of two tunnels. Both tunnels must be
! configured on your Customer Gateway.
{{range .Tunnels}}
! --------------------------------------------------------------------------------
! IPSec Tunnel #{{.N}}
! --------------------------------------------------------------------------------
! #1: Internet Key Exchange (IKE) Configuration
!
  - IKE version              : {{$.IKE}}
  - Authentication Method    : Pre-Shared Key
  - Pre-Shared Key           : {{.Tunnel.PreSharedKey}}
  - Authentication Algorithm : {{.P.Integrity}}
  - Encryption Algorithm     : {{.P.Encryption}}
  - Lifetime                 : {{.Tunnel.Phase1LifetimeSeconds}} seconds
  - Phase 1 Negotiation Mode : main
  - Diffie-Hellman           : Group {{.P.Phase1DH}}

! #2: IPSec Configuration
!
  - Protocol                 : esp
  - Authentication Algorithm : {{.P.ESPIntegrity}}
  - Encryption Algorithm     : {{.P.Encryption}}
  - Lifetime                 : {{.Tunnel.Phase2LifetimeSeconds}} seconds
  - Mode                     : tunnel
  - Perfect Forward Secrecy  : Diffie-Hellman Group {{.P.Phase2DH}}
  - DPD Timeout              : {{.Tunnel.DPDTimeoutSeconds}} seconds ({{.Tunnel.DPDTimeoutAction}})
  - TCP MSS Adjustment       : 1379 bytes
  - Clear Don't Fragment Bit : enabled
  - Fragmentation            : Before encryption

! #3: Tunnel Interface Configuration
!
Outside IP Addresses:
  - Customer Gateway         : {{$.V.CustomerGatewayIP}}
  - Virtual Private Gateway  : {{.Tunnel.OutsideIP}}

Inside IP Addresses
  - Customer Gateway         : {{.CgwInside}}/30
  - Virtual Private Gateway  : {{.VgwInside}}/30

Configure your tunnel to fragment at the optimal size:
  - Tunnel interface MTU     : 1436 bytes
{{if $.V.StaticRoutesOnly}}
! #4: Static Routing Configuration
!
Configure a static route on the tunnel interface to your VPC, with next hop
{{.VgwInside}}, and route your VPC's traffic to the customer networks.
{{else}}
! #4: Border Gateway Protocol (BGP) Configuration
!
BGP Configuration Options:
  - Customer Gateway ASN          : {{$.V.CustomerGatewayAsn}}
  - Virtual Private Gateway ASN   : {{$.V.AmazonSideAsn}}
  - Neighbor IP Address           : {{.VgwInside}}
  - Neighbor Hold Time            : 30
{{end}}{{end}}`

const strongswanSample = `# Amazon Web Services (as answered by vpcd)
# Site-to-Site VPN connection {{.V.ID}} for strongSwan
# Virtual Private Gateway {{.V.VpnGatewayID}}, Customer Gateway {{.V.CustomerGatewayID}}
#
# 1) /etc/ipsec.conf: the two tunnels, route-based (VTI marks), IKE {{.IKE}}.

conn %default
	leftauth=psk
	rightauth=psk
	ikelifetime=8h
	lifetime=1h
	margintime=9m
	keyingtries=%forever
	dpddelay=10s
	dpdaction=restart
	keyexchange={{.IKE}}
	leftsubnet=0.0.0.0/0
	rightsubnet=0.0.0.0/0
	leftupdown=/etc/ipsec-vti.sh
	installpolicy=yes
	compress=no
	mobike=no
{{range .Tunnels}}
conn Tunnel{{.N}}
	auto=start
	left=%defaultroute
	leftid={{$.V.CustomerGatewayIP}}
	right={{.Tunnel.OutsideIP}}
	type=tunnel
	ike={{.P.SwanIKE}}!
	esp={{.P.SwanESP}}!
	ikelifetime={{.Tunnel.Phase1LifetimeSeconds}}s
	lifetime={{.Tunnel.Phase2LifetimeSeconds}}s
	mark=100{{.N}}
{{end}}
# 2) /etc/ipsec.secrets:
{{range .Tunnels}}{{$.V.CustomerGatewayIP}} {{.Tunnel.OutsideIP}} : PSK "{{.Tunnel.PreSharedKey}}"
{{end}}
# 3) Tunnel interfaces (inside addresses, /30):
{{range .Tunnels}}#   Tunnel{{.N}}: local {{.CgwInside}}/30, peer {{.VgwInside}}, mark 100{{.N}}, MTU 1419
{{end}}{{if not .V.StaticRoutesOnly}}
# 4) BGP (e.g. FRR or BIRD): local ASN {{.V.CustomerGatewayAsn}}, hold time 30
{{range .Tunnels}}#   neighbor {{.VgwInside}} remote-as {{$.V.AmazonSideAsn}}
{{end}}{{end}}`
