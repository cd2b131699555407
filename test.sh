#!/usr/bin/env bash
# Runs every test of vpcd: vet, the whole suite (as root the data-plane tests run too; as a
# normal user they skip and say why), and a short fuzzing of the request decoder, the DNS
# server and the IAM policy parser.
set -euo pipefail
cd "$(dirname "$0")"
go vet ./...
go test -count=1 -timeout 60m ./...
go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 20s ./internal/ec2
go test -run '^$' -fuzz '^FuzzServeDNS$' -fuzztime 10s ./internal/resolver
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s ./internal/iampolicy
