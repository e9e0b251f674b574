package cognito

// Settings facts: how a resource as Cognito describes it becomes the input
// of the action that sets it. The gateway's PATCH editors and the pool
// configuration document (package poolconfig) read them from here, so that
// the two never disagree on what Cognito refuses.

// Conflict is a deprecated member path and the member path that
// supersedes it: Cognito refuses an input that sets both.
type Conflict struct{ Deprecated, Current []string }

// Conflicts are the pairs of one resource.
type Conflicts []Conflict

// PoolRenames maps a DescribeUserPool member to the UpdateUserPool member
// that sets it.
var PoolRenames = map[string]string{"Name": "PoolName"}

// PoolConflicts are the deprecated members of a pool that Describe still
// answers beside their replacements.
var PoolConflicts = Conflicts{
	{[]string{"AdminCreateUserConfig", "UnusedAccountValidityDays"}, []string{"Policies", "PasswordPolicy", "TemporaryPasswordValidityDays"}},
	{[]string{"EmailVerificationMessage"}, []string{"VerificationMessageTemplate", "EmailMessage"}},
	{[]string{"EmailVerificationSubject"}, []string{"VerificationMessageTemplate", "EmailSubject"}},
	{[]string{"SmsVerificationMessage"}, []string{"VerificationMessageTemplate", "SmsMessage"}},
}

// RiskNotSent: a risk configuration is described with the ClientId it
// applies to, and set with it only for a client's own; a pool's is set
// without one.
var RiskNotSent = []string{"ClientId"}

// BrandingConflicts: UseCognitoProvidedValues cannot go with Settings or
// Assets.
var BrandingConflicts = Conflicts{
	{[]string{"UseCognitoProvidedValues"}, []string{"Settings"}},
	{[]string{"UseCognitoProvidedValues"}, []string{"Assets"}},
}

// Resolve drops one side of each pair that merged sets twice: the
// deprecated side, unless wanted (what the caller asked for) set it and
// left the current one alone.
func (cs Conflicts) Resolve(merged, wanted map[string]any) {
	for _, c := range cs {
		if !has(merged, c.Deprecated) || !has(merged, c.Current) {
			continue
		}
		if has(wanted, c.Deprecated) && !has(wanted, c.Current) {
			remove(merged, c.Current)
		} else {
			remove(merged, c.Deprecated)
		}
	}
}

// has reports whether doc sets the member at path. A false sets nothing
// that could conflict: UseCognitoProvidedValues false goes with Settings.
func has(doc map[string]any, path []string) bool {
	for i, name := range path {
		value, ok := doc[name]
		if !ok || value == nil || value == false {
			return false
		}
		if i == len(path)-1 {
			return true
		}
		if doc, ok = value.(map[string]any); !ok {
			return false
		}
	}
	return false
}

func remove(doc map[string]any, path []string) {
	for i, name := range path {
		if i == len(path)-1 {
			delete(doc, name)
			return
		}
		next, ok := doc[name].(map[string]any)
		if !ok {
			return
		}
		doc = next
	}
}
