package api

import (
	"vpcd/internal/aws/logs"
	"vpcd/internal/control"
)

// CloudWatch Logs is served for log groups, streams and their events (control/logs), where
// flow logs deliver their records and where `aws logs tail`, `aws logs filter-log-events`
// and Terraform's aws_cloudwatch_log_group find them. Metric and subscription filters,
// Logs Insights queries, exports, deliveries and the rest stay unserved.
func registerLogs(s *Server, svc *control.Service) {
	s.addService(logs.API, jsonProtocol{desc: &logs.API})
	l := svc.Logs
	HandleNoOutput(s, "logs", "CreateLogGroup", l.CreateLogGroup)
	HandleNoOutput(s, "logs", "DeleteLogGroup", l.DeleteLogGroup)
	Handle(s, "logs", "DescribeLogGroups", l.DescribeLogGroups)
	HandleNoOutput(s, "logs", "CreateLogStream", l.CreateLogStream)
	HandleNoOutput(s, "logs", "DeleteLogStream", l.DeleteLogStream)
	Handle(s, "logs", "DescribeLogStreams", l.DescribeLogStreams)
	Handle(s, "logs", "PutLogEvents", l.PutLogEvents)
	Handle(s, "logs", "GetLogEvents", l.GetLogEvents)
	Handle(s, "logs", "FilterLogEvents", l.FilterLogEvents)
	HandleNoOutput(s, "logs", "PutRetentionPolicy", l.PutRetentionPolicy)
	HandleNoOutput(s, "logs", "DeleteRetentionPolicy", l.DeleteRetentionPolicy)
	HandleNoOutput(s, "logs", "TagResource", l.TagResource)
	HandleNoOutput(s, "logs", "UntagResource", l.UntagResource)
	Handle(s, "logs", "ListTagsForResource", l.ListTagsForResource)
	HandleNoOutput(s, "logs", "TagLogGroup", l.TagLogGroup)
	HandleNoOutput(s, "logs", "UntagLogGroup", l.UntagLogGroup)
	Handle(s, "logs", "ListTagsLogGroup", l.ListTagsLogGroup)
}
