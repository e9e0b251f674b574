package cognito

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// statusByCode maps Cognito exception names (without the "Exception"
// suffix) to HTTP statuses. Client faults not listed are 400.
var statusByCode = map[string]int{
	"ResourceNotFound":                http.StatusNotFound,
	"UserNotFound":                    http.StatusNotFound,
	"GroupNotFound":                   http.StatusNotFound,
	"UsernameExists":                  http.StatusConflict,
	"GroupExists":                     http.StatusConflict,
	"AliasExists":                     http.StatusConflict,
	"ConcurrentModification":          http.StatusConflict,
	"UserImportInProgress":            http.StatusConflict,
	"DuplicateProvider":               http.StatusConflict,
	"DeviceKeyExists":                 http.StatusConflict,
	"ManagedLoginBrandingExists":      http.StatusConflict,
	"TermsExists":                     http.StatusConflict,
	"TooManyFailedAttempts":           http.StatusTooManyRequests,
	"NotAuthorized":                   http.StatusForbidden,
	"Forbidden":                       http.StatusForbidden,
	"PreconditionNotMet":              http.StatusPreconditionFailed,
	"InternalError":                   http.StatusBadGateway,
	"InternalServer":                  http.StatusBadGateway,
	"UnexpectedLambda":                http.StatusBadGateway,
	"InvalidLambdaResponse":           http.StatusBadGateway,
	"CodeDeliveryFailure":             http.StatusBadGateway,
	"InvalidSmsRoleAccessPolicy":      http.StatusBadRequest,
	"InvalidSmsRoleTrustRelationship": http.StatusBadRequest,
	"InvalidEmailRoleAccessPolicy":    http.StatusBadRequest,
	"UserPoolTagging":                 http.StatusBadRequest,
	"InvalidParameter":                http.StatusBadRequest,
	"InvalidPassword":                 http.StatusBadRequest,
	"PasswordHistoryPolicyViolation":  http.StatusBadRequest,
	"InvalidUserPoolConfiguration":    http.StatusBadRequest,
	"UserPoolAddOnNotEnabled":         http.StatusBadRequest,
	"FeatureUnavailableInTier":        http.StatusBadRequest,
	"TierChangeNotAllowed":            http.StatusBadRequest,
	"UnsupportedUserState":            http.StatusBadRequest,
	"UnsupportedOperation":            http.StatusBadRequest,
	"UserLambdaValidation":            http.StatusBadRequest,
	"UserNotConfirmed":                http.StatusBadRequest,
	"PasswordResetRequired":           http.StatusBadRequest,
	"WebAuthnConfigurationMissing":    http.StatusBadRequest,
	"UnsupportedIdentityProvider":     http.StatusBadRequest,
	"UnsupportedTokenType":            http.StatusBadRequest,
	"OperationNotEnabled":             http.StatusBadRequest,
	"ScopeDoesNotExist":               http.StatusBadRequest,
	"InvalidOAuthFlow":                http.StatusBadRequest,
	"ExpiredCode":                     http.StatusBadRequest,
	"CodeMismatch":                    http.StatusBadRequest,
	"MFAMethodNotFound":               http.StatusBadRequest,
	"SoftwareTokenMFANotFound":        http.StatusBadRequest,
	"EnableSoftwareTokenMFA":          http.StatusBadRequest,
	"RefreshTokenReuse":               http.StatusBadRequest,
	"WebAuthnNotEnabled":              http.StatusBadRequest,
	"WebAuthnChallengeNotFound":       http.StatusBadRequest,
	"WebAuthnClientMismatch":          http.StatusBadRequest,
	"WebAuthnCredentialNotSupported":  http.StatusBadRequest,
	"WebAuthnOriginNotAllowed":        http.StatusBadRequest,
	"WebAuthnRelyingPartyMismatch":    http.StatusBadRequest,
	"Unauthorized":                    http.StatusForbidden,
}

