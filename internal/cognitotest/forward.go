package cognitotest

import (
	"net/http"
	"sync"
)

// Forward sends every action that has no handler to the Cognito at
// endpoint (a moto server), and its answer back unchanged (relay, as
// Beside does): a test scripts what moto lacks and lets moto do the rest.
// The stand-in still records each call.
func (s *Server) Forward(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forward = endpoint
}

// KeepPoolSettings scripts the pool-level settings moto lacks, threat
// protection (DescribeRiskConfiguration, SetRiskConfiguration) and log
// delivery (GetLogDeliveryConfiguration, SetLogDeliveryConfiguration), as
// Cognito keeps them: a Set replaces the pool's whole configuration, and
// a Describe answers what the last Set gave (nothing, at first).
func (s *Server) KeepPoolSettings() {
	var mu sync.Mutex
	kept := map[string]any{} // by action family and pool
	keep := func(family, output string, empty map[string]any) (describe, set Handler) {
		answer := func(pool string) map[string]any {
			out := map[string]any{"UserPoolId": pool}
			for k, v := range empty {
				out[k] = v
			}
			if settings, ok := kept[family+pool].(map[string]any); ok {
				for k, v := range settings {
					out[k] = v
				}
			}
			return map[string]any{output: out}
		}
		describe = func(input map[string]any) (int, any) {
			mu.Lock()
			defer mu.Unlock()
			pool, _ := input["UserPoolId"].(string)
			return http.StatusOK, answer(pool)
		}
		set = func(input map[string]any) (int, any) {
			mu.Lock()
			defer mu.Unlock()
			pool, _ := input["UserPoolId"].(string)
			settings := map[string]any{}
			for k, v := range input {
				if k != "UserPoolId" && k != "ClientId" {
					settings[k] = v
				}
			}
			kept[family+pool] = settings
			return http.StatusOK, answer(pool)
		}
		return describe, set
	}
	describe, set := keep("risk:", "RiskConfiguration", nil)
	s.Handle("DescribeRiskConfiguration", describe)
	s.Handle("SetRiskConfiguration", set)
	describe, set = keep("logs:", "LogDeliveryConfiguration", map[string]any{"LogConfigurations": []any{}})
	s.Handle("GetLogDeliveryConfiguration", describe)
	s.Handle("SetLogDeliveryConfiguration", set)
}
