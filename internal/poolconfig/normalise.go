package poolconfig

// normalise is a tree as it is compared: what Cognito echoes differently
// from what it takes, made equal, here and nowhere else. Read-only members
// (ids, ARNs, dates, statuses) never get this far: the projection onto the
// update input leaves them out (project).
//
//   - An empty list, an empty object, an empty string and null are absent:
//     Cognito answers [] for a list it was never given, and takes an
//     absent one for "none".
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, value := range x {
			if n := normalise(value); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, value := range x {
			out[i] = normalise(value)
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}
