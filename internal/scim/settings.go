package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Settings are a pool's choices where SCIM leaves them to the service
// provider. The zero value means the defaults (DefaultSettings).
type Settings struct {
	// MessageAction is AdminCreateUser's MessageAction for a new user:
	// SUPPRESS (the default: the identity provider signs users in, so
	// Cognito's invitation would only confuse them) or SEND, which lets
	// Cognito send its invitation.
	MessageAction string `json:"messageAction,omitempty"`
	// VerifyEmail sets email_verified on the email the identity
	// provider sends: it is the directory of record, so its addresses
	// are taken as verified. Default true.
	VerifyEmail *bool `json:"verifyEmail,omitempty"`
	// OnDelete is what DELETE /Users/{id} does: "delete" (the default, and
	// what SCIM means by DELETE) or "disable", which keeps the user,
	// disabled, for an audit or a return.
	OnDelete string `json:"onDelete,omitempty"`
}

// DefaultSettings are those of a pool that SCIM_POOL_SETTINGS does not name.
var DefaultSettings = Settings{MessageAction: "SUPPRESS", VerifyEmail: ptr(true), OnDelete: "delete"}

func ptr[T any](v T) *T { return &v }

// ParseSettings reads SCIM_POOL_SETTINGS: a JSON object of Settings by
// pool id, such as {"us-east-1_abc": {"onDelete": "disable"}}. A member
// left out keeps its default; an unknown member or value is an error, so
// that a misspelt setting is found at start-up.
func ParseSettings(text string) (map[string]Settings, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	var settings map[string]Settings
	if err := dec.Decode(&settings); err != nil {
		return nil, fmt.Errorf("SCIM_POOL_SETTINGS: %w", err)
	}
	for pool, s := range settings {
		if s.MessageAction != "" && s.MessageAction != "SUPPRESS" && s.MessageAction != "SEND" {
			return nil, fmt.Errorf("SCIM_POOL_SETTINGS: %s: messageAction must be SUPPRESS or SEND", pool)
		}
		if s.OnDelete != "" && s.OnDelete != "delete" && s.OnDelete != "disable" {
			return nil, fmt.Errorf("SCIM_POOL_SETTINGS: %s: onDelete must be delete or disable", pool)
		}
	}
	return settings, nil
}

// settingsOf is a pool's settings, defaults filled in.
func (s *Server) settingsOf(pool string) Settings {
	set, d := s.settings[pool], DefaultSettings
	if set.MessageAction == "" {
		set.MessageAction = d.MessageAction
	}
	if set.VerifyEmail == nil {
		set.VerifyEmail = d.VerifyEmail
	}
	if set.OnDelete == "" {
		set.OnDelete = d.OnDelete
	}
	return set
}
