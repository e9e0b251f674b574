package gateway

import (
	"errors"
	"net/http"
	"strings"

	"github.com/acme/cognito-admin-gateway/internal/problem"
)

// Conditional requests (RFC 9110, section 13): the If-Match of PUT and
// PATCH, and the If-None-Match of /docs's files, read by one parser.

// entityTags is the value of an If-Match or If-None-Match header: "*", or a
// list of entity-tags.
type entityTags struct {
	any  bool
	tags []entityTag
}

// entityTag is one entity-tag: its opaque-tag, quotes included, and whether
// it is weak (W/"...").
type entityTag struct {
	opaque string
	weak   bool
}

var errMalformedETags = errors.New(`not "*" nor a comma-separated list of entity-tags such as "abc" or W/"abc"`)

// parseEntityTags reads the lines of a header as one list, as RFC 9110
// section 5.3 combines them. ok is false when the header is absent or empty.
// Empty list elements are allowed, as section 5.6.1 asks of a recipient.
func parseEntityTags(lines []string) (list entityTags, ok bool, err error) {
	value := strings.TrimSpace(strings.Join(lines, ","))
	if value == "" {
		return entityTags{}, false, nil
	}
	if value == "*" {
		return entityTags{any: true}, true, nil
	}
	for rest := value; ; {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		var tag entityTag
		if after, weak := strings.CutPrefix(rest, "W/"); weak {
			tag.weak, rest = true, after
		}
		end := opaqueTagEnd(rest)
		if end < 0 {
			return entityTags{}, true, errMalformedETags
		}
		tag.opaque, rest = rest[:end], strings.TrimLeft(rest[end:], " \t")
		if rest != "" && rest[0] != ',' {
			return entityTags{}, true, errMalformedETags
		}
		list.tags = append(list.tags, tag)
	}
	if len(list.tags) == 0 {
		return entityTags{}, true, errMalformedETags
	}
	return list, true, nil
}

// opaqueTagEnd is the length of the opaque-tag s starts with (DQUOTE
// *etagc DQUOTE), or -1 if it starts with none.
func opaqueTagEnd(s string) int {
	if s == "" || s[0] != '"' {
		return -1
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1
		case c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80:
		default:
			return -1
		}
	}
	return -1
}

// matchStrong reports whether the list names etag with the strong
// comparison If-Match uses: a weak entity-tag never matches.
func (l entityTags) matchStrong(etag string) bool {
	if l.any {
		return true
	}
	for _, tag := range l.tags {
		if !tag.weak && tag.opaque == etag {
			return true
		}
	}
	return false
}

// matchWeak reports whether the list names etag with the weak comparison
// If-None-Match uses: W/"x" and "x" are the same.
func (l entityTags) matchWeak(etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	if l.any {
		return true
	}
	for _, tag := range l.tags {
		if tag.opaque == etag {
			return true
		}
	}
	return false
}

// ifMatch reads r's If-Match. ok is false when there is none; a malformed
// one is a 400, not a 412: no resource could ever match it.
func ifMatch(r *http.Request) (list entityTags, ok bool, err error) {
	list, ok, err = parseEntityTags(r.Header.Values("If-Match"))
	if err != nil {
		return entityTags{}, false, problem.Validation([]problem.Violation{{Parameter: "If-Match",
			Message: `header "If-Match" is ` + err.Error() + `; send the ETag header of a GET as it is, quotes included`}})
	}
	return list, ok, nil
}

// checkIfMatch fails with 412, and the resource's current ETag, unless
// list names current.
func checkIfMatch(list entityTags, current string) error {
	if list.matchStrong(current) {
		return nil
	}
	p := problem.New(http.StatusPreconditionFailed, problem.CodePrecondition,
		"The resource has changed since the ETag in If-Match was issued. Nothing was changed; GET it again and retry.")
	p.Header = http.Header{}
	p.Header.Set("ETag", current)
	return p
}
