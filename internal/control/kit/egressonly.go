package kit

import (
	"vpcd/internal/ec2"
)

func (g *EgressOnlyInternetGatewayRecord) EC2() *ec2.EgressOnlyInternetGateway {
	return &ec2.EgressOnlyInternetGateway{
		EgressOnlyInternetGatewayId: Ptr(g.ID),
		Tags:                        g.EC2Tags(),
		Attachments:                 []ec2.InternetGatewayAttachment{{State: Ptr("attached"), VpcId: Ptr(g.VpcID)}},
	}
}
