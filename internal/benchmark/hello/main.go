// Command hello is the cold-start anchor of `make bench`: the smallest
// aws-lambda-go function there is, answering every event with a constant.
// The gateway's bootstrap is compared with it, built with the same flags.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"hello":"world"}`}, nil
	})
}
