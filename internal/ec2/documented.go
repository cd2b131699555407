package ec2

import (
	_ "embed"
	"strings"
	"sync"
)

// documentedCodes is AWS's list of EC2 error codes ("Error codes for the Amazon EC2 API"),
// read on the date its header gives.
//
//go:embed testdata/error-codes.txt
var documentedCodes string

var documented = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(documentedCodes, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
})

// ObservedCodes are codes vpcd returns that the list of EC2 error codes leaves out but real
// EC2 is known to return, each with where that is seen (testdata/error-codes-missing.md
// has the sources). A code in neither list must not be returned.
var ObservedCodes = map[string]string{
	"InvalidVpc.Range":                                "CreateVpc with a block outside /16-/28 (Terraform and other clients quote it)",
	"InvalidCidrBlock.InUse":                          "AssociateVpcCidrBlock with a block in use (terraform-provider-aws#29077)",
	"CidrLimitExceeded":                               "a sixth VPC CIDR block (clients written against EC2 catch it)",
	"InvalidVpcCidrBlockAssociationID.NotFound":       "the Terraform provider matches on it",
	"InvalidPublicIpv4PoolID.NotFound":                "the Terraform provider matches on it",
	"InvalidTransitGatewayID.NotFound":                "the Terraform provider matches on it",
	"InvalidTransitGatewayAttachmentID.NotFound":      "the Terraform provider and AWS's CloudFormation handlers match on it",
	"TransitGatewayLimitExceeded":                     "AWS's CloudFormation handlers for transit gateways match on it",
	"TransitGatewayRouteTablePropagation.Duplicate":   "EnableTransitGatewayRouteTablePropagation twice (users' scripts catch it, quoting \"Propagation tgw-attach-… already exists in Transit Gateway Route Table tgw-rtb-…\")",
	"DuplicateTransitGatewayAttachment":               "a second attachment of one VPC to one transit gateway (terraform-aws-modules' transit gateway documentation quotes it)",
	"PrefixListVersionMismatch":                       "the Terraform provider matches on it",
	"InvalidNetworkInsightsPathId.NotFound":           "the Terraform provider matches on it",
	"InvalidNetworkInsightsAnalysisId.NotFound":       "the Terraform provider matches on it",
	"InvalidNetworkInsightsAccessScopeId.NotFound":    "the Terraform provider treats it as not found",
	"InvalidSubnetCidrBlockAssociationID.NotFound":    "Eucalyptus's SDK tests, also run against AWS, expect it",
	"InvalidNetworkInsightsAnalysisId.Malformed":      "AWS's CloudFormation handlers for the kind match on it",
	"InvalidVpcBlockPublicAccessExclusionId.NotFound": "the Terraform provider matches on it",
	"InvalidConnectionNotification":                   "a VPC endpoint connection notification that does not exist (the Terraform provider matches on it)",
	"RequestEntityTooLarge":                           "HTTP 413 for a request body over the limit, as AWS's front end answers",
}

// Documented reports whether AWS documents code as an EC2 error code, or real EC2 is seen
// to return it (ObservedCodes).
func Documented(code string) bool {
	_, seen := ObservedCodes[code]
	return documented()[code] || seen
}
