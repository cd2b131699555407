// Package logs answers the Amazon CloudWatch Logs actions vpcd serves (log groups, log
// streams, their events, retention and tags), so that flow logs have somewhere to go that
// `aws logs tail`, `aws logs filter-log-events` and Terraform's aws_cloudwatch_log_group
// read as they do on AWS. Flow-log records enter through Append (see events.go).
//
// Events are appended often, so they are not kept in the records that describe them: each
// append writes one key of its own under its stream (one batch) and the stream's small
// record, never the group or the stream's earlier events. Streams and batches are keyed
// by the ID of the group and stream they belong to, not by name, so that deleting a
// group or stream is one write that hides everything under it at once; what was under
// it is then removed in bounded transactions (see clear).
//
// Keys, per account and region:
//
//	A/R/logs/group/ESC(name)          a log group (groupRecord)
//	A/R/logs/stream/GID/ESC(name)     a log stream of the group with ID GID (streamRecord)
//	A/R/logs/event/SID/SEQ            one batch of the stream with ID SID (batchRecord)
//
// ESC is url.PathEscape, which also escapes the slashes of names like /aws/vpc/flowlogs.
package logs

import (
	"net/url"
	"regexp"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// Logs answers the actions of the family over the shared kit.
type Logs struct{ *kit.Kit }

// groupRecord is a log group.
type groupRecord struct {
	ID                 string            `json:"id"` // keys its streams; new for each creation of the name
	Name               string            `json:"name"`
	Created            int64             `json:"created"` // ms since the epoch
	RetentionInDays    int32             `json:"retentionInDays,omitempty"`
	Class              string            `json:"class"`
	KmsKeyID           string            `json:"kmsKeyId,omitempty"`
	DeletionProtection bool              `json:"deletionProtection,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// streamRecord is a log stream. Seq numbers its batches.
type streamRecord struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Created       int64  `json:"created"`
	FirstEvent    int64  `json:"firstEvent,omitempty"`
	LastEvent     int64  `json:"lastEvent,omitempty"`
	LastIngestion int64  `json:"lastIngestion,omitempty"`
	StoredBytes   int64  `json:"storedBytes,omitempty"`
	Seq           int64  `json:"seq"` // the last batch written
}

// batchRecord is the events of one append, in the order given.
type batchRecord struct {
	Ingestion int64   `json:"i"`
	Events    []event `json:"e"`
}

type event struct {
	Timestamp int64  `json:"t"`
	Message   string `json:"m"`
}

func groupKey(c kit.Caller, name string) string {
	return c.Prefix("logs") + "group/" + url.PathEscape(name)
}

func streamPrefix(c kit.Caller, groupID string) string {
	return c.Prefix("logs") + "stream/" + groupID + "/"
}

func streamKey(c kit.Caller, groupID, name string) string {
	return streamPrefix(c, groupID) + url.PathEscape(name)
}

func batchPrefix(c kit.Caller, streamID string) string {
	return c.Prefix("logs") + "event/" + streamID + "/"
}

// ARNs as CloudWatch Logs writes them: a group's "arn" ends in ":*", its "logGroupArn"
// does not.
func groupARN(c kit.Caller, name string) string {
	return "arn:aws:logs:" + c.Region + ":" + c.Account + ":log-group:" + name
}

func streamARN(c kit.Caller, group, stream string) string {
	return groupARN(c, group) + ":log-stream:" + stream
}

// The errors of the logs model, with the messages CloudWatch Logs answers.

func errInvalidParameter(format string, args ...any) error {
	return ec2.Errorf("InvalidParameterException", format, args...)
}

func errGroupNotFound() error {
	return ec2.Errorf("ResourceNotFoundException", "The specified log group does not exist.")
}

func errStreamNotFound() error {
	return ec2.Errorf("ResourceNotFoundException", "The specified log stream does not exist.")
}

func errResourceNotFound() error {
	return ec2.Errorf("ResourceNotFoundException", "The specified resource does not exist.")
}

func errGroupExists() error {
	return ec2.Errorf("ResourceAlreadyExistsException", "The specified log group already exists")
}

func errStreamExists() error {
	return ec2.Errorf("ResourceAlreadyExistsException", "The specified log stream already exists")
}

func errDeletionProtected(name string) error {
	return ec2.Errorf("OperationAbortedException", "Log group %s has deletion protection enabled.", name)
}

func errTooManyTags() error {
	return ec2.Errorf("TooManyTagsException", "A resource can have no more than %d tags.", maxTags)
}

var (
	groupNamePattern  = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]+$`)
	streamNamePattern = regexp.MustCompile(`^[^:*]*$`)
)

// validationError is the message of AWS's model validation, which CloudWatch Logs
// answers as InvalidParameterException.
func validationError(value, member, constraint string) error {
	return errInvalidParameter("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func checkGroupName(name, member string) error {
	switch {
	case len(name) < 1 || len(name) > 512:
		return validationError(name, member, "Member must have length less than or equal to 512")
	case !groupNamePattern.MatchString(name):
		return validationError(name, member, `Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`)
	}
	return nil
}

func checkStreamName(name string) error {
	switch {
	case len(name) < 1 || len(name) > 512:
		return validationError(name, "logStreamName", "Member must have length less than or equal to 512")
	case !streamNamePattern.MatchString(name):
		return validationError(name, "logStreamName", "Member must satisfy regular expression pattern: [^:*]*")
	}
	return nil
}

// groupName is the group an action names by logGroupName or logGroupIdentifier (a name
// or an ARN), exactly one of them.
func groupName(name, identifier *string) (string, error) {
	switch {
	case name != nil && identifier != nil:
		return "", errInvalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case identifier != nil:
		id := *identifier
		if strings.HasPrefix(id, "arn:") {
			parts := strings.SplitN(id, ":", 7)
			if len(parts) < 7 || parts[5] != "log-group" {
				return "", errInvalidParameter("Invalid log group ARN: %s", id)
			}
			id = strings.TrimSuffix(parts[6], ":*")
		}
		return id, nil
	case name != nil:
		return *name, nil
	}
	return "", errInvalidParameter("Either LogGroupName or LogGroupIdentifier must be specified.")
}

// getGroup reads a log group by name.
func getGroup(t *kit.Txn, c kit.Caller, name string) (*groupRecord, error) {
	var g groupRecord
	ok, err := t.Get(groupKey(c, name), &g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errGroupNotFound()
	}
	return &g, nil
}

// getStream reads a stream of a group by name.
func getStream(t *kit.Txn, c kit.Caller, g *groupRecord, name string) (*streamRecord, error) {
	var s streamRecord
	ok, err := t.Get(streamKey(c, g.ID, name), &s)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errStreamNotFound()
	}
	return &s, nil
}
