package jobrun

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/acme/cognito-admin-gateway/internal/usermatch"
)

// User is one user as an export writes it, one JSON object a line.
type User struct {
	Username             string
	Attributes           map[string]string
	UserStatus           string
	Enabled              bool
	UserCreateDate       time.Time
	UserLastModifiedDate time.Time
	// UserMFASettingList and PreferredMfaSetting are AdminGetUser's: the
	// MFA factors the user has turned on, and the preferred one.
	UserMFASettingList  []string `json:",omitempty"`
	PreferredMfaSetting string   `json:",omitempty"`
	// MFAOptions are the legacy SMS MFA settings, for a pool that has them.
	MFAOptions []ciptypes.MFAOptionType `json:",omitempty"`
	Groups     []string
}

// Export formats.
const (
	NDJSON = "ndjson"
	CSV    = "csv"
)

// pageSize is ListUsers's largest page.
const pageSize = 60

// partSize is the size of the parts of an export's multipart upload,
// above S3's 5 MiB floor; it bounds the memory an export's last step uses.
const partSize = 8 << 20

// export writes the users of one ListUsers page after another, each page
// to an S3 object of its own, keyed by the page's number: a step that
// runs again after a crash writes the same keys again, so that each user
// is in the file exactly once, and no step holds more than a page. The
// last step joins the parts into the export's file.
func (w *Worker) export(ctx context.Context, job *Job, deadline time.Time) (bool, error) {
	var header []string
	if job.Format == CSV {
		var err error
		if header, err = w.csvHeader(ctx, job.PoolID); err != nil {
			return false, err
		}
	}
	matcher, err := match(job.Filter)
	if err != nil {
		return false, err
	}
	for !job.Checkpoint.Listed {
		if err := w.pace(ctx, job.PoolID, "ListUsers"); err != nil {
			return false, err
		}
		input := &cip.ListUsersInput{UserPoolId: &job.PoolID, Limit: aws.Int32(pageSize)}
		if prefilter := matcher.CognitoFilter(); prefilter != "" {
			input.Filter = &prefilter
		}
		if job.Checkpoint.NextToken != "" {
			input.PaginationToken = &job.Checkpoint.NextToken
		}
		page, err := w.Cognito.ListUsers(ctx, input)
		if err != nil {
			return false, classify("ListUsers", err)
		}
		users, skipped, err := w.describeUsers(ctx, job.PoolID, matcher, page.Users)
		if err != nil {
			return false, err
		}
		body, err := encodeUsers(users, job.Format, header)
		if err != nil {
			return false, err
		}
		_, err = w.S3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &w.Bucket, Key: aws.String(partKey(*job, job.Checkpoint.Page)), Body: bytes.NewReader(body),
		})
		if err != nil {
			return false, fmt.Errorf("write part %d of export %s: %w", job.Checkpoint.Page, job.JobID, err)
		}
		n := int64(len(users))
		job.Counts = job.Counts.Add(Counts{Scanned: int64(len(page.Users)), Matched: n + skipped, Done: n, Skipped: skipped})
		job.Checkpoint = Checkpoint{
			NextToken: aws.ToString(page.PaginationToken),
			Page:      job.Checkpoint.Page + 1,
			Listed:    aws.ToString(page.PaginationToken) == "",
		}
		// After the page, not before: every step makes progress,
		// however short its budget.
		if !job.Checkpoint.Listed && !time.Now().Before(deadline) {
			return false, nil
		}
	}
	key := ResultKey(*job)
	var first []byte
	if job.Format == CSV {
		var err error
		if first, err = encodeCSV([][]string{header}); err != nil {
			return false, err
		}
	}
	if err := w.join(ctx, *job, key, first); err != nil {
		return false, err
	}
	return true, nil
}

