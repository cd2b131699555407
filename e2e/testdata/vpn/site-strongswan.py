#!/usr/bin/env python3
"""Writes a customer site's strongSwan (charon-systemd + swanctl) configuration from a VPN
connection's CustomerGatewayConfiguration XML, as a customer would from AWS's: both
tunnels with their outside addresses, pre-shared keys, IKE and IPsec algorithms, DH groups,
lifetimes and DPD, the customer gateway's public address as its identity (behind NAT too).

usage: site-strongswan.py DIR LAN_CIDR REMOTE_CIDR IKE_VERSION [bgp] < config.xml
Writes DIR/strongswan.conf (its VICI socket DIR/vici) and DIR/swanctl.conf. With "bgp",
each tunnel also carries its inside addresses (the customer's and AWS's ends of the /30,
where the tunnel's BGP session is), and the customer's are printed (ADDR/BITS, a line per
tunnel): they must be on the site before its tunnels come up, since libipsec routes each
tunnel from its local address."""
import os, sys
import xml.etree.ElementTree as ET

d, lan, remote, ike = sys.argv[1:5]
bgp = sys.argv[5:6] == ["bgp"]
doc = ET.fromstring(sys.stdin.read())
enc = {"aes-128-cbc": "aes128", "aes-256-cbc": "aes256", "aes-128-gcm-16": "aes128gcm16", "aes-256-gcm-16": "aes256gcm16"}
integ = {"sha1": "sha1", "sha2-256": "sha256", "sha2-384": "sha384", "sha2-512": "sha512",
         "hmac-sha1-96": "sha1", "hmac-sha2-256-128": "sha256", "hmac-sha2-384-192": "sha384", "hmac-sha2-512-256": "sha512"}
groups = {"2": "modp1024", "5": "modp1536", "14": "modp2048", "15": "modp3072", "16": "modp4096", "19": "ecp256", "20": "ecp384", "21": "ecp521"}

def proposal(e, i, g):
    g = groups[g.replace("group", "")]
    return f"{enc[e]}-{g}" if "gcm" in e else f"{enc[e]}-{integ[i]}-{g}"

conns, secrets = [], []
for n, t in enumerate(doc.findall("ipsec_tunnel"), 1):
    me = t.findtext("customer_gateway/tunnel_outside_address/ip_address")
    peer = t.findtext("vpn_gateway/tunnel_outside_address/ip_address")
    local_ts, remote_ts = lan, remote
    if bgp:
        mine = t.findtext("customer_gateway/tunnel_inside_address/ip_address")
        local_ts += "," + mine + "/32"
        print(mine + "/" + (t.findtext("customer_gateway/tunnel_inside_address/network_cidr") or "30"))
        remote_ts += "," + t.findtext("vpn_gateway/tunnel_inside_address/ip_address") + "/32"
    k = t.find("ike")
    p = t.find("ipsec")
    conns.append(f"""
  tunnel{n} {{
    version = {ike}
    remote_addrs = {peer}
    proposals = {proposal(k.findtext('encryption_protocol'), k.findtext('authentication_protocol'), k.findtext('perfect_forward_secrecy'))}
    rekey_time = {k.findtext('lifetime')}s
    dpd_delay = {p.findtext('dead_peer_detection/delay')}s
    keyingtries = 0
    mobike = no
    local {{
      auth = psk
      id = {me}
    }}
    remote {{
      auth = psk
      id = {peer}
    }}
    children {{
      tunnel{n} {{
        local_ts = {local_ts}
        remote_ts = {remote_ts}
        esp_proposals = {proposal(p.findtext('encryption_protocol'), p.findtext('authentication_protocol'), p.findtext('perfect_forward_secrecy'))}
        rekey_time = {p.findtext('lifetime')}s
        start_action = start
        dpd_action = restart
      }}
    }}
  }}""")
    secrets.append(f"""
  ike-tunnel{n} {{
    id-1 = {me}
    id-2 = {peer}
    secret = "{k.findtext('pre_shared_key')}"
  }}""")

with open(os.path.join(d, "swanctl.conf"), "w") as f:
    f.write("connections {" + "".join(conns) + "\n}\nsecrets {" + "".join(secrets) + "\n}\n")
with open(os.path.join(d, "strongswan.conf"), "w") as f:
    f.write(f"""charon-systemd {{
  load_modular = no
  load = random nonce aes sha1 sha2 hmac gmp kdf openssl socket-default kernel-libipsec kernel-netlink vici
  # a dead tunnel is found within seconds of a missed DPD, so that tests fail over fast
  retransmit_timeout = 1
  retransmit_tries = 2
  retransmit_base = 1.4
  plugins {{
    vici {{
      socket = unix://{d}/vici
    }}
  }}
  journal {{
    default = -1
  }}
  filelog {{
    stderr {{
      default = 1
    }}
  }}
}}
""")
