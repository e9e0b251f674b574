package cognito

import (
	"context"
	"errors"
	"net/http"

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
	"TooManyRequests":                 http.StatusTooManyRequests,
	"LimitExceeded":                   http.StatusTooManyRequests,
	"TooManyFailedAttempts":           http.StatusTooManyRequests,
	"NotAuthorized":                   http.StatusForbidden,
	"Forbidden":                       http.StatusForbidden,
	"AccessDenied":                    http.StatusForbidden,
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

// Problem maps an error from an SDK call to the gateway's error.
//
// Cognito's own message is passed on for client faults, where it tells the
// caller what to fix. For server faults, transport failures and unreadable
// answers the client gets a fixed message and the cause is only logged.
func Problem(err error) *problem.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &problem.Error{Status: http.StatusGatewayTimeout, Code: problem.CodeTimeout,
			Detail: "Cognito did not answer before the request's deadline.", Cause: err}
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return upstream(err)
	}
	code := apiErr.ErrorCode()
	name := trimException(code)
	status, known := statusByCode[name]
	if !known {
		if apiErr.ErrorFault() == smithy.FaultServer {
			status = http.StatusBadGateway
		} else {
			status = http.StatusBadRequest
		}
	}
	if status >= 500 {
		p := upstream(err)
		p.Code, p.CognitoCode = code, code
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
