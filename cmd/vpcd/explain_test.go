package main

import "testing"

func TestDefaultEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing set: vpcd's address", nil, "http://127.0.0.1:8787"},
		{"the EC2 endpoint of the AWS CLI", map[string]string{"AWS_ENDPOINT_URL_EC2": "http://a:1", "AWS_ENDPOINT_URL": "http://b:2"}, "http://a:1"},
		{"the endpoint of every service", map[string]string{"AWS_ENDPOINT_URL": "http://b:2"}, "http://b:2"},
		{"VPCD_ENDPOINT first", map[string]string{"VPCD_ENDPOINT": "http://v:3", "AWS_ENDPOINT_URL_EC2": "http://a:1"}, "http://v:3"},
		{"configured endpoints ignored", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_EC2": "http://a:1"}, "http://127.0.0.1:8787"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultEndpoint(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("endpoint = %s, want %s", got, tc.want)
			}
		})
	}
}
