package kit

import (
	"vpcd/internal/ec2"
)

// EC2 is the gateway as AWS shows it: an attached gateway's attachment is "available".
func (g *InternetGatewayRecord) EC2() *ec2.InternetGateway {
	out := &ec2.InternetGateway{
		InternetGatewayId: Ptr(g.ID),
		OwnerId:           Ptr(g.Owner),
		Tags:              g.EC2Tags(),
		Attachments:       []ec2.InternetGatewayAttachment{},
	}
	if g.VpcID != "" {
		out.Attachments = append(out.Attachments, ec2.InternetGatewayAttachment{State: Ptr("available"), VpcId: Ptr(g.VpcID)})
	}
	return out
}
