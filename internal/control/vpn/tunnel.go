package vpn

import (
	"crypto/rand"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// AWS's tunnel options ("Tunnel options for your Site-to-Site VPN connection"): the
// values a tunnel may be given and the ones it has when none are.
var (
	ikeVersions          = []string{"ikev1", "ikev2"}
	encryptionAlgorithms = []string{"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"}
	integrityAlgorithms  = []string{"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"}
	phase1DHGroups       = []int32{2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
	phase2DHGroups       = []int32{2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
	dpdTimeoutActions    = []string{"clear", "none", "restart"}
	startupActions       = []string{"add", "start"}
)

const (
	defaultDPDTimeoutSeconds = 30
	defaultPhase1Lifetime    = 28800
	defaultPhase2Lifetime    = 3600
	// AWS's reference says 270, but AWS answers 540 for a tunnel created without one,
	// and Terraform, tested against AWS, takes 540 as the default.
	defaultRekeyMargin  = 540
	defaultRekeyFuzz    = 100
	defaultReplayWindow = 1024
)

// insideRange is where tunnels' inside /30s come from; reservedInside are the /30s of it
// AWS keeps for itself.
var (
	insideRange    = netip.MustParsePrefix("169.254.0.0/16")
	reservedInside = []netip.Prefix{
		netip.MustParsePrefix("169.254.0.0/30"), netip.MustParsePrefix("169.254.1.0/30"), netip.MustParsePrefix("169.254.2.0/30"),
		netip.MustParsePrefix("169.254.3.0/30"), netip.MustParsePrefix("169.254.4.0/30"), netip.MustParsePrefix("169.254.5.0/30"),
		netip.MustParsePrefix("169.254.169.252/30"),
	}
)

// newTunnel checks one tunnel's requested options and fills in AWS's defaults and a
// generated key. The inside CIDR, when not given, is chosen later (pickInsideCidr),
// against the gateway's other tunnels.
func newTunnel(spec ec2.VpnTunnelOptionsSpecification) (kit.VpnTunnel, error) {
	t := kit.VpnTunnel{DPDTimeoutAction: "clear", DPDTimeoutSeconds: defaultDPDTimeoutSeconds, Phase1LifetimeSeconds: defaultPhase1Lifetime,
		Phase2LifetimeSeconds: defaultPhase2Lifetime, RekeyMarginTimeSeconds: defaultRekeyMargin, RekeyFuzzPercentage: defaultRekeyFuzz,
		ReplayWindowSize: defaultReplayWindow, StartupAction: "add"}
	if err := applyTunnelOptions(&t, spec); err != nil {
		return t, err
	}
	if t.PreSharedKey == "" {
		t.PreSharedKey = newPreSharedKey()
	}
	return t, nil
}

// applyTunnelOptions checks the options a request names and sets them on t, leaving the
// others as they are: a list the request leaves out keeps its value.
func applyTunnelOptions(t *kit.VpnTunnel, spec ec2.VpnTunnelOptionsSpecification) error {
	if spec.TunnelInsideIpv6Cidr != nil {
		return ec2.ErrInvalidParameterValue("TunnelInsideIpv6Cidr is only supported for VPN connections on a transit gateway.")
	}
	if spec.EnableTunnelLifecycleControl != nil {
		t.EnableTunnelLifecycleControl = *spec.EnableTunnelLifecycleControl
	}
	if s := kit.Deref(spec.TunnelInsideCidr); s != "" {
		p, err := checkInsideCidr(s)
		if err != nil {
			return err
		}
		t.InsideCidr = p
	}
	if s := kit.Deref(spec.PreSharedKey); s != "" {
		if err := checkPreSharedKey(s); err != nil {
			return err
		}
		t.PreSharedKey = s
	}
	var err error
	pick := func(name string, v *string, allowed []string, dst *string) {
		if err == nil && v != nil {
			if !slices.Contains(allowed, *v) {
				err = ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Valid values: %s", *v, name, strings.Join(allowed, ", "))
			}
			*dst = *v
		}
	}
	pick("DPDTimeoutAction", spec.DPDTimeoutAction, dpdTimeoutActions, &t.DPDTimeoutAction)
	pick("StartupAction", spec.StartupAction, startupActions, &t.StartupAction)
	number := func(name string, v *int32, lo, hi int32, dst *int32) {
		if err == nil && v != nil {
			if *v < lo || *v > hi {
				err = ec2.ErrInvalidParameterValue("Value (%d) for parameter %s is invalid. Valid values: %d-%d", *v, name, lo, hi)
			}
			*dst = *v
		}
	}
	number("DPDTimeoutSeconds", spec.DPDTimeoutSeconds, 30, 1<<31-1, &t.DPDTimeoutSeconds)
	number("Phase1LifetimeSeconds", spec.Phase1LifetimeSeconds, 900, 28800, &t.Phase1LifetimeSeconds)
	number("Phase2LifetimeSeconds", spec.Phase2LifetimeSeconds, 900, 3600, &t.Phase2LifetimeSeconds)
	number("RekeyFuzzPercentage", spec.RekeyFuzzPercentage, 0, 100, &t.RekeyFuzzPercentage)
	number("ReplayWindowSize", spec.ReplayWindowSize, 64, 2048, &t.ReplayWindowSize)
	number("RekeyMarginTimeSeconds", spec.RekeyMarginTimeSeconds, 60, t.Phase2LifetimeSeconds/2, &t.RekeyMarginTimeSeconds)
	if err != nil {
		return err
	}
	if t.Phase2LifetimeSeconds >= t.Phase1LifetimeSeconds {
		return ec2.ErrInvalidParameterValue("Phase2LifetimeSeconds (%d) must be less than Phase1LifetimeSeconds (%d)", t.Phase2LifetimeSeconds, t.Phase1LifetimeSeconds)
	}
	if t.RekeyMarginTimeSeconds > t.Phase2LifetimeSeconds/2 {
		return ec2.ErrInvalidParameterValue("RekeyMarginTimeSeconds (%d) must be at most half of Phase2LifetimeSeconds (%d)", t.RekeyMarginTimeSeconds, t.Phase2LifetimeSeconds)
	}
	if t.IKEVersions, err = stringList("IKEVersion", spec.IKEVersions, func(v ec2.IKEVersionsRequestListValue) *string { return v.Value }, ikeVersions, t.IKEVersions); err != nil {
		return err
	}
	if t.Phase1EncryptionAlgorithms, err = stringList("Phase1EncryptionAlgorithm", spec.Phase1EncryptionAlgorithms,
		func(v ec2.Phase1EncryptionAlgorithmsRequestListValue) *string { return v.Value }, encryptionAlgorithms, t.Phase1EncryptionAlgorithms); err != nil {
		return err
	}
	if t.Phase2EncryptionAlgorithms, err = stringList("Phase2EncryptionAlgorithm", spec.Phase2EncryptionAlgorithms,
		func(v ec2.Phase2EncryptionAlgorithmsRequestListValue) *string { return v.Value }, encryptionAlgorithms, t.Phase2EncryptionAlgorithms); err != nil {
		return err
	}
	if t.Phase1IntegrityAlgorithms, err = stringList("Phase1IntegrityAlgorithm", spec.Phase1IntegrityAlgorithms,
		func(v ec2.Phase1IntegrityAlgorithmsRequestListValue) *string { return v.Value }, integrityAlgorithms, t.Phase1IntegrityAlgorithms); err != nil {
		return err
	}
	if t.Phase2IntegrityAlgorithms, err = stringList("Phase2IntegrityAlgorithm", spec.Phase2IntegrityAlgorithms,
		func(v ec2.Phase2IntegrityAlgorithmsRequestListValue) *string { return v.Value }, integrityAlgorithms, t.Phase2IntegrityAlgorithms); err != nil {
		return err
	}
	if t.Phase1DHGroupNumbers, err = numberList("Phase1DHGroupNumber", spec.Phase1DHGroupNumbers,
		func(v ec2.Phase1DHGroupNumbersRequestListValue) *int32 { return v.Value }, phase1DHGroups, t.Phase1DHGroupNumbers); err != nil {
		return err
	}
	t.Phase2DHGroupNumbers, err = numberList("Phase2DHGroupNumber", spec.Phase2DHGroupNumbers,
		func(v ec2.Phase2DHGroupNumbersRequestListValue) *int32 { return v.Value }, phase2DHGroups, t.Phase2DHGroupNumbers)
	return err
}

// stringList reads a list of request values, each one of allowed, without repeats; a
// list left out keeps the current one.
func stringList[T any](name string, in []T, value func(T) *string, allowed, current []string) ([]string, error) {
	if len(in) == 0 {
		return current, nil
	}
	var out []string
	for _, item := range in {
		v := kit.Deref(value(item))
		if !slices.Contains(allowed, v) {
			return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter %s is invalid. Valid values: %s", v, name, strings.Join(allowed, ", "))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func numberList[T any](name string, in []T, value func(T) *int32, allowed, current []int32) ([]int32, error) {
	if len(in) == 0 {
		return current, nil
	}
	var out []int32
	for _, item := range in {
		v := kit.Deref(value(item))
		if !slices.Contains(allowed, v) {
			names := kit.Collect(allowed, func(n int32) string { return strconv.Itoa(int(n)) })
			return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter %s is invalid. Valid values: %s", v, name, strings.Join(names, ", "))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// checkInsideCidr reads a tunnel's inside CIDR: a /30 of 169.254.0.0/16 that AWS does
// not keep.
func checkInsideCidr(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !p.Addr().Is4() || p.Bits() != 30 || p.Masked() != p || !insideRange.Contains(p.Addr()):
		return p, ec2.ErrInvalidParameterValue("The tunnel inside CIDR %s is invalid: it must be a /30 CIDR block from the 169.254.0.0/16 range.", s)
	case slices.Contains(reservedInside, p):
		return p, ec2.ErrInvalidParameterValue("The tunnel inside CIDR %s is reserved and cannot be used.", s)
	}
	return p, nil
}

// checkPreSharedKey applies AWS's rules: 8 to 64 alphanumerics, periods and underscores,
// not starting with zero.
func checkPreSharedKey(s string) error {
	ok := len(s) >= 8 && len(s) <= 64 && s[0] != '0'
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_') {
			ok = false
		}
	}
	if !ok {
		return ec2.ErrInvalidParameterValue("The pre-shared key is invalid. Allowed characters are alphanumeric characters, periods (.), and underscores (_). It must be between 8 and 64 characters in length and cannot start with zero (0).")
	}
	return nil
}

const pskAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"

// newPreSharedKey is a random key of 32 characters, as AWS generates, starting with a
// letter.
func newPreSharedKey() string {
	b := make([]byte, 32)
	for i := range b {
		n := len(pskAlphabet)
		if i == 0 {
			n = 52
		}
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
		b[i] = pskAlphabet[k.Int64()]
	}
	return string(b)
}

// pickInsideCidr picks a random free /30 of 169.254.0.0/16 for a tunnel.
func pickInsideCidr(used map[netip.Prefix]bool) (netip.Prefix, error) {
	for range 1000 {
		k, err := rand.Int(rand.Reader, big.NewInt(1<<14)) // the /30s of a /16
		if err != nil {
			return netip.Prefix{}, err
		}
		n := uint32(k.Int64()) << 2
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, byte(n >> 8), byte(n)}), 30)
		if !used[p] && !slices.Contains(reservedInside, p) {
			return p, nil
		}
	}
	return netip.Prefix{}, ec2.ErrInvalidParameterValue("No free tunnel inside CIDR is left in 169.254.0.0/16 for this gateway.")
}
