package kit

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"net/netip"
	"strings"

	"vpcd/internal/ec2"
)

// Private addresses. The store holds no list of a subnet's used addresses: they are the
// addresses of the subnet's interfaces. Every transaction that adds or removes an
// interface address also rewrites the subnet (UsedAddresses, the count AWS subtracts in
// AvailableIpAddressCount), so concurrent allocations in one subnet conflict instead of
// handing out an address twice.

// SubnetAllocator hands out the free private IPv4 addresses of one subnet, and IPv6
// addresses from its IPv6 block.
type SubnetAllocator struct {
	Sn     *SubnetRecord
	Used   map[netip.Addr]bool // IPv4, counted against the subnet's free addresses
	UsedV6 map[netip.Addr]bool
}

// SubnetInterfaces lists the interfaces in a subnet.
func SubnetInterfaces(t *Txn, c Caller, subnetID string) ([]*NetworkInterfaceRecord, error) {
	all, err := ListAll[NetworkInterfaceRecord](t, c.Prefix("eni"))
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if e.SubnetID == subnetID {
			out = append(out, e)
		}
	}
	return out, nil
}

func NewSubnetAllocator(t *Txn, c Caller, sn *SubnetRecord) (*SubnetAllocator, error) {
	enis, err := SubnetInterfaces(t, c, sn.ID)
	if err != nil {
		return nil, err
	}
	a := &SubnetAllocator{Sn: sn, Used: map[netip.Addr]bool{}, UsedV6: map[netip.Addr]bool{}}
	for _, e := range enis {
		for _, p := range e.PrivateIPs {
			a.Used[p.Addr] = true
		}
		for _, v6 := range e.Ipv6Addresses {
			a.UsedV6[v6] = true
		}
	}
	return a, nil
}

// reserved reports whether AWS keeps the address for itself: the network address, the
// router (+1), DNS (+2), one for future use (+3) and the broadcast address.
func reservedAddress(cidr netip.Prefix, a netip.Addr) bool {
	first := cidr.Masked().Addr()
	if a == first || a == first.Next() || a == first.Next().Next() || a == first.Next().Next().Next() {
		return true
	}
	return a == LastAddr(cidr)
}

// LastAddr is the highest address of a prefix, IPv4 or IPv6.
func LastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Free is how many addresses are left.
func (a *SubnetAllocator) Free() int {
	return int(a.Sn.availableAddressesAfter(len(a.Used)))
}

// availableAddressesAfter is the free count when n addresses are used.
func (sn *SubnetRecord) availableAddressesAfter(n int) int32 {
	if !sn.Cidr.IsValid() {
		return 0
	}
	return int32(max(1<<(32-sn.Cidr.Bits())-reservedSubnetAddresses-n, 0))
}

// Take claims a requested address, with AWS's errors for one outside the subnet, reserved
// or in use.
func (a *SubnetAllocator) Take(s string) (netip.Addr, error) {
	addr, err := netip.ParseAddr(s)
	if err != nil || !addr.Is4() {
		return netip.Addr{}, ec2.ErrInvalidParameterValue("Invalid value '%s' for IP address. This is not a valid IPv4 address.", s)
	}
	if !a.Sn.Cidr.IsValid() || !a.Sn.Cidr.Contains(addr) {
		return netip.Addr{}, ec2.ErrInvalidParameterValue("Address %s does not fall within the subnet's address range", s)
	}
	if reservedAddress(a.Sn.Cidr, addr) {
		return netip.Addr{}, ec2.ErrInvalidParameterValue("Address %s is in subnet's reserved address range", s)
	}
	if a.Used[addr] {
		return netip.Addr{}, ec2.ErrInvalidIPAddressInUse("Address %s is in use.", s)
	}
	a.Used[addr] = true
	return addr, nil
}

// Next claims the lowest free address.
func (a *SubnetAllocator) Next() (netip.Addr, error) {
	if a.Sn.Cidr.IsValid() {
		last := LastAddr(a.Sn.Cidr)
		for addr := a.Sn.Cidr.Masked().Addr(); addr.Less(last); addr = addr.Next() {
			if !a.Used[addr] && !reservedAddress(a.Sn.Cidr, addr) {
				a.Used[addr] = true
				return addr, nil
			}
		}
	}
	return netip.Addr{}, ErrInsufficientAddresses(a.Sn.ID)
}

// IPv6 addresses of interfaces come from their subnet's IPv6 block (a /64): named ones,
// or random ones, as AWS picks them. AWS keeps the first four and the last address of
// the block, as in IPv4; an address is one interface's in the whole subnet.

// IPv6Block is the subnet's associated IPv6 block, if it has one.
func (sn *SubnetRecord) IPv6Block() (netip.Prefix, bool) {
	for _, b := range sn.Ipv6Blocks {
		if b.State == "associated" {
			return b.Cidr.Masked(), true
		}
	}
	return netip.Prefix{}, false
}

