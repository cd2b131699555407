package ec2

// Named constructors for the EC2 error codes vpcd returns, so that a call site says which
// error it means and a test can check every code against the ones AWS documents
// (codes_test.go). Each takes the message as a format and its arguments; all are HTTP 400.

func ErrAddressLimitExceeded(format string, args ...any) *Error {
	return Errorf("AddressLimitExceeded", format, args...)
}

func ErrAttachmentLimitExceeded(format string, args ...any) *Error {
	return Errorf("AttachmentLimitExceeded", format, args...)
}

func ErrAuthFailure(format string, args ...any) *Error {
	return Errorf("AuthFailure", format, args...)
}

func ErrCannotDelete(format string, args ...any) *Error {
	return Errorf("CannotDelete", format, args...)
}

func ErrCidrLimitExceeded(format string, args ...any) *Error {
	return Errorf("CidrLimitExceeded", format, args...)
}

func ErrDefaultSubnetAlreadyExistsInAvailabilityZone(format string, args ...any) *Error {
	return Errorf("DefaultSubnetAlreadyExistsInAvailabilityZone", format, args...)
}

func ErrDefaultVpcAlreadyExists(format string, args ...any) *Error {
	return Errorf("DefaultVpcAlreadyExists", format, args...)
}

func ErrDefaultVpcDoesNotExist(format string, args ...any) *Error {
	return Errorf("DefaultVpcDoesNotExist", format, args...)
}

func ErrDependencyViolation(format string, args ...any) *Error {
	return Errorf("DependencyViolation", format, args...)
}

func ErrGatewayNotAttached(format string, args ...any) *Error {
	return Errorf("Gateway.NotAttached", format, args...)
}

func ErrIdempotentParameterMismatch(format string, args ...any) *Error {
	return Errorf("IdempotentParameterMismatch", format, args...)
}

func ErrIncorrectInstanceState(format string, args ...any) *Error {
	return Errorf("IncorrectInstanceState", format, args...)
}

func ErrIncorrectState(format string, args ...any) *Error {
	return Errorf("IncorrectState", format, args...)
}

func ErrInsufficientAddressCapacity(format string, args ...any) *Error {
	return Errorf("InsufficientAddressCapacity", format, args...)
}

func ErrInsufficientFreeAddressesInSubnet(format string, args ...any) *Error {
	return Errorf("InsufficientFreeAddressesInSubnet", format, args...)
}

func ErrInvalidAMINameDuplicate(format string, args ...any) *Error {
	return Errorf("InvalidAMIName.Duplicate", format, args...)
}

func ErrInvalidAMINameMalformed(format string, args ...any) *Error {
	return Errorf("InvalidAMIName.Malformed", format, args...)
}

func ErrInvalidActionMessage(format string, args ...any) *Error {
	return Errorf("InvalidAction", format, args...)
}

func ErrInvalidAddressNotFound(format string, args ...any) *Error {
	return Errorf("InvalidAddress.NotFound", format, args...)
}

func ErrInvalidAssociationIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidAssociationID.NotFound", format, args...)
}

func ErrInvalidAttachmentIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidAttachmentID.NotFound", format, args...)
}

func ErrInvalidAttachmentNotFound(format string, args ...any) *Error {
	return Errorf("InvalidAttachment.NotFound", format, args...)
}

func ErrInvalidBlockDeviceMapping(format string, args ...any) *Error {
	return Errorf("InvalidBlockDeviceMapping", format, args...)
}

func ErrInvalidCidrBlockInUse(format string, args ...any) *Error {
	return Errorf("InvalidCidrBlock.InUse", format, args...)
}

func ErrInvalidGatewayIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidGatewayID.NotFound", format, args...)
}

func ErrInvalidGroupDuplicate(format string, args ...any) *Error {
	return Errorf("InvalidGroup.Duplicate", format, args...)
}

func ErrInvalidGroupNotFound(format string, args ...any) *Error {
	return Errorf("InvalidGroup.NotFound", format, args...)
}

func ErrInvalidID(format string, args ...any) *Error {
	return Errorf("InvalidID", format, args...)
}

func ErrInvalidIPAddressInUse(format string, args ...any) *Error {
	return Errorf("InvalidIPAddress.InUse", format, args...)
}

func ErrInvalidInput(format string, args ...any) *Error {
	return Errorf("InvalidInput", format, args...)
}

func ErrInvalidInstanceID(format string, args ...any) *Error {
	return Errorf("InvalidInstanceID", format, args...)
}

func ErrInvalidInstanceIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidInstanceID.NotFound", format, args...)
}

func ErrInvalidInstanceType(format string, args ...any) *Error {
	return Errorf("InvalidInstanceType", format, args...)
}

func ErrInvalidKeyPairDuplicate(format string, args ...any) *Error {
	return Errorf("InvalidKeyPair.Duplicate", format, args...)
}

func ErrInvalidKeyPairFormat(format string, args ...any) *Error {
	return Errorf("InvalidKeyPair.Format", format, args...)
}

func ErrInvalidKeyPairNotFound(format string, args ...any) *Error {
	return Errorf("InvalidKeyPair.NotFound", format, args...)
}

