package control

// dhcpOptionsRecord is a DHCP option set: option name → values ("domain-name",
// "domain-name-servers", "ntp-servers", ...).
type dhcpOptionsRecord struct {
	meta
	Options map[string][]string `json:"options"`
}

// defaultDhcpOptionsKey remembers the ID of the account's default option set in a region.
func defaultDhcpOptionsKey(c Caller) string {
	return c.Account + "/" + c.Region + "/account/default-dhcp-options"
}

// defaultDomainName is the domain AWS's default option set gives instances of a region.
func defaultDomainName(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// defaultDhcpOptions returns the ID of the caller's default DHCP option set, creating it
// the first time, as every AWS account has one per region (AmazonProvidedDNS and the
// region's domain).
func defaultDhcpOptions(t *txn, c Caller) (string, error) {
	var id string
	ok, err := t.get(defaultDhcpOptionsKey(c), &id)
	if err != nil || ok {
		return id, err
	}
	set := &dhcpOptionsRecord{
		meta: meta{ID: newID("dopt"), Owner: c.Account},
		Options: map[string][]string{
			"domain-name":         {defaultDomainName(c.Region)},
			"domain-name-servers": {"AmazonProvidedDNS"},
		},
	}
	if err := t.put(c.key(set.ID), set); err != nil {
		return "", err
	}
	return set.ID, t.put(defaultDhcpOptionsKey(c), set.ID)
}
