package flowlog

import (
	"strconv"
	"strings"

	"vpcd/internal/model"
)

// DefaultFormat is the version 2 format of a flow log that asks for no other.
const DefaultFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

// Fields are the documented fields of a record, up to version 5, by the version that
// brought them.
var Fields = map[string]int{
	"version": 2, "account-id": 2, "interface-id": 2, "srcaddr": 2, "dstaddr": 2, "srcport": 2, "dstport": 2,
	"protocol": 2, "packets": 2, "bytes": 2, "start": 2, "end": 2, "action": 2, "log-status": 2,
	"vpc-id": 3, "subnet-id": 3, "instance-id": 3, "tcp-flags": 3, "type": 3, "pkt-srcaddr": 3, "pkt-dstaddr": 3,
	"region": 4, "az-id": 4, "sublocation-type": 4, "sublocation-id": 4,
	"pkt-src-aws-service": 5, "pkt-dst-aws-service": 5, "flow-direction": 5, "traffic-path": 5,
}

// Version is a format's record version: the highest version among its fields.
func Version(format []string) int {
	v := 2
	for _, f := range format {
		v = max(v, Fields[f])
	}
	return v
}

// Interface is what a record says of the interface besides the flow; "" for what is
// not known, which renders as "-".
type Interface struct {
	ID, Account, VPC, Subnet, Instance, AZID string
}

// InterfaceOf is what the network knows of an interface. The account is left to the
// flow log's owner, the zone ID to the caller.
func InterfaceOf(n *model.Network, id string) Interface {
	out := Interface{ID: id}
	if e := n.Interfaces[id]; e != nil {
		out.VPC, out.Subnet, out.Instance = e.VPC, e.Subnet, e.Instance
	}
	return out
}

// Render writes a flow as a record in the flow log's format: its fields' values
// separated by spaces, "-" for a value that does not apply or is not known, as AWS
// writes them.
func Render(fl *model.FlowLog, iface Interface, f Flow) string {
	var b strings.Builder
	for i, name := range fl.Format {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(value(name, fl, iface, &f))
	}
	return b.String()
}

// statusFields are the fields a NODATA or SKIPDATA record has: those of the flow log
// and of the interface, the interval's start and end, and the status.
var statusFields = map[string]bool{"version": true, "account-id": true, "interface-id": true, "start": true, "end": true,
	"log-status": true, "vpc-id": true, "subnet-id": true, "instance-id": true, "region": true, "az-id": true}

func value(name string, fl *model.FlowLog, iface Interface, f *Flow) string {
	if f.LogStatus != "" && !statusFields[name] {
		return "-"
	}
	switch name {
	case "version":
		return strconv.Itoa(Version(fl.Format))
	case "account-id":
		return dash(cmpOr(iface.Account, fl.Owner))
	case "interface-id":
		return f.Interface
	case "srcaddr":
		return f.Src.String()
	case "dstaddr":
		return f.Dst.String()
	case "srcport":
		return strconv.Itoa(int(f.SrcPort))
	case "dstport":
		return strconv.Itoa(int(f.DstPort))
	case "protocol":
		return strconv.Itoa(int(f.Protocol))
	case "packets":
		return strconv.FormatInt(f.Packets, 10)
	case "bytes":
		return strconv.FormatInt(f.Bytes, 10)
	case "start":
		return strconv.FormatInt(f.First.Unix(), 10)
	case "end":
		return strconv.FormatInt(f.Last.Unix(), 10)
	case "action":
		return f.Action
	case "log-status":
		return cmpOr(f.LogStatus, "OK")
	case "vpc-id":
		return dash(iface.VPC)
	case "subnet-id":
		return dash(iface.Subnet)
	case "instance-id":
		return dash(iface.Instance)
	case "tcp-flags":
		return strconv.Itoa(int(f.TCPFlags))
	case "type":
		if f.Src.Is6() && !f.Src.Is4In6() {
			return "IPv6"
		}
		return "IPv4"
	case "pkt-srcaddr":
		if f.PktSrc.IsValid() {
			return f.PktSrc.String()
		}
		return f.Src.String()
	case "pkt-dstaddr":
		if f.PktDst.IsValid() {
			return f.PktDst.String()
		}
		return f.Dst.String()
	case "region":
		return dash(fl.Region)
	case "az-id":
		return dash(iface.AZID)
	case "flow-direction":
		return f.Direction.String()
	case "traffic-path":
		if f.Direction == Egress && f.TrafficPath != 0 {
			return strconv.Itoa(f.TrafficPath)
		}
	}
	// sublocation-type and -id (Wavelength, Outposts, Local Zones), the AWS services of
	// pkt-src/dst-aws-service, and what a record does not know.
	return "-"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
