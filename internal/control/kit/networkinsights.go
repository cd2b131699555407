package kit

import ()

// ARN is the ARN of a resource of the caller.
func (c Caller) ARN(id string) string {
	return ARN(c.Region, c.Account, id)
}
