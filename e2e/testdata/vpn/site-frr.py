#!/usr/bin/env python3
"""Writes a customer site's FRR bgpd configuration from a dynamically routed VPN
connection's CustomerGatewayConfiguration XML, as a customer would from AWS's: one eBGP
neighbor per tunnel at AWS's inside address, from the customer's, with AWS's ASN and
hold time (keepalive a third of it), advertising the site's LAN prefixes.

usage: site-frr.py DIR PREFIX... < config.xml
Writes DIR/bgpd.conf."""
import os, sys
import xml.etree.ElementTree as ET

d, prefixes = sys.argv[1], sys.argv[2:]
doc = ET.fromstring(sys.stdin.read())
tunnels = doc.findall("ipsec_tunnel")
me = tunnels[0].findtext("customer_gateway/tunnel_inside_address/ip_address")
asn = tunnels[0].findtext("customer_gateway/bgp/asn")
lines = ["frr defaults traditional", "hostname site", "log stdout informational", "!",
         f"router bgp {asn}", f" bgp router-id {me}", " no bgp ebgp-requires-policy", " no bgp network import-check"]
for t in tunnels:
    peer = t.findtext("vpn_gateway/tunnel_inside_address/ip_address")
    local = t.findtext("customer_gateway/tunnel_inside_address/ip_address")
    hold = int(t.findtext("vpn_gateway/bgp/hold_time"))
    lines += [f" neighbor {peer} remote-as {t.findtext('vpn_gateway/bgp/asn')}",
              f" neighbor {peer} timers {hold // 3} {hold}",
              f" neighbor {peer} timers connect 2",
              f" neighbor {peer} update-source {local}",
              f" neighbor {peer} disable-connected-check"]
lines += [" address-family ipv4 unicast"] + [f"  network {p}" for p in prefixes] + [" exit-address-family", "!"]
with open(os.path.join(d, "bgpd.conf"), "w") as f:
    f.write("\n".join(lines) + "\n")
