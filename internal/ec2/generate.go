package ec2

//go:generate go run ./gen -out shapes.go
