package elb

import "vpcd/internal/ec2"

// Errors with the codes of the service's model, named so that call sites say which they mean.

func errAllocationIdNotFound(format string, args ...any) error {
	return ec2.Errorf("AllocationIdNotFound", format, args...)
}

func errCertificateNotFound(format string, args ...any) error {
	return ec2.Errorf("CertificateNotFound", format, args...)
}

func errDuplicateListener(format string, args ...any) error {
	return ec2.Errorf("DuplicateListener", format, args...)
}

func errDuplicateLoadBalancerName(format string, args ...any) error {
	return ec2.Errorf("DuplicateLoadBalancerName", format, args...)
}

func errDuplicateTagKeys(format string, args ...any) error {
	return ec2.Errorf("DuplicateTagKeys", format, args...)
}

func errDuplicateTargetGroupName(format string, args ...any) error {
	return ec2.Errorf("DuplicateTargetGroupName", format, args...)
}

func errIncompatibleProtocols(format string, args ...any) error {
	return ec2.Errorf("IncompatibleProtocols", format, args...)
}

func errInvalidLoadBalancerAction(format string, args ...any) error {
	return ec2.Errorf("InvalidLoadBalancerAction", format, args...)
}

func errInvalidSecurityGroup(format string, args ...any) error {
	return ec2.Errorf("InvalidSecurityGroup", format, args...)
}

func errInvalidSubnet(format string, args ...any) error {
	return ec2.Errorf("InvalidSubnet", format, args...)
}

func errLoadBalancerNameNotFound(format string, args ...any) error {
	return ec2.Errorf("LoadBalancerNotFound", format, args...)
}

func errOperationNotPermitted(format string, args ...any) error {
	return ec2.Errorf("OperationNotPermitted", format, args...)
}

func errResourceInUse(format string, args ...any) error {
	return ec2.Errorf("ResourceInUse", format, args...)
}

func errSubnetNotFound(format string, args ...any) error {
	return ec2.Errorf("SubnetNotFound", format, args...)
}

func errTargetGroupAssociationLimit(format string, args ...any) error {
	return ec2.Errorf("TargetGroupAssociationLimit", format, args...)
}

func errTargetGroupNameNotFound(format string, args ...any) error {
	return ec2.Errorf("TargetGroupNotFound", format, args...)
}

func errTooManyActions(format string, args ...any) error {
	return ec2.Errorf("TooManyActions", format, args...)
}

func errTooManyListeners(format string, args ...any) error {
	return ec2.Errorf("TooManyListeners", format, args...)
}

func errTooManyLoadBalancers(format string, args ...any) error {
	return ec2.Errorf("TooManyLoadBalancers", format, args...)
}

func errTooManyTags(format string, args ...any) error {
	return ec2.Errorf("TooManyTags", format, args...)
}

func errTooManyTargetGroups(format string, args ...any) error {
	return ec2.Errorf("TooManyTargetGroups", format, args...)
}

func errTooManyTargets(format string, args ...any) error {
	return ec2.Errorf("TooManyTargets", format, args...)
}
