package directconnect

import "vpcd/internal/ec2"

// Errors with the codes of the service's model, named so that call sites say which they mean.

func errDuplicateTagKeys(format string, args ...any) error {
	return ec2.Errorf("DuplicateTagKeysException", format, args...)
}