func ErrInvalidLaunchTemplateIdMalformed(format string, args ...any) *Error {
	return Errorf("InvalidLaunchTemplateId.Malformed", format, args...)
}

func ErrInvalidLaunchTemplateIdNotFound(format string, args ...any) *Error {
	return Errorf("InvalidLaunchTemplateId.NotFound", format, args...)
}

func ErrInvalidLaunchTemplateIdVersionNotFound(format string, args ...any) *Error {
	return Errorf("InvalidLaunchTemplateId.VersionNotFound", format, args...)
}

func ErrInvalidLaunchTemplateNameAlreadyExistsException(format string, args ...any) *Error {
	return Errorf("InvalidLaunchTemplateName.AlreadyExistsException", format, args...)
}

func ErrInvalidLaunchTemplateNameMalformedException(format string, args ...any) *Error {
	return Errorf("InvalidLaunchTemplateName.MalformedException", format, args...)
}

func ErrInvalidLaunchTemplateNameNotFoundException(format string, args ...any) *Error {
	return Errorf("InvalidLaunchTemplateName.NotFoundException", format, args...)
}

func ErrInvalidNetworkAclEntryNotFound(format string, args ...any) *Error {
	return Errorf("InvalidNetworkAclEntry.NotFound", format, args...)
}

func ErrInvalidNetworkInterfaceAttachmentIdMalformed(format string, args ...any) *Error {
	return Errorf("InvalidNetworkInterfaceAttachmentId.Malformed", format, args...)
}

func ErrInvalidNetworkInterfaceInUse(format string, args ...any) *Error {
	return Errorf("InvalidNetworkInterface.InUse", format, args...)
}

func ErrInvalidNextToken(format string, args ...any) *Error {
	return Errorf("InvalidNextToken", format, args...)
}

func ErrInvalidParameter(format string, args ...any) *Error {
	return Errorf("InvalidParameter", format, args...)
}

func ErrInvalidParameterCombination(format string, args ...any) *Error {
	return Errorf("InvalidParameterCombination", format, args...)
}

func ErrInvalidParameterDependency(format string, args ...any) *Error {
	return Errorf("InvalidParameterDependency", format, args...)
}

func ErrInvalidPermissionDuplicate(format string, args ...any) *Error {
	return Errorf("InvalidPermission.Duplicate", format, args...)
}

func ErrInvalidPermissionNotFound(format string, args ...any) *Error {
	return Errorf("InvalidPermission.NotFound", format, args...)
}

func ErrInvalidPublicIpv4PoolIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidPublicIpv4PoolID.NotFound", format, args...)
}

func ErrInvalidRegion(format string, args ...any) *Error {
	return Errorf("InvalidRegion", format, args...)
}

func ErrInvalidRequest(format string, args ...any) *Error {
	return Errorf("InvalidRequest", format, args...)
}

func ErrInvalidRouteNotFound(format string, args ...any) *Error {
	return Errorf("InvalidRoute.NotFound", format, args...)
}

func ErrInvalidSecurityGroupRuleIdMalformed(format string, args ...any) *Error {
	return Errorf("InvalidSecurityGroupRuleId.Malformed", format, args...)
}

func ErrInvalidSecurityGroupRuleIdNotFound(format string, args ...any) *Error {
	return Errorf("InvalidSecurityGroupRuleId.NotFound", format, args...)
}

func ErrInvalidStateTransition(format string, args ...any) *Error {
	return Errorf("InvalidStateTransition", format, args...)
}

func ErrInvalidSubnetCidrBlockAssociationIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidSubnetCidrBlockAssociationID.NotFound", format, args...)
}

func ErrInvalidSubnetConflict(format string, args ...any) *Error {
	return Errorf("InvalidSubnet.Conflict", format, args...)
}

func ErrInvalidSubnetRange(format string, args ...any) *Error {
	return Errorf("InvalidSubnet.Range", format, args...)
}

func ErrInvalidUserIDMalformed(format string, args ...any) *Error {
	return Errorf("InvalidUserID.Malformed", format, args...)
}

func ErrInvalidVolumeZoneMismatch(format string, args ...any) *Error {
	return Errorf("InvalidVolume.ZoneMismatch", format, args...)
}

func ErrInvalidVpcCidrBlockAssociationIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidVpcCidrBlockAssociationID.NotFound", format, args...)
}

func ErrInvalidVpcPeeringConnectionIDNotFound(format string, args ...any) *Error {
	return Errorf("InvalidVpcPeeringConnectionID.NotFound", format, args...)
}

func ErrInvalidVpcPeeringConnectionIdMalformed(format string, args ...any) *Error {
	return Errorf("InvalidVpcPeeringConnectionId.Malformed", format, args...)
}

func ErrInvalidVpcRange(format string, args ...any) *Error {
	return Errorf("InvalidVpc.Range", format, args...)
}

func ErrInvalidVpcState(format string, args ...any) *Error {
	return Errorf("InvalidVpcState", format, args...)
}

func ErrInvalidVpnConnectionInvalidType(format string, args ...any) *Error {
	return Errorf("InvalidVpnConnection.InvalidType", format, args...)
}

