#!/usr/bin/env bash
# Runs every test of vpcd: vet, the whole suite (as root the data-plane tests run too; as a
# normal user they skip and say why), and a short fuzzing of the request decoder, the DNS
# server and the IAM policy parser.
set -euo pipefail
cd "$(dirname "$0")"
go vet ./...
go test -count=1 -timeout 60m ./...
# Budgets are counts of executions, not durations: with a -fuzztime duration, Go before
# 1.27 may fail a target with a bare "context deadline exceeded" at the deadline
# (golang/go#75804), which a busy CI machine hits.
go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 300000x ./internal/ec2
go test -run '^$' -fuzz '^FuzzServeDNS$' -fuzztime 150000x ./internal/resolver
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 150000x ./internal/iampolicy
