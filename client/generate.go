// Package client is a typed Go client for the gateway's API, generated from
// openapi/openapi.yaml with oapi-codegen (client.gen.go; do not edit it, run
// `make generate`).
//
// By hand, it adds only what the spec cannot say: SigV4 signing for the
// deployed, IAM-protected API (NewSigV4, WithSigV4) and turning an error
// answer into a Go error (Check). It does not retry or paginate.
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi/openapi.yaml