// describeUsers reads what ListUsers leaves out of each user the filter
// selects (MFA settings, groups), Parallel users at a time, and returns
// them in page order. A user the filter refuses on what ListUsers gives
// costs no further call; a filter on groups is applied once they are read.
// A user deleted since the page was listed is skipped, and counted.
func (w *Worker) describeUsers(ctx context.Context, poolID string, matcher *usermatch.Matcher, listed []ciptypes.UserType) ([]User, int64, error) {
	users := make([]*User, len(listed))
	var skipped atomic.Int64
	group, ctx := errgroup.WithContext(ctx)
	group.SetLimit(w.Parallel)
	for i, listedUser := range listed {
		candidate := usermatch.FromCognito(listedUser)
		if !matcher.NeedsGroups() && !matcher.Match(candidate) {
			continue
		}
		group.Go(func() error {
			user, err := w.describeUser(ctx, poolID, candidate.Username)
			if _, gone := errors.AsType[*ciptypes.UserNotFoundException](err); gone {
				skipped.Add(1)
				return nil
			}
			if err != nil {
				return err
			}
			candidate.Groups = user.Groups
			if matcher.Match(candidate) {
				users[i] = user
			}
			return nil
		})
	}
	if err := group.Wait(); err != nil {
		return nil, 0, err
	}
	found := make([]User, 0, len(users))
	for _, user := range users {
		if user != nil {
			found = append(found, *user)
		}
	}
	return found, skipped.Load(), nil
}

// describeUser is AdminGetUser and AdminListGroupsForUser.
func (w *Worker) describeUser(ctx context.Context, poolID, username string) (*User, error) {
	if err := w.pace(ctx, poolID, "AdminGetUser"); err != nil {
		return nil, err
	}
	got, err := w.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &poolID, Username: &username})
	if err != nil {
		if _, gone := errors.AsType[*ciptypes.UserNotFoundException](err); gone {
			return nil, err
		}
		return nil, classify("AdminGetUser", err)
	}
	user := &User{
		Username:             aws.ToString(got.Username),
		Attributes:           make(map[string]string, len(got.UserAttributes)),
		UserStatus:           string(got.UserStatus),
		Enabled:              got.Enabled,
		UserCreateDate:       aws.ToTime(got.UserCreateDate).UTC(),
		UserLastModifiedDate: aws.ToTime(got.UserLastModifiedDate).UTC(),
		UserMFASettingList:   got.UserMFASettingList,
		PreferredMfaSetting:  aws.ToString(got.PreferredMfaSetting),
		MFAOptions:           got.MFAOptions,
		Groups:               []string{},
	}
	for _, attribute := range got.UserAttributes {
		user.Attributes[aws.ToString(attribute.Name)] = aws.ToString(attribute.Value)
	}
	input := &cip.AdminListGroupsForUserInput{UserPoolId: &poolID, Username: &username, Limit: aws.Int32(pageSize)}
	for {
		if err := w.pace(ctx, poolID, "AdminListGroupsForUser"); err != nil {
			return nil, err
		}
		groups, err := w.Cognito.AdminListGroupsForUser(ctx, input)
		if err != nil {
			if _, gone := errors.AsType[*ciptypes.UserNotFoundException](err); gone {
				return nil, err
			}
			return nil, classify("AdminListGroupsForUser", err)
		}
		for _, group := range groups.Groups {
			user.Groups = append(user.Groups, aws.ToString(group.GroupName))
		}
		if aws.ToString(groups.NextToken) == "" {
			return user, nil
		}
		input.NextToken = groups.NextToken
	}
}

// csvHeader is the pool's import CSV header: an export in its column order
// feeds a Cognito import job as it is.
func (w *Worker) csvHeader(ctx context.Context, poolID string) ([]string, error) {
	if err := w.pace(ctx, poolID, "GetCSVHeader"); err != nil {
		return nil, err
	}
	out, err := w.Cognito.GetCSVHeader(ctx, &cip.GetCSVHeaderInput{UserPoolId: &poolID})
	if err != nil {
		return nil, classify("GetCSVHeader", err)
	}
	return out.CSVHeader, nil
}