func ErrInvalidVpnGatewayAttachmentNotFound(format string, args ...any) *Error {
	return Errorf("InvalidVpnGatewayAttachment.NotFound", format, args...)
}

func ErrKeyPairLimitExceeded(format string, args ...any) *Error {
	return Errorf("KeyPairLimitExceeded", format, args...)
}

func ErrMalformedQueryString(format string, args ...any) *Error {
	return Errorf("MalformedQueryString", format, args...)
}

func ErrMaxTemplateLimitExceeded(format string, args ...any) *Error {
	return Errorf("MaxTemplateLimitExceeded", format, args...)
}

func ErrMaxTemplateVersionLimitExceeded(format string, args ...any) *Error {
	return Errorf("MaxTemplateVersionLimitExceeded", format, args...)
}

func ErrMissingAction(format string, args ...any) *Error {
	return Errorf("MissingAction", format, args...)
}

func ErrMissingInput(format string, args ...any) *Error {
	return Errorf("MissingInput", format, args...)
}

func ErrMissingParameterMessage(format string, args ...any) *Error {
	return Errorf("MissingParameter", format, args...)
}

func ErrNatGatewayLimitExceeded(format string, args ...any) *Error {
	return Errorf("NatGatewayLimitExceeded", format, args...)
}

func ErrNatGatewayMalformed(format string, args ...any) *Error {
	return Errorf("NatGatewayMalformed", format, args...)
}

func ErrNatGatewayNotFound(format string, args ...any) *Error {
	return Errorf("NatGatewayNotFound", format, args...)
}

func ErrNetworkAclEntryAlreadyExists(format string, args ...any) *Error {
	return Errorf("NetworkAclEntryAlreadyExists", format, args...)
}

func ErrNetworkAclEntryLimitExceeded(format string, args ...any) *Error {
	return Errorf("NetworkAclEntryLimitExceeded", format, args...)
}

func ErrNoSuchVersion(format string, args ...any) *Error {
	return Errorf("NoSuchVersion", format, args...)
}

func ErrOperationNotPermitted(format string, args ...any) *Error {
	return Errorf("OperationNotPermitted", format, args...)
}

func ErrPrefixListVersionMismatch(format string, args ...any) *Error {
	return Errorf("PrefixListVersionMismatch", format, args...)
}

func ErrPrivateIpAddressLimitExceeded(format string, args ...any) *Error {
	return Errorf("PrivateIpAddressLimitExceeded", format, args...)
}

func ErrRequestExpired(format string, args ...any) *Error {
	return Errorf("RequestExpired", format, args...)
}

func ErrResourceAlreadyAssociated(format string, args ...any) *Error {
	return Errorf("Resource.AlreadyAssociated", format, args...)
}

func ErrResourceLimitExceeded(format string, args ...any) *Error {
	return Errorf("ResourceLimitExceeded", format, args...)
}

func ErrRouteAlreadyExists(format string, args ...any) *Error {
	return Errorf("RouteAlreadyExists", format, args...)
}

func ErrRulesPerSecurityGroupLimitExceeded(format string, args ...any) *Error {
	return Errorf("RulesPerSecurityGroupLimitExceeded", format, args...)
}

func ErrSecurityGroupLimitExceeded(format string, args ...any) *Error {
	return Errorf("SecurityGroupLimitExceeded", format, args...)
}

func ErrSecurityGroupsPerInterfaceLimitExceeded(format string, args ...any) *Error {
	return Errorf("SecurityGroupsPerInterfaceLimitExceeded", format, args...)
}

func ErrTagLimitExceeded(format string, args ...any) *Error {
	return Errorf("TagLimitExceeded", format, args...)
}

func ErrUnauthorizedOperation(format string, args ...any) *Error {
	return Errorf("UnauthorizedOperation", format, args...)
}

func ErrUnsupportedHibernationConfiguration(format string, args ...any) *Error {
	return Errorf("UnsupportedHibernationConfiguration", format, args...)
}

func ErrUnsupportedOperation(format string, args ...any) *Error {
	return Errorf("UnsupportedOperation", format, args...)
}

func ErrVPCIdNotSpecified(format string, args ...any) *Error {
	return Errorf("VPCIdNotSpecified", format, args...)
}

func ErrVcpuLimitExceeded(format string, args ...any) *Error {
	return Errorf("VcpuLimitExceeded", format, args...)
}

func ErrVolumeInUse(format string, args ...any) *Error {
	return Errorf("VolumeInUse", format, args...)
}

func ErrVpcLimitExceeded(format string, args ...any) *Error {
	return Errorf("VpcLimitExceeded", format, args...)
}

func ErrVpcPeeringConnectionAlreadyExists(format string, args ...any) *Error {
	return Errorf("VpcPeeringConnectionAlreadyExists", format, args...)
}

func ErrVpnConnectionLimitExceeded(format string, args ...any) *Error {
	return Errorf("VpnConnectionLimitExceeded", format, args...)
}

func ErrVpnGatewayAttachmentLimitExceeded(format string, args ...any) *Error {
	return Errorf("VpnGatewayAttachmentLimitExceeded", format, args...)
}
