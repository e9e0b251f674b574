package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Error makes a problem a Go error, for example
// `404 ResourceNotFound: User pool us-east-1_x does not exist.`; a 400 lists
// each validation failure in parentheses after it.
func (p *Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s: ", p.Status, p.Code)
	if p.Detail != nil {
		b.WriteString(*p.Detail)
	} else {
		b.WriteString(p.Title)
	}
	if p.Errors == nil || len(*p.Errors) == 0 {
		return b.String()
	}
	b.WriteString(" (")
	for i, e := range *p.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		switch {
		case e.Pointer != nil:
			b.WriteString(*e.Pointer + ": ")
		case e.Parameter != nil:
			b.WriteString(*e.Parameter + ": ")
		}
		b.WriteString(e.Message)
	}
	b.WriteString(")")
	return b.String()
}

// Result is what every generated ...WithResponse method returns.
type Result interface {
	StatusCode() int
	GetBody() []byte
}

// Check turns one call's outcome into a Go error: err if the call failed,
// otherwise nil for a 2xx answer, the *Problem the gateway answered with
// (use errors.As), or, for an answer that is not problem+json (API Gateway's
// own 403 for a missing or bad signature, say), an error quoting its body.
//
//	users, err := api.ListUsersWithResponse(ctx, poolID, nil)
//	if err := client.Check(users, err); err != nil { ... }
func Check(result Result, err error) error {
	if err != nil {
		return err
	}
	status := result.StatusCode()
	if status >= 200 && status < 300 {
		return nil
	}
	body := result.GetBody()
	var problem Problem
	if json.Unmarshal(body, &problem) == nil && problem.Code != "" {
		return &problem
	}
	const quoted = 512
	if len(body) > quoted {
		body = append(body[:quoted:quoted], "..."...)
	}
	return fmt.Errorf("%d %s: %s", status, http.StatusText(status), body)
}
