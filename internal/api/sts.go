package api

import (
	"fmt"
	"net/http"
	"net/url"

	"vpcd/internal/control"
)

// STS's GetCallerIdentity is served too, so that tools which ask who they are before
// they start (the Terraform AWS provider unless skip_requesting_account_id is set) learn
// the account that vpcd gives their access key: point their STS endpoint at vpcd.

func isCallerIdentity(params url.Values) bool {
	return params.Get("Action") == "GetCallerIdentity" && params.Get("Version") == "2011-06-15"
}

func writeCallerIdentity(w http.ResponseWriter, reqID string, c control.Caller) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::%s:root</Arn>
    <UserId>%s</UserId>
    <Account>%s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>%s</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`, c.Account, c.Account, c.Account, reqID)
}
