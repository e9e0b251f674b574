package poolconfig

import (
	"context"
	"fmt"
	"net/http"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Outcome is what an apply did: the changes Cognito made, the one it
// refused (if any) and those not tried after it.
type Outcome struct {
	Applied  []Change
	Failed   *Change
	Problem  *problem.Error // why Failed failed
	NotTried []Change
}

// Apply performs changes in order, through c, and stops at the first
// failure. record, if set, is told of each change tried and its error, so
// that the caller can audit it. A plan holding an impossible change is
// refused whole, before anything is written.
func Apply(ctx context.Context, c Cognito, changes []Change, record func(Change, error)) (Outcome, error) {
	if change, ok := Impossible(changes); ok {
		return Outcome{}, problem.New(http.StatusConflict, problem.CodeImpossibleChange, fmt.Sprintf(
			"%s: %s Nothing was changed: take it out of the document, or make the change by hand.", change.Target, change.Impossible))
	}
	var out Outcome
	for i, change := range changes {
		_, err := c.Call(ctx, change.Action, change.input)
		if record != nil {
			record(change, err)
		}
		if err != nil {
			failed := change
			out.Failed, out.Problem, out.NotTried = &failed, problem.As(err), changes[i+1:]
			return out, nil
		}
		out.Applied = append(out.Applied, change)
	}
	return out, nil
}

// Tree is the outcome as an apply answers it. A failed change carries its
// problem: status, code and detail, as a problem+json would, and never a
// 5xx's cause.
func (o Outcome) Tree() map[string]any {
	out := map[string]any{"Applied": Trees(o.Applied), "NotTried": Trees(o.NotTried)}
	if o.Failed != nil {
		failed := o.Failed.Tree()
		p := map[string]any{"status": o.Problem.Status, "code": o.Problem.Code, "detail": o.Problem.Detail}
		if o.Problem.Status >= 500 {
			p["detail"] = "Cognito failed; the cause was logged."
		}
		failed["Problem"] = p
		out["Failed"] = failed
	}
	return out
}