// credentialCodes are the errors (without the "Exception" suffix) with which
// AWS refuses the signature, credentials or role of the caller: here the
// gateway itself, not its client. They are AWS's common errors, not
// Cognito's, so the SDK models none of them.
var credentialCodes = map[string]bool{
	"UnrecognizedClient":         true,
	"AccessDenied":               true,
	"InvalidSignature":           true,
	"SignatureDoesNotMatch":      true,
	"IncompleteSignature":        true,
	"MissingAuthenticationToken": true,
	"InvalidClientTokenId":       true,
	"ExpiredToken":               true,
	"RequestExpired":             true,
	"OptInRequired":              true,
}

// Throttle reports whether code is one the SDK's retryer treats as
// throttling. It is the one list behind the 429 answer, the retries and the
// CognitoThrottles metric.
func Throttle(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}

// Problem maps an error from an SDK call to the gateway's error.
//
// Cognito's own message is passed on for client faults, where it tells the
// caller what to fix. For server faults, transport failures, unusable
// answers and refusals of the gateway's own credentials the client gets a
// fixed message and the cause is only logged: those messages may name
// Cognito's insides, or the gateway's role and account.
//
// A code the table does not know is judged by the HTTP status of Cognito's
// answer, never assumed to be the client's fault: a 401 or 403 comes from
// AWS's signing layer, so it refuses the gateway's credentials; any other
// 4xx is a 400; anything else, a 5xx above all, is Cognito failing.
func Problem(err error) *problem.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &problem.Error{Status: http.StatusGatewayTimeout, Code: problem.CodeTimeout,
			Detail: "Cognito did not answer before the request's deadline.", Cause: err}
	}
	// The SDK refused the input before sending it: a required member is
	// missing, which the spec should have caught. Cognito was not called,
	// so it is not Cognito failing; the SDK's words name the member.
	var invalid smithy.InvalidParamsError
	if errors.As(err, &invalid) {
		return &problem.Error{Status: http.StatusBadRequest, Code: problem.CodeValidation,
			Detail: "Cognito's input is incomplete: " + strings.TrimSpace(invalid.Error()), Cause: err}
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return upstream(err)
	}
	code := apiErr.ErrorCode()
	name := trimException(code)
	status, known := statusByCode[name]
	if Throttle(code) {
		status, known = http.StatusTooManyRequests, true
	}
	if !known {
		status = unknownStatus(err, apiErr)
	}
	if credentialCodes[name] || (!known && status == http.StatusForbidden) {
		return &problem.Error{Status: http.StatusBadGateway, Code: problem.CodeCredentials, CognitoCode: code,
			Detail: "AWS refused the gateway's own credentials for Cognito. The failure was logged.", Cause: err}
	}
	if status >= 500 {
		p := upstream(err)
		p.CognitoCode = code
		if known {
			p.Code = code
		}
		return p
	}
	p := &problem.Error{Status: status, Code: code, CognitoCode: code, Detail: apiErr.ErrorMessage(), Cause: err}
	if p.Detail == "" {
		p.Detail = name
	}
	if status == http.StatusTooManyRequests {
		p.RetryAfter = 1
	}
	return p
}

// unknownStatus is the status for a code the table lacks: 403 when AWS's
// signing layer refused the call (a 401 or 403), 400 for another 4xx, and
// 502 for everything else. Without an HTTP status (never seen, but the SDK
// does not promise one), only the SDK's word that the fault is the client's
// makes it a 400.
func unknownStatus(err error, apiErr smithy.APIError) int {
	var answer interface{ HTTPStatusCode() int }
	if !errors.As(err, &answer) {
		if apiErr.ErrorFault() == smithy.FaultClient {
			return http.StatusBadRequest
		}
		return http.StatusBadGateway
	}
	switch status := answer.HTTPStatusCode(); {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return http.StatusForbidden
	case status >= 400 && status < 500:
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}

func upstream(err error) *problem.Error {
	return &problem.Error{Status: http.StatusBadGateway, Code: problem.CodeUpstream,
		Detail: "Cognito failed to answer the request. The failure was logged.", Cause: err}
}

func trimException(code string) string {
	const suffix = "Exception"
	if len(code) > len(suffix) && code[len(code)-len(suffix):] == suffix {
		return code[:len(code)-len(suffix)]
	}
	return code
}
