package api

import (
	"net/url"
	"testing"
)

// s3Action names the IAM action and resource of each kind of S3 request as S3's
// authorization documentation lists them.
func TestS3Action(t *testing.T) {
	for _, tc := range []struct {
		method, query, bucket, key string
		action, resource           string
	}{
		{"GET", "", "", "", "s3:ListAllMyBuckets", "arn:aws:s3:::*"},
		{"PUT", "", "b", "", "s3:CreateBucket", "arn:aws:s3:::b"},
		{"DELETE", "", "b", "", "s3:DeleteBucket", "arn:aws:s3:::b"},
		{"GET", "list-type=2&prefix=a", "b", "", "s3:ListBucket", "arn:aws:s3:::b"},
		{"HEAD", "", "b", "", "s3:ListBucket", "arn:aws:s3:::b"},
		{"GET", "location", "b", "", "s3:GetBucketLocation", "arn:aws:s3:::b"},
		{"GET", "policy", "b", "", "s3:GetBucketPolicy", "arn:aws:s3:::b"},
		{"PUT", "policy", "b", "", "s3:PutBucketPolicy", "arn:aws:s3:::b"},
		{"DELETE", "policy", "b", "", "s3:DeleteBucketPolicy", "arn:aws:s3:::b"},
		{"GET", "versioning", "b", "", "s3:GetBucketVersioning", "arn:aws:s3:::b"},
		{"GET", "versions", "b", "", "s3:ListBucketVersions", "arn:aws:s3:::b"},
		{"GET", "uploads", "b", "", "s3:ListBucketMultipartUploads", "arn:aws:s3:::b"},
		{"PUT", "tagging", "b", "", "s3:PutBucketTagging", "arn:aws:s3:::b"},
		{"DELETE", "tagging", "b", "", "s3:PutBucketTagging", "arn:aws:s3:::b"},
		{"DELETE", "website", "b", "", "s3:DeleteBucketWebsite", "arn:aws:s3:::b"},
		{"DELETE", "cors", "b", "", "s3:PutBucketCORS", "arn:aws:s3:::b"},
		{"DELETE", "lifecycle", "b", "", "s3:PutLifecycleConfiguration", "arn:aws:s3:::b"},
		{"POST", "delete", "b", "", "s3:DeleteObject", "arn:aws:s3:::b"},
		{"GET", "", "b", "dir/k", "s3:GetObject", "arn:aws:s3:::b/dir/k"},
		{"HEAD", "", "b", "k", "s3:GetObject", "arn:aws:s3:::b/k"},
		{"PUT", "", "b", "k", "s3:PutObject", "arn:aws:s3:::b/k"},
		{"DELETE", "", "b", "k", "s3:DeleteObject", "arn:aws:s3:::b/k"},
		{"POST", "uploads", "b", "k", "s3:PutObject", "arn:aws:s3:::b/k"},
		{"PUT", "partNumber=1&uploadId=u", "b", "k", "s3:PutObject", "arn:aws:s3:::b/k"},
		{"DELETE", "uploadId=u", "b", "k", "s3:AbortMultipartUpload", "arn:aws:s3:::b/k"},
		{"GET", "uploadId=u", "b", "k", "s3:ListMultipartUploadParts", "arn:aws:s3:::b/k"},
		{"GET", "tagging", "b", "k", "s3:GetObjectTagging", "arn:aws:s3:::b/k"},
		{"PUT", "acl", "b", "k", "s3:PutObjectAcl", "arn:aws:s3:::b/k"},
	} {
		q, _ := url.ParseQuery(tc.query)
		action, resource := s3Action(tc.method, q, tc.bucket, tc.key)
		if action != tc.action || resource != tc.resource {
			t.Errorf("%s /%s/%s?%s: %s %s, want %s %s", tc.method, tc.bucket, tc.key, tc.query, action, resource, tc.action, tc.resource)
		}
	}
}
