package dns

import (
	"fmt"
	"strings"

	"vpcd/internal/ec2"
)

// Route 53's errors, with its codes (each an error shape of the route53 model) and, where
// AWS's wording is known, its messages.

func errNoSuchHostedZone(id string) error {
	return ec2.Errorf("NoSuchHostedZone", "No hosted zone found with ID: %s", id)
}

func errNoSuchChange(id string) error {
	return ec2.Errorf("NoSuchChange", "A change with the specified change ID does not exist: %s", id)
}

func errInvalidInput(format string, args ...any) error {
	return ec2.Errorf("InvalidInput", format, args...)
}

func errInvalidDomainName(name string) error {
	return ec2.Errorf("InvalidDomainName", "%s is not a valid domain name.", name)
}

// errTopLevelDomain: a public zone cannot be a top-level domain such as com.
func errTopLevelDomain(name string) error {
	return ec2.Errorf("InvalidDomainName", "%s is a top-level domain: a public hosted zone cannot be created for it.", name)
}

func errHostedZoneAlreadyExists(name, ref string) error {
	return ec2.Errorf("HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference (%s) for %s.", ref, name)
}

func errHostedZoneNotEmpty() error {
	return ec2.Errorf("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.")
}

func errInvalidVPCID(format string, args ...any) error {
	return ec2.Errorf("InvalidVPCId", format, args...)
}

func errConflictingDomainExists(format string, args ...any) error {
	return ec2.Errorf("ConflictingDomainExists", format, args...)
}

func errPublicZoneVPCAssociation(zone, vpc string) error {
	return ec2.Errorf("PublicZoneVPCAssociation", "Attempting to associate public zone: %s with vpc: %s", zone, vpc)
}

func errHostedZoneNotPrivate(zone string) error {
	return ec2.Errorf("HostedZoneNotPrivate", "The hosted zone %s is not a private hosted zone.", zone)
}

func errVPCAssociationNotFound(vpc, zone string) error {
	return ec2.Errorf("VPCAssociationNotFound", "The specified VPC %s and hosted zone %s are not currently associated.", vpc, zone)
}

func errLastVPCAssociation(vpc, zone string) error {
	return ec2.Errorf("LastVPCAssociation", "The VPC %s is the last VPC associated with the hosted zone %s; Route 53 doesn't support disassociating the last VPC from a private hosted zone.", vpc, zone)
}

func errNotAuthorized(vpc, zone string) error {
	return ec2.Errorf("NotAuthorizedException", "The VPC: %s has not been authorized to associate with the hosted zone: %s.", vpc, zone)
}

func errVPCAssociationAuthorizationNotFound(vpc, zone string) error {
	return ec2.Errorf("VPCAssociationAuthorizationNotFound", "The VPC: %s has not been authorized to associate with the hosted zone: %s.", vpc, zone)
}

func errNoSuchDelegationSet(id string) error {
	return ec2.Errorf("NoSuchDelegationSet", "A reusable delegation set with the specified ID does not exist: %s", id)
}

func errInvalidPaginationToken() error {
	return ec2.Errorf("InvalidPaginationToken", "The value that you specified to get the next page of results is invalid.")
}

// errInvalidChangeBatch lists every problem of a change batch, as Route 53 does:
// "[Tried to create resource record set [name='a.example.com.', type='A'] but it already exists]".
func errInvalidChangeBatch(problems []string) error {
	return ec2.Errorf("InvalidChangeBatch", "[%s]", strings.Join(problems, ", "))
}

// errValidation is the InvalidInput of a member that breaks the model's constraints, in
// the wording of AWS's validation errors.
func errValidation(value any, member, constraint string) error {
	return ec2.Errorf("InvalidInput", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", fmt.Sprint(value), member, constraint)
}

func errNoSuchHealthCheck(id string) error {
	return ec2.Errorf("NoSuchHealthCheck", "A health check with id %s does not exist.", id)
}

func errTooManyHostedZones() error {
	return ec2.Errorf("TooManyHostedZones", "This operation can't be completed because the current account has reached the limit on the number of hosted zones (%d).", maxHostedZones)
}

func errLimitsExceeded(zone string) error {
	return ec2.Errorf("LimitsExceeded", "The hosted zone %s is already associated with the maximum number of VPCs (%d).", zone, maxZoneVPCs)
}

func errTooManyVPCAssociationAuthorizations(zone string) error {
	return ec2.Errorf("TooManyVPCAssociationAuthorizations", "The hosted zone %s already has the maximum number of VPC association authorizations (%d).", zone, maxAuthorizations)
}
