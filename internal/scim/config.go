package scim

// MaxResults is the most resources one list answer holds (count is
// lowered to it), and listPages bounds the Cognito pages one list or
// filter reads: 60 users each, so a filter Cognito cannot answer
// itself is answered over pools of up to 6,000 users, and beyond that
// is a 400 tooMany rather than a partial, wrong answer.
const (
	MaxResults = 100
	listPages  = 100
	pageSize   = 60
)

// serviceProviderConfig is what the server supports, as RFC 7643 §5
// declares it. The library's own says etag unsupported, whatever the
// handlers do; this one is the truth of this package.
func serviceProviderConfig(base string) map[string]any {
	return map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://github.com/acme/cognito-admin-gateway#connect-okta",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": MaxResults},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "A token issued by POST /pools/{poolId}/scim/tokens, sent as Authorization: Bearer <token>.",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	}
}