// TakeIPv6 claims the named IPv6 addresses and count random free ones of the subnet's
// block.
func (a *SubnetAllocator) TakeIPv6(named []string, count int) ([]netip.Addr, error) {
	if len(named) == 0 && count == 0 {
		return nil, nil
	}
	block, ok := a.Sn.IPv6Block()
	if !ok {
		return nil, ec2.ErrInvalidParameterValue("The subnet '%s' has no IPv6 CIDR block: no IPv6 address can be assigned in it.", a.Sn.ID)
	}
	var out []netip.Addr
	for _, s := range named {
		addr, err := netip.ParseAddr(s)
		if err != nil || !addr.Is6() || addr.Is4In6() {
			return nil, ec2.ErrInvalidParameterValue("Invalid IPv6 address %s.", s)
		}
		if !block.Contains(addr) || reservedAddress(block, addr) {
			return nil, ec2.ErrInvalidParameterValue("Address %s is not in the IPv6 CIDR block %s of subnet '%s', or is reserved.", s, block, a.Sn.ID)
		}
		if a.UsedV6[addr] {
			return nil, ec2.ErrInvalidIPAddressInUse("Address %s is in use.", addr)
		}
		a.UsedV6[addr] = true
		out = append(out, addr)
	}
	for len(out) < len(named)+count {
		b := block.Addr().As16()
		rand.Read(b[8:])
		addr := netip.AddrFrom16(b)
		if !reservedAddress(block, addr) && !a.UsedV6[addr] {
			a.UsedV6[addr] = true
			out = append(out, addr)
		}
	}
	return out, nil
}

func ErrInsufficientAddresses(subnetID string) error {
	return ec2.ErrInsufficientFreeAddressesInSubnet("There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", subnetID)
}

// RecountSubnet rewrites a subnet's used address count from its interfaces as this
// transaction leaves them. Every transaction that changes a subnet's interfaces calls it.
func RecountSubnet(t *Txn, c Caller, subnetID string) error {
	sn, err := Get[SubnetRecord](t, c, "subnet", subnetID)
	if err != nil {
		return err
	}
	enis, err := SubnetInterfaces(t, c, subnetID)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range enis {
		n += len(e.PrivateIPs)
	}
	sn.UsedAddresses = n
	return t.Put(c.Key(sn.ID), sn)
}

// Public addresses. Each address of the pool given to an interface is one store key,
// "public/REGION/198.51.100.7", created only if absent: two transactions that pick the
// same address conflict, whatever their accounts.

type PublicIPHolder struct {
	Account            string `json:"account"`
	NetworkInterfaceID string `json:"networkInterfaceId"`
	AllocationID       string `json:"allocationId,omitempty"`    // an Elastic IP's
	VpnConnectionID    string `json:"vpnConnectionId,omitempty"` // a VPN tunnel's outside address
}

func PublicIPKey(region string, a netip.Addr) string { return "public/" + region + "/" + a.String() }

// AllocatePublicIP takes a free address of the pool for an interface.
func (s *Kit) AllocatePublicIP(t *Txn, c Caller, eniID string) (netip.Addr, error) {
	used := map[netip.Addr]bool{}
	err := t.List("public/"+c.Region+"/", func(key string, _ []byte) error {
		if a, err := netip.ParseAddr(key[strings.LastIndexByte(key, '/')+1:]); err == nil {
			used[a] = true
		}
		return nil
	})
	if err != nil {
		return netip.Addr{}, err
	}
	var free []netip.Addr
	for _, p := range s.Pool {
		p = p.Masked()
		last := LastAddr(p)
		for a := p.Addr(); ; a = a.Next() {
			// The network and broadcast addresses of the pool's blocks are never handed out.
			if a != p.Addr() && a != last && !used[a] {
				free = append(free, a)
			}
			if a == last {
				break
			}
		}
	}
	if len(free) == 0 {
		return netip.Addr{}, ec2.ErrInsufficientAddressCapacity("There are no free public IPv4 addresses in the region %s.", c.Region)
	}
	// A random pick keeps concurrent launches from all wanting the same address.
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(free))))
	if err != nil {
		return netip.Addr{}, err
	}
	a := free[n.Int64()]
	key := PublicIPKey(c.Region, a)
	var holder PublicIPHolder
	if _, err := t.Get(key, &holder); err != nil { // records the key as absent
		return netip.Addr{}, err
	}
	return a, t.Put(key, PublicIPHolder{Account: c.Account, NetworkInterfaceID: eniID})
}

func ReleasePublicIP(t *Txn, c Caller, a netip.Addr) { t.Del(PublicIPKey(c.Region, a)) }

// NewMacAddress is a random unicast, locally administered MAC address, as AWS gives.
func NewMacAddress() string {
	var b [5]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return "0a:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10]
}

// PrivateDNSName is the name AWS gives a private address: ip-10-0-1-5.ec2.internal in
// us-east-1, ip-10-0-1-5.eu-west-1.compute.internal elsewhere.
func PrivateDNSName(region string, a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return "ip-" + strings.ReplaceAll(a.String(), ".", "-") + "." + internalDomain(region)
}

func internalDomain(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// publicDNSName is the name AWS gives a public address: ec2-198-51-100-7.compute-1.amazonaws.com
// in us-east-1, ec2-198-51-100-7.eu-west-1.compute.amazonaws.com elsewhere.
func publicDNSName(region string, a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	name := "ec2-" + strings.ReplaceAll(a.String(), ".", "-")
	if region == "us-east-1" {
		return name + ".compute-1.amazonaws.com"
	}
	return name + "." + region + ".compute.amazonaws.com"
}