// encodeUsers is a page of users in format: JSON lines, or CSV rows in
// header's columns.
func encodeUsers(users []User, format string, header []string) ([]byte, error) {
	if format == CSV {
		rows := make([][]string, len(users))
		for i, user := range users {
			rows[i] = csvRow(user, header)
		}
		return encodeCSV(rows)
	}
	var body bytes.Buffer
	encoder := json.NewEncoder(&body)
	encoder.SetEscapeHTML(false)
	for _, user := range users {
		if err := encoder.Encode(user); err != nil {
			return nil, err
		}
	}
	return body.Bytes(), nil
}

// csvRow is a user in the import CSV's columns. The import job requires
// the two verified columns to be true or false, and the username column;
// cognito:mfa_enabled is whether SMS MFA is on, the only factor an import
// can turn on.
func csvRow(user User, header []string) []string {
	row := make([]string, len(header))
	for i, column := range header {
		switch column {
		case "cognito:username":
			row[i] = user.Username
		case "cognito:mfa_enabled":
			row[i] = fmt.Sprint(len(user.MFAOptions) > 0 || containsFold(user.UserMFASettingList, "SMS_MFA"))
		case "email_verified", "phone_number_verified":
			row[i] = fmt.Sprint(strings.EqualFold(user.Attributes[column], "true"))
		default:
			row[i] = user.Attributes[column]
		}
	}
	return row
}

func containsFold(list []string, s string) bool {
	for _, item := range list {
		if strings.EqualFold(item, s) {
			return true
		}
	}
	return false
}

func encodeCSV(rows [][]string) ([]byte, error) {
	var body bytes.Buffer
	writer := csv.NewWriter(&body)
	if err := writer.WriteAll(rows); err != nil {
		return nil, err
	}
	return body.Bytes(), nil
}

// partKey is the S3 key of page n of a job's export.
func partKey(job Job, n int) string {
	return fmt.Sprintf("jobs/%s/%s/parts/%08d", job.PoolID, job.JobID, n)
}

// ResultKey is the S3 key of an export's file: named by the job, so that
// the jobs table need not hold it.
func ResultKey(job Job) string {
	return fmt.Sprintf("jobs/%s/%s/users.%s", job.PoolID, job.JobID, job.Format)
}

// join writes first, then the job's parts in page order, to key, as a
// multipart upload in parts of partSize: memory stays at one part however
// large the export. A join that dies is done again from the start; the
// lifecycle rule of the bucket aborts the upload it left.
func (w *Worker) join(ctx context.Context, job Job, key string, first []byte) error {
	contentType := "application/x-ndjson"
	if job.Format == CSV {
		contentType = "text/csv"
	}
	upload, err := w.S3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &w.Bucket, Key: &key, ContentType: &contentType,
	})
	if err != nil {
		return fmt.Errorf("start export file %s: %w", key, err)
	}
	var completed []s3types.CompletedPart
	buffer := bytes.NewBuffer(make([]byte, 0, partSize))
	buffer.Write(first)
	flush := func() error {
		number := aws.Int32(int32(len(completed) + 1))
		part, err := w.S3.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: &w.Bucket, Key: &key, UploadId: upload.UploadId, PartNumber: number,
			Body: bytes.NewReader(buffer.Bytes()),
		})
		if err != nil {
			return fmt.Errorf("write export file %s: %w", key, err)
		}
		completed = append(completed, s3types.CompletedPart{ETag: part.ETag, PartNumber: number})
		buffer.Reset()
		return nil
	}
	for page := range job.Checkpoint.Page {
		part, err := w.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &w.Bucket, Key: aws.String(partKey(job, page))})
		if err != nil {
			return fmt.Errorf("read part %d of export %s: %w", page, job.JobID, err)
		}
		_, err = io.Copy(buffer, part.Body)
		part.Body.Close()
		if err != nil {
			return fmt.Errorf("read part %d of export %s: %w", page, job.JobID, err)
		}
		if buffer.Len() >= partSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if buffer.Len() > 0 || len(completed) == 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	_, err = w.S3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &w.Bucket, Key: &key, UploadId: upload.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		return fmt.Errorf("finish export file %s: %w", key, err)
	}
	return nil
}
