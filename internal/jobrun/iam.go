package jobrun

import "strings"

// WorkerActions are the IAM actions the worker function needs beyond
// Cognito's (WorkerCognitoActions) and SAM's SQS event: template.yaml's
// WorkerFunction grants exactly these, and tests hold both this list and
// the template to the calls the worker makes.
var WorkerActions = []string{
	"dynamodb:GetItem", "dynamodb:UpdateItem",
	"s3:GetObject", "s3:PutObject",
	"sqs:SendMessage",
}

// WorkerCognitoActions are the Cognito actions the worker calls.
var WorkerCognitoActions = []string{
	"cognito-idp:AdminGetUser", "cognito-idp:AdminListGroupsForUser",
	"cognito-idp:GetCSVHeader", "cognito-idp:ListUsers",
}

// APIActions are the IAM actions the API function needs for the jobs
// routes, besides the Cognito actions the spec names.
var APIActions = []string{
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
	"s3:GetObject",
	"sqs:SendMessage",
}

// IAMAction is the IAM action that authorizes operation of an SDK service
// (its service ID, such as "S3" or "DynamoDB"). S3's multipart operations
// are authorized by s3:PutObject, as the S3 reference's "Actions, resources
// and condition keys" page says.
func IAMAction(service, operation string) string {
	switch operation {
	case "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload":
		return "s3:PutObject"
	}
	prefix := map[string]string{
		"Cognito Identity Provider": "cognito-idp",
		"DynamoDB":                  "dynamodb",
		"S3":                        "s3",
		"SQS":                       "sqs",
	}[service]
	if prefix == "" {
		prefix = strings.ToLower(service)
	}
	return prefix + ":" + operation
}
