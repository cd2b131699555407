package plan

// namespaceSuffix ends the names of the namespaces that are not an instance's (VPC
// routers, NAT gateways, services' interfaces, VPN tunnels, transit gateways) when
// several simulated hosts share one machine: namespace names are global there, and each
// host's router of a VPC is a namespace of its own. "" on a machine that is one host.
var namespaceSuffix string

// SetNamespaceSuffix makes this process name its routers' and gateways' namespaces with
// suffix (vpcd agent --host-netns, one simulated host a process). It is set once, before
// anything is planned or named.
func SetNamespaceSuffix(suffix string) { namespaceSuffix = suffix }

// NamespaceSuffix is what SetNamespaceSuffix set.
func NamespaceSuffix() string { return namespaceSuffix }
